-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template create.sql.j2 · dialect postgres
CREATE TABLE IF NOT EXISTS "video__raw" (
  "video_id" TEXT COLLATE "C" NOT NULL,
  "path" TEXT,
  "duration_s" DOUBLE PRECISION,
  "sqlxy_provenance__audio" TEXT COLLATE "C",
  "sqlxy_provenance__frames" TEXT COLLATE "C",
  "sqlxy_data_version__audio" TEXT,
  "sqlxy_data_version__frames" TEXT,
  "sqlxy_provenance" TEXT COLLATE "C",
  "sqlxy_data_version" TEXT,
  "sqlxy_feature_version" TEXT,
  "sqlxy_project_version" TEXT,
  "sqlxy_created_at" TIMESTAMP,
  "sqlxy_updated_at" TIMESTAMP NOT NULL,
  "sqlxy_deleted_at" TIMESTAMP,
  "sqlxy_run_id" TEXT,
  "sqlxy_commit" BIGINT
);

CREATE INDEX IF NOT EXISTS "video__raw:latest" ON "video__raw"("video_id", "sqlxy_updated_at" DESC NULLS LAST);

CREATE INDEX IF NOT EXISTS "video__raw:commit" ON "video__raw" USING BRIN("sqlxy_commit")
