-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template create.sql.j2 · dialect trino
CREATE TABLE IF NOT EXISTS "video__chunk" (
  "video_id" VARCHAR,
  "video_chunk_id" VARCHAR,
  "chunk_index" BIGINT,
  "start_s" DOUBLE,
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
  "sqlxy_created_at" TIMESTAMP,
  "sqlxy_updated_at" TIMESTAMP,
  "sqlxy_deleted_at" TIMESTAMP,
  "sqlxy_run_id" VARCHAR,
  "sqlxy_commit" BIGINT
)
