-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template create.sql.j2 · dialect trino
CREATE TABLE IF NOT EXISTS "video__faces" (
  "video_chunk_id" VARCHAR,
  "num_faces" BIGINT,
  "video_id" VARCHAR,
  "sqlxy_provenance__faces" VARCHAR,
  "sqlxy_data_version__faces" VARCHAR,
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
