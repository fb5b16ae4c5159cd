-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template soft_delete.sql.j2 · dialect clickhouse
INSERT INTO "video__raw" (
  "video_id",
  "path",
  "duration_s",
  "sqlxy_provenance__audio",
  "sqlxy_provenance__frames",
  "sqlxy_data_version__audio",
  "sqlxy_data_version__frames",
  "sqlxy_provenance",
  "sqlxy_data_version",
  "sqlxy_feature_version",
  "sqlxy_project_version",
  "sqlxy_created_at",
  "sqlxy_updated_at",
  "sqlxy_deleted_at",
  "sqlxy_run_id",
  "sqlxy_commit"
)
SELECT
  cur."video_id",
  cur."path",
  cur."duration_s",
  cur."sqlxy_provenance__audio",
  cur."sqlxy_provenance__frames",
  cur."sqlxy_data_version__audio",
  cur."sqlxy_data_version__frames",
  cur."sqlxy_provenance",
  cur."sqlxy_data_version",
  cur."sqlxy_feature_version",
  cur."sqlxy_project_version",
  cur."sqlxy_created_at",
  GREATEST(
    CAST(now64(6, 'UTC') AS Nullable(DateTime64(6))),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1' MICROSECOND,
      CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))
    )
  ),
  GREATEST(
    CAST(now64(6, 'UTC') AS Nullable(DateTime64(6))),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1' MICROSECOND,
      CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))
    )
  ),
  CAST(NULL AS Nullable(String)),
  (
    SELECT
      MAX("seq")
    FROM "sqlxy_state"
    WHERE
      "feature_table" = 'video__raw'
  )
FROM (
  SELECT
    "video_id",
    "path",
    "duration_s",
    "sqlxy_provenance__audio",
    "sqlxy_provenance__frames",
    "sqlxy_data_version__audio",
    "sqlxy_data_version__frames",
    "sqlxy_provenance",
    "sqlxy_data_version",
    "sqlxy_feature_version",
    "sqlxy_project_version",
    "sqlxy_created_at",
    "sqlxy_updated_at",
    "sqlxy_deleted_at",
    "sqlxy_run_id",
    "sqlxy_commit"
  FROM (
    SELECT
      "video_id",
      "path",
      "duration_s",
      "sqlxy_provenance__audio",
      "sqlxy_provenance__frames",
      "sqlxy_data_version__audio",
      "sqlxy_data_version__frames",
      "sqlxy_provenance",
      "sqlxy_data_version",
      "sqlxy_feature_version",
      "sqlxy_project_version",
      "sqlxy_created_at",
      "sqlxy_updated_at",
      "sqlxy_deleted_at",
      "sqlxy_run_id",
      "sqlxy_commit",
      1 AS sqlxy_rank
    FROM "video__raw"
    ORDER BY
      "video_id",
      "sqlxy_updated_at" DESC
    LIMIT 1 BY "video_id"
  ) AS ranked
  WHERE
    "sqlxy_deleted_at" IS NULL
) AS cur
WHERE
  FALSE
