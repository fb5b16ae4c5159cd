-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template extend.sql.j2 · dialect redshift
ALTER TABLE "video__chunk"
ADD COLUMN "video_id" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "video_chunk_id" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "chunk_index" BIGINT;

ALTER TABLE "video__chunk"
ADD COLUMN "start_s" DOUBLE PRECISION;

ALTER TABLE "video__chunk"
ADD COLUMN "path" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "duration_s" DOUBLE PRECISION;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_provenance__audio" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_provenance__frames" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_data_version__audio" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_data_version__frames" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_provenance" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_data_version" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_feature_version" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_project_version" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_created_at" TIMESTAMP;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_updated_at" TIMESTAMP;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_deleted_at" TIMESTAMP;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_run_id" VARCHAR(MAX);

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_commit" BIGINT
