-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template create.sql.j2 · dialect redshift
CREATE TABLE IF NOT EXISTS "video__raw" (
  "video_id" VARCHAR(MAX),
  "path" VARCHAR(MAX),
  "duration_s" DOUBLE PRECISION,
  "sqlxy_provenance__audio" VARCHAR(MAX),
  "sqlxy_provenance__frames" VARCHAR(MAX),
  "sqlxy_data_version__audio" VARCHAR(MAX),
  "sqlxy_data_version__frames" VARCHAR(MAX),
  "sqlxy_provenance" VARCHAR(MAX),
  "sqlxy_data_version" VARCHAR(MAX),
  "sqlxy_feature_version" VARCHAR(MAX),
  "sqlxy_project_version" VARCHAR(MAX),
  "sqlxy_created_at" TIMESTAMP,
  "sqlxy_updated_at" TIMESTAMP,
  "sqlxy_deleted_at" TIMESTAMP,
  "sqlxy_run_id" VARCHAR(MAX),
  "sqlxy_commit" BIGINT
)
