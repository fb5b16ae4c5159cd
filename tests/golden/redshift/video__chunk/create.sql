-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template create.sql.j2 · dialect redshift
CREATE TABLE IF NOT EXISTS "video__chunk" (
  "video_id" VARCHAR(MAX),
  "video_chunk_id" VARCHAR(MAX),
  "chunk_index" BIGINT,
  "start_s" DOUBLE PRECISION,
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
