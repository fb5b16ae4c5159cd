-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template extend.sql.j2 · dialect bigquery
ALTER TABLE `video__raw`
ADD COLUMN `video_id` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `path` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `duration_s` FLOAT64;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_provenance__audio` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_provenance__frames` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_data_version__audio` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_data_version__frames` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_provenance` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_data_version` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_feature_version` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_project_version` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_created_at` DATETIME;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_updated_at` DATETIME;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_deleted_at` DATETIME;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_run_id` STRING;

ALTER TABLE `video__raw`
ADD COLUMN `sqlxy_commit` INT64
