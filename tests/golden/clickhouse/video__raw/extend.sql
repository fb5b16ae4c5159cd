-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template extend.sql.j2 · dialect clickhouse
ALTER TABLE "video__raw"
ADD COLUMN "video_id" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "path" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "duration_s" Nullable(Float64);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance__audio" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance__frames" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version__audio" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version__frames" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_provenance" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_data_version" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_feature_version" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_project_version" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_created_at" Nullable(DateTime64(6));

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_updated_at" Nullable(DateTime64(6));

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_deleted_at" Nullable(DateTime64(6));

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_run_id" Nullable(String);

ALTER TABLE "video__raw"
ADD COLUMN "sqlxy_commit" Nullable(Int64)
