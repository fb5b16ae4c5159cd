-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template expected.sql.j2 · dialect postgres
WITH upstream_0 AS (
  SELECT
    "video_chunk_id",
    "video_id",
    "sqlxy_dv_0__frames"
  FROM (
    SELECT
      "video_id" AS "video_id",
      "video_chunk_id" AS "video_chunk_id",
      "chunk_index" AS "chunk_index",
      "start_s" AS "start_s",
      "path" AS "path",
      "duration_s" AS "duration_s",
      "sqlxy_data_version__frames" AS "sqlxy_dv_0__frames"
    FROM (
      SELECT
        *
      FROM (
        SELECT DISTINCT ON ("video_chunk_id")
          *,
          1 AS sqlxy_rank
        FROM (
          SELECT
            *
          FROM "video__chunk"
          WHERE
            NOT "video_chunk_id" IS NULL
        ) AS stored_samples
        ORDER BY
          "video_chunk_id",
          "sqlxy_updated_at" DESC NULLS LAST
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS upstream_current
  ) AS renamed
), expected_fields AS (
  SELECT
    upstream_0."video_chunk_id" AS "video_chunk_id",
    "video_id",
    MD5(
      'video/faces:faces|__initial__|video/chunk:frames|' || COALESCE("sqlxy_dv_0__frames", '')
    ) AS "sqlxy_provenance__faces"
  FROM upstream_0
  WHERE
    NOT upstream_0."video_chunk_id" IS NULL
), expected AS (
  SELECT
    *,
    1 AS sqlxy_present
  FROM expected_fields
)
SELECT
  "video_chunk_id",
  "video_id",
  "sqlxy_provenance__faces",
  MD5("sqlxy_provenance__faces") AS "sqlxy_provenance"
FROM expected
