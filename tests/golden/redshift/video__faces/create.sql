-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template create.sql.j2 · dialect redshift
CREATE TABLE IF NOT EXISTS "video__faces" (
  "video_chunk_id" VARCHAR(MAX),
  "num_faces" BIGINT,
  "video_id" VARCHAR(MAX),
  "sqlxy_provenance__faces" VARCHAR(MAX),
  "sqlxy_data_version__faces" VARCHAR(MAX),
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
