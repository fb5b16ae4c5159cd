-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template extend.sql.j2 · dialect spark
ALTER TABLE `video__chunk`
ADD COLUMN `video_id` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `video_chunk_id` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `chunk_index` BIGINT;

ALTER TABLE `video__chunk`
ADD COLUMN `start_s` DOUBLE;

ALTER TABLE `video__chunk`
ADD COLUMN `path` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `duration_s` DOUBLE;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_provenance__audio` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_provenance__frames` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_data_version__audio` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_data_version__frames` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_provenance` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_data_version` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_feature_version` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_project_version` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_created_at` TIMESTAMP_NTZ;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_updated_at` TIMESTAMP_NTZ;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_deleted_at` TIMESTAMP_NTZ;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_run_id` STRING;

ALTER TABLE `video__chunk`
ADD COLUMN `sqlxy_commit` BIGINT
