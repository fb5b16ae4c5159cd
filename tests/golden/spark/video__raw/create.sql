-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template create.sql.j2 · dialect spark
CREATE TABLE IF NOT EXISTS `video__raw` (
  `video_id` STRING,
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
CLUSTERED BY (`video_id`) INTO 8 BUCKETS
