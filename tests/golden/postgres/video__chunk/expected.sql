-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template expected.sql.j2 · dialect postgres
WITH upstream_0 AS (
  SELECT
    "video_id",
    "path",
    "duration_s",
    "sqlxy_dv_0__audio",
    "sqlxy_dv_0__frames"
  FROM (
    SELECT
      "video_id" AS "video_id",
      "path" AS "path",
      "duration_s" AS "duration_s",
      "sqlxy_data_version__audio" AS "sqlxy_dv_0__audio",
      "sqlxy_data_version__frames" AS "sqlxy_dv_0__frames"
    FROM (
      SELECT
        *
      FROM (
        SELECT DISTINCT ON ("video_id")
          *,
          1 AS sqlxy_rank
        FROM "video__raw"
        ORDER BY
          "video_id",
          "sqlxy_updated_at" DESC NULLS LAST
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS upstream_current
  ) AS renamed
), expected_fields AS (
  SELECT
    upstream_0."video_id" AS "video_id",
    "path",
    "duration_s",
    GREATEST(
      COALESCE(
        CAST(FLOOR(
          CAST(CAST(CEIL(CAST(duration_s AS DOUBLE PRECISION) / 10.0) AS INT) AS DOUBLE PRECISION)
        ) AS BIGINT),
        0
      ),
      0
    ) AS sqlxy_children,
    MD5(
      'video/chunk:audio|__initial__+22a40cbed77782653db7eab874f8736b|video/raw:audio|' || COALESCE("sqlxy_dv_0__audio", '')
    ) AS "sqlxy_provenance__audio",
    MD5(
      'video/chunk:frames|__initial__+22a40cbed77782653db7eab874f8736b|video/raw:frames|' || COALESCE("sqlxy_dv_0__frames", '')
    ) AS "sqlxy_provenance__frames"
  FROM upstream_0
  WHERE
    NOT upstream_0."video_id" IS NULL
), expected AS (
  SELECT
    *,
    1 AS sqlxy_present
  FROM expected_fields
)
SELECT
  "video_id",
  "path",
  "duration_s",
  "sqlxy_provenance__audio",
  "sqlxy_provenance__frames",
  MD5("sqlxy_provenance__audio" || '|' || "sqlxy_provenance__frames") AS "sqlxy_provenance"
FROM expected
