-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template create.sql.j2 · dialect postgres
CREATE TABLE IF NOT EXISTS "video__chunk" (
  "video_id" TEXT COLLATE "C",
  "video_chunk_id" TEXT COLLATE "C",
  "chunk_index" BIGINT,
  "start_s" DOUBLE PRECISION,
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

CREATE INDEX IF NOT EXISTS "video__chunk:latest" ON "video__chunk"("video_chunk_id", "sqlxy_updated_at" DESC NULLS LAST);

CREATE INDEX IF NOT EXISTS "video__chunk:markers" ON "video__chunk"("video_id", "sqlxy_updated_at" DESC NULLS LAST)
WHERE
  "video_chunk_id" IS NULL;

CREATE INDEX IF NOT EXISTS "video__chunk:commit" ON "video__chunk" USING BRIN("sqlxy_commit")
