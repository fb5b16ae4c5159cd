-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template insert.sql.j2 · dialect redshift
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
  "video_id",
  "path",
  "duration_s",
  "sqlxy_provenance__audio",
  "sqlxy_provenance__frames",
  "sqlxy_data_version__audio",
  "sqlxy_data_version__frames",
  MD5("sqlxy_provenance__audio" || '|' || "sqlxy_provenance__frames"),
  MD5("sqlxy_data_version__audio" || '|' || "sqlxy_data_version__frames"),
  '59c639645b227cf3364d36996d947590',
  '607c6d8e90afa22c18affd77eda35235',
  COALESCE(sqlxy_first_created_at, CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)),
  GREATEST(
    CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP),
    COALESCE(
      sqlxy_last_updated_at + INTERVAL '1 MICROSECOND',
      CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)
    )
  ),
  CAST(NULL AS TIMESTAMP),
  sqlxy_run_id,
  (
    SELECT
      MAX("seq")
    FROM "sqlxy_state"
    WHERE
      "feature_table" = 'video__raw'
  )
FROM (
  SELECT
    staged."video_id" AS "video_id",
    staged."path" AS "path",
    staged."duration_s" AS "duration_s",
    staged."sqlxy_provenance__audio",
    COALESCE(staged."sqlxy_data_version__audio", staged."sqlxy_provenance__audio") AS "sqlxy_data_version__audio",
    staged."sqlxy_provenance__frames",
    COALESCE(staged."sqlxy_data_version__frames", staged."sqlxy_provenance__frames") AS "sqlxy_data_version__frames",
    staged.sqlxy_run_id,
    first_rows.sqlxy_first_created_at,
    first_rows.sqlxy_last_updated_at
  FROM "sqlxy_input" AS staged
  LEFT JOIN (
    SELECT
      "video_id",
      MIN("sqlxy_created_at") AS sqlxy_first_created_at,
      MAX("sqlxy_updated_at") AS sqlxy_last_updated_at
    FROM "video__raw"
    WHERE
      "video_id" IN (
        SELECT
          "video_id"
        FROM "sqlxy_input"
      )
    GROUP BY
      "video_id"
  ) AS first_rows
    ON staged."video_id" = first_rows."video_id"
) AS rows_to_write
