-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template insert.sql.j2 · dialect duckdb
INSERT INTO "video__faces" (
  "video_chunk_id",
  "num_faces",
  "video_id",
  "sqlxy_provenance__faces",
  "sqlxy_data_version__faces",
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
  "video_chunk_id",
  "num_faces",
  "video_id",
  "sqlxy_provenance__faces",
  "sqlxy_data_version__faces",
  MD5("sqlxy_provenance__faces"),
  MD5("sqlxy_data_version__faces"),
  'e8bb43074f7d6aba2c8cea036b2676c7',
  '607c6d8e90afa22c18affd77eda35235',
  COALESCE(sqlxy_first_created_at, CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)),
  GREATEST(
    CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP),
    COALESCE(
      sqlxy_last_updated_at + INTERVAL '1' MICROSECOND,
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
      "feature_table" = 'video__faces'
  )
FROM (
  SELECT
    staged."video_chunk_id" AS "video_chunk_id",
    staged."num_faces" AS "num_faces",
    staged."video_id" AS "video_id",
    staged."sqlxy_provenance__faces",
    COALESCE(staged."sqlxy_data_version__faces", staged."sqlxy_provenance__faces") AS "sqlxy_data_version__faces",
    staged.sqlxy_run_id,
    first_rows.sqlxy_first_created_at,
    first_rows.sqlxy_last_updated_at
  FROM "sqlxy_input" AS staged
  LEFT JOIN (
    SELECT
      "video_chunk_id",
      MIN("sqlxy_created_at") AS sqlxy_first_created_at,
      MAX("sqlxy_updated_at") AS sqlxy_last_updated_at
    FROM "video__faces"
    WHERE
      "video_chunk_id" IN (
        SELECT
          "video_chunk_id"
        FROM "sqlxy_input"
      )
    GROUP BY
      "video_chunk_id"
  ) AS first_rows
    ON staged."video_chunk_id" = first_rows."video_chunk_id"
) AS rows_to_write
