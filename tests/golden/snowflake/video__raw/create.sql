-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template create.sql.j2 · dialect snowflake
CREATE TABLE IF NOT EXISTS "video__raw" (
  "video_id" VARCHAR,
  "path" VARCHAR,
  "duration_s" DOUBLE,
  "sqlxy_provenance__audio" VARCHAR,
  "sqlxy_provenance__frames" VARCHAR,
  "sqlxy_data_version__audio" VARCHAR,
  "sqlxy_data_version__frames" VARCHAR,
  "sqlxy_provenance" VARCHAR,
  "sqlxy_data_version" VARCHAR,
  "sqlxy_feature_version" VARCHAR,
  "sqlxy_project_version" VARCHAR,
  "sqlxy_created_at" TIMESTAMPNTZ,
  "sqlxy_updated_at" TIMESTAMPNTZ,
  "sqlxy_deleted_at" TIMESTAMPNTZ,
  "sqlxy_run_id" VARCHAR,
  "sqlxy_commit" BIGINT
)
