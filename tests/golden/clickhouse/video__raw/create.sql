-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template create.sql.j2 · dialect clickhouse
CREATE TABLE IF NOT EXISTS "video__raw" (
  "video_id" String,
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
ORDER BY ("video_id", "sqlxy_updated_at")
