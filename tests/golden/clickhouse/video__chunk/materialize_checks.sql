-- sqlxy video/chunk · feature version 702c4edb402bfc9a14a71e1fc43b0bd2 · template materialize_checks.sql.j2 · dialect clickhouse
SELECT
  CAST(SUM(CASE WHEN sqlxy_empty_parent = 0 AND "video_chunk_id" IS NULL THEN 1 ELSE 0 END) AS Nullable(Int64)) AS "null_0",
  MIN(
    CASE
      WHEN sqlxy_empty_parent = 0 AND "video_chunk_id" IS NULL
      THEN CAST("video_id" AS Nullable(String))
    END
  ) AS "null_example_0",
  CAST(SUM(CASE WHEN sqlxy_empty_parent = 0 THEN 1 ELSE 0 END) AS Nullable(Int64)) AS sqlxy_samples,
  CAST(SUM(CASE WHEN sqlxy_empty_parent = 0 THEN 0 ELSE 1 END) AS Nullable(Int64)) AS sqlxy_empty_parents,
  CAST(MAX(twice.sqlxy_duplicates) AS Nullable(Int64)) AS sqlxy_duplicates,
  MAX(twice.sqlxy_duplicate_example) AS sqlxy_duplicate_example
FROM "sqlxy_input"
CROSS JOIN (
  SELECT
    COUNT(*) AS sqlxy_duplicates,
    MIN(sqlxy_example) AS sqlxy_duplicate_example
  FROM (
    SELECT
      "video_chunk_id",
      MIN(CAST("video_chunk_id" AS Nullable(String))) AS sqlxy_example
    FROM "sqlxy_input"
    WHERE
      sqlxy_empty_parent = 0
    GROUP BY
      "video_chunk_id"
    HAVING
      COUNT(*) > 1
  ) AS repeated
) AS twice
