-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template create.sql.j2 · dialect duckdb
CREATE TABLE IF NOT EXISTS "video__raw" (
  "video_id" TEXT,
  "path" TEXT,
  "duration_s" DOUBLE,
  "sqlxy_provenance__audio" TEXT,
  "sqlxy_provenance__frames" TEXT,
  "sqlxy_data_version__audio" TEXT,
  "sqlxy_data_version__frames" TEXT,
  "sqlxy_provenance" TEXT,
  "sqlxy_data_version" TEXT,
  "sqlxy_feature_version" TEXT,
  "sqlxy_project_version" TEXT,
  "sqlxy_created_at" TIMESTAMP,
  "sqlxy_updated_at" TIMESTAMP,
  "sqlxy_deleted_at" TIMESTAMP,
  "sqlxy_run_id" TEXT,
  "sqlxy_commit" BIGINT
)
