-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template create.sql.j2 · dialect clickhouse
CREATE TABLE IF NOT EXISTS "video__faces" (
  "video_chunk_id" String,
  "num_faces" Nullable(Int64),
  "video_id" Nullable(String),
  "sqlxy_provenance__faces" Nullable(String),
  "sqlxy_data_version__faces" Nullable(String),
  "sqlxy_provenance" Nullable(String),
  "sqlxy_data_version" Nullable(String),
  "sqlxy_feature_version" Nullable(String),
  "sqlxy_project_version" Nullable(String),
  "sqlxy_created_at" Nullable(DateTime64(6)),
  "sqlxy_updated_at" DateTime64(6),
  "sqlxy_deleted_at" Nullable(DateTime64(6)),
  "sqlxy_run_id" Nullable(String),
  "sqlxy_commit" Nullable(Int64)
)
ENGINE=MergeTree
ORDER BY ("video_chunk_id", "sqlxy_updated_at")
