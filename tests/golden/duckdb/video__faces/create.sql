-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template create.sql.j2 · dialect duckdb
CREATE TABLE IF NOT EXISTS "video__faces" (
  "video_chunk_id" TEXT,
  "num_faces" BIGINT,
  "video_id" TEXT,
  "sqlxy_provenance__faces" TEXT,
  "sqlxy_data_version__faces" TEXT,
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
