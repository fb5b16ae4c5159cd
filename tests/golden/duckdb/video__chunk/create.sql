-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template create.sql.j2 · dialect duckdb
CREATE TABLE IF NOT EXISTS "video__chunk" (
  "video_id" TEXT,
  "video_chunk_id" TEXT,
  "chunk_index" BIGINT,
  "start_s" DOUBLE,
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
