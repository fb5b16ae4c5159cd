-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template extend.sql.j2 · dialect clickhouse
ALTER TABLE "video__faces"
ADD COLUMN "video_chunk_id" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "num_faces" Nullable(Int64);

ALTER TABLE "video__faces"
ADD COLUMN "video_id" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_provenance__faces" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_data_version__faces" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_provenance" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_data_version" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_feature_version" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_project_version" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_created_at" Nullable(DateTime64(6));

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_updated_at" Nullable(DateTime64(6));

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_deleted_at" Nullable(DateTime64(6));

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_run_id" Nullable(String);

ALTER TABLE "video__faces"
ADD COLUMN "sqlxy_commit" Nullable(Int64)
