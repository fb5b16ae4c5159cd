-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template extend.sql.j2 · dialect snowflake
ALTER TABLE "video__raw"
ADD "video_id" VARCHAR;

ALTER TABLE "video__raw"
ADD "path" VARCHAR;

ALTER TABLE "video__raw"
ADD "duration_s" DOUBLE;

ALTER TABLE "video__raw"
ADD "sqlxy_provenance__audio" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_provenance__frames" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_data_version__audio" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_data_version__frames" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_provenance" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_data_version" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_feature_version" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_project_version" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_created_at" TIMESTAMPNTZ;

ALTER TABLE "video__raw"
ADD "sqlxy_updated_at" TIMESTAMPNTZ;

ALTER TABLE "video__raw"
ADD "sqlxy_deleted_at" TIMESTAMPNTZ;

ALTER TABLE "video__raw"
ADD "sqlxy_run_id" VARCHAR;

ALTER TABLE "video__raw"
ADD "sqlxy_commit" BIGINT
