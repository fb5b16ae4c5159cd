-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template extend.sql.j2 · dialect spark
ALTER TABLE `video__faces`
ADD COLUMN `video_chunk_id` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `num_faces` BIGINT;

ALTER TABLE `video__faces`
ADD COLUMN `video_id` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_provenance__faces` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_data_version__faces` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_provenance` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_data_version` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_feature_version` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_project_version` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_created_at` TIMESTAMP_NTZ;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_updated_at` TIMESTAMP_NTZ;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_deleted_at` TIMESTAMP_NTZ;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_run_id` STRING;

ALTER TABLE `video__faces`
ADD COLUMN `sqlxy_commit` BIGINT
