-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template extend.sql.j2 · dialect duckdb
ALTER TABLE "video__chunk"
ADD COLUMN "video_id" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "video_chunk_id" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "chunk_index" BIGINT;

ALTER TABLE "video__chunk"
ADD COLUMN "start_s" DOUBLE;

ALTER TABLE "video__chunk"
ADD COLUMN "path" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "duration_s" DOUBLE;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_provenance__audio" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_provenance__frames" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_data_version__audio" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_data_version__frames" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_provenance" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_data_version" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_feature_version" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_project_version" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_created_at" TIMESTAMP;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_updated_at" TIMESTAMP;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_deleted_at" TIMESTAMP;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_run_id" TEXT;

ALTER TABLE "video__chunk"
ADD COLUMN "sqlxy_commit" BIGINT
