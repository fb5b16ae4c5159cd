-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template extend.sql.j2 · dialect duckdb
ALTER TABLE "video__raw"
ADD COLUMN "video_id" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "path" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "duration_s" DOUBLE;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance__audio" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance__frames" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version__audio" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version__frames" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_feature_version" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_project_version" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_created_at" TIMESTAMP;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_updated_at" TIMESTAMP;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_deleted_at" TIMESTAMP;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_run_id" TEXT;

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_commit" BIGINT
