-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template extend.sql.j2 · dialect duckdb
ALTER TABLE "video__faces"
ADD COLUMN "video_chunk_id" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "num_faces" BIGINT;

ALTER TABLE "video__faces"
ADD COLUMN "video_id" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_provenance__faces" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_data_version__faces" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_provenance" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_data_version" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_feature_version" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_project_version" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_created_at" TIMESTAMP;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_updated_at" TIMESTAMP;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_deleted_at" TIMESTAMP;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_run_id" TEXT;

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_commit" BIGINT
