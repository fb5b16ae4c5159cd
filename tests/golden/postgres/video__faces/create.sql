-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template create.sql.j2 · dialect postgres
CREATE TABLE IF NOT EXISTS "video__faces" (
  "video_chunk_id" TEXT COLLATE "C" NOT NULL,
  "num_faces" BIGINT,
  "video_id" TEXT,
  "sqlxy_provenance__faces" TEXT COLLATE "C",
  "sqlxy_data_version__faces" TEXT,
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

CREATE INDEX IF NOT EXISTS "video__faces:latest" ON "video__faces"("video_chunk_id", "sqlxy_updated_at" DESC NULLS LAST);

CREATE INDEX IF NOT EXISTS "video__faces:commit" ON "video__faces" USING BRIN("sqlxy_commit")
