-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template extend.sql.j2 · dialect snowflake
ALTER TABLE "video__chunk"
ADD "video_id" VARCHAR;

ALTER TABLE "video__chunk"
ADD "video_chunk_id" VARCHAR;

ALTER TABLE "video__chunk"
ADD "chunk_index" BIGINT;

ALTER TABLE "video__chunk"
ADD "start_s" DOUBLE;

ALTER TABLE "video__chunk"
ADD "path" VARCHAR;

ALTER TABLE "video__chunk"
ADD "duration_s" DOUBLE;

ALTER TABLE "video__chunk"
ADD "sqlxy_provenance__audio" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_provenance__frames" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_data_version__audio" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_data_version__frames" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_provenance" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_data_version" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_feature_version" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_project_version" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_created_at" TIMESTAMPNTZ;

ALTER TABLE "video__chunk"
ADD "sqlxy_updated_at" TIMESTAMPNTZ;

ALTER TABLE "video__chunk"
ADD "sqlxy_deleted_at" TIMESTAMPNTZ;

ALTER TABLE "video__chunk"
ADD "sqlxy_run_id" VARCHAR;

ALTER TABLE "video__chunk"
ADD "sqlxy_commit" BIGINT
