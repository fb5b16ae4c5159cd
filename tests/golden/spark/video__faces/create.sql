-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template create.sql.j2 · dialect spark
CREATE TABLE IF NOT EXISTS `video__faces` (
  `video_chunk_id` STRING,
  `num_faces` BIGINT,
  `video_id` STRING,
  `sqlxy_provenance__faces` STRING,
  `sqlxy_data_version__faces` STRING,
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
