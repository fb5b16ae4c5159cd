-- sqlxy video/chunk · feature version d547c73f9e656e12da5b2ff668169d60 · template insert.sql.j2 · dialect duckdb
INSERT INTO "video__chunk" (
  "video_id",
  "video_chunk_id",
  "chunk_index",
  "start_s",
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
  "sqlxy_run_id"
)
SELECT
  "video_id",
  "video_chunk_id",
  "chunk_index",
  "start_s",
  "path",
  "duration_s",
  "sqlxy_provenance__audio",
  "sqlxy_provenance__frames",
  "sqlxy_data_version__audio",
  "sqlxy_data_version__frames",
  MD5("sqlxy_provenance__audio" || '|' || "sqlxy_provenance__frames"),
  MD5("sqlxy_data_version__audio" || '|' || "sqlxy_data_version__frames"),
  'd547c73f9e656e12da5b2ff668169d60',
  '5a44bd87044753c7ee1735bc17bf8d14',
  COALESCE(sqlxy_first_created_at, CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)),
  CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP),
  CAST(NULL AS TIMESTAMP),
  sqlxy_run_id
FROM (
  SELECT
    staged."video_id",
    staged."video_chunk_id",
    staged."chunk_index",
    staged."start_s",
    staged."path",
    staged."duration_s",
    staged."sqlxy_provenance__audio",
    COALESCE(staged."sqlxy_data_version__audio", staged."sqlxy_provenance__audio") AS "sqlxy_data_version__audio",
    staged."sqlxy_provenance__frames",
    COALESCE(staged."sqlxy_data_version__frames", staged."sqlxy_provenance__frames") AS "sqlxy_data_version__frames",
    staged.sqlxy_run_id,
    first_rows.sqlxy_first_created_at
  FROM "sqlxy_input" AS staged
  LEFT JOIN (
    SELECT
      "video_chunk_id",
      MIN("sqlxy_created_at") AS sqlxy_first_created_at
    FROM "video__chunk" AS existing
    WHERE
      EXISTS(
        SELECT
          1
        FROM "sqlxy_input" AS written
        WHERE
          written."video_chunk_id" = existing."video_chunk_id"
      )
    GROUP BY
      "video_chunk_id"
  ) AS first_rows
    ON staged."video_chunk_id" = first_rows."video_chunk_id"
) AS rows_to_write
