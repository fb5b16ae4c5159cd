-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template insert.sql.j2 · dialect trino
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
  LOWER(
    TO_HEX(
      MD5(
        TO_UTF8(
          CONCAT(
            CAST("sqlxy_provenance__audio" AS VARCHAR),
            CAST('|' AS VARCHAR),
            CAST("sqlxy_provenance__frames" AS VARCHAR)
          )
        )
      )
    )
  ),
  LOWER(
    TO_HEX(
      MD5(
        TO_UTF8(
          CONCAT(
            CAST("sqlxy_data_version__audio" AS VARCHAR),
            CAST('|' AS VARCHAR),
            CAST("sqlxy_data_version__frames" AS VARCHAR)
          )
        )
      )
    )
  ),
  '59c639645b227cf3364d36996d947590',
  '607c6d8e90afa22c18affd77eda35235',
  COALESCE(sqlxy_first_created_at, CAST(AT_TIMEZONE(NOW(), 'UTC') AS TIMESTAMP)),
  GREATEST(
    CAST(AT_TIMEZONE(NOW(), 'UTC') AS TIMESTAMP),
    COALESCE(
      sqlxy_last_updated_at + INTERVAL '1' MICROSECOND,
      CAST(AT_TIMEZONE(NOW(), 'UTC') AS TIMESTAMP)
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
