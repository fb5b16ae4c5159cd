-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template extend.sql.j2 · dialect snowflake
ALTER TABLE "video__faces"
ADD "video_chunk_id" VARCHAR;

ALTER TABLE "video__faces"
ADD "num_faces" BIGINT;

ALTER TABLE "video__faces"
ADD "video_id" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_provenance__faces" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_data_version__faces" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_provenance" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_data_version" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_feature_version" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_project_version" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_created_at" TIMESTAMPNTZ;

ALTER TABLE "video__faces"
ADD "sqlxy_updated_at" TIMESTAMPNTZ;

ALTER TABLE "video__faces"
ADD "sqlxy_deleted_at" TIMESTAMPNTZ;

ALTER TABLE "video__faces"
ADD "sqlxy_run_id" VARCHAR;

ALTER TABLE "video__faces"
ADD "sqlxy_commit" BIGINT
