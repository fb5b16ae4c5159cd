-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template create.sql.j2 · dialect spark
CREATE TABLE IF NOT EXISTS `video__chunk` (
  `video_id` STRING,
  `video_chunk_id` STRING,
  `chunk_index` BIGINT,
  `start_s` DOUBLE,
  `path` STRING,
  `duration_s` DOUBLE,
  `sqlxy_provenance__audio` STRING,
  `sqlxy_provenance__frames` STRING,
  `sqlxy_data_version__audio` STRING,
  `sqlxy_data_version__frames` STRING,
  `sqlxy_provenance` STRING,
  `sqlxy_data_version` STRING,
  `sqlxy_feature_version` STRING,
  `sqlxy_project_version` STRING,
  `sqlxy_created_at` TIMESTAMP_NTZ,
  `sqlxy_updated_at` TIMESTAMP_NTZ,
  `sqlxy_deleted_at` TIMESTAMP_NTZ,
  `sqlxy_run_id` STRING,
  `sqlxy_commit` BIGINT
)
USING PARQUET
CLUSTERED BY (`video_chunk_id`) INTO 8 BUCKETS
