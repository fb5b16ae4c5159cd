-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template create.sql.j2 · dialect clickhouse
CREATE TABLE IF NOT EXISTS "video__chunk" (
  "video_id" Nullable(String),
  "video_chunk_id" Nullable(String),
  "chunk_index" Nullable(Int64),
  "start_s" Nullable(Float64),
  "path" Nullable(String),
  "duration_s" Nullable(Float64),
  "sqlxy_provenance__audio" Nullable(String),
  "sqlxy_provenance__frames" Nullable(String),
  "sqlxy_data_version__audio" Nullable(String),
  "sqlxy_data_version__frames" Nullable(String),
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
SETTINGS
  allow_nullable_key = 1
