-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template extend.sql.j2 · dialect redshift
ALTER TABLE "video__raw"
ADD COLUMN "video_id" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "path" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "duration_s" DOUBLE PRECISION;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance__audio" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance__frames" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version__audio" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version__frames" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_feature_version" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_project_version" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_created_at" TIMESTAMP;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_updated_at" TIMESTAMP;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_deleted_at" TIMESTAMP;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_run_id" VARCHAR(MAX);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_commit" BIGINT
