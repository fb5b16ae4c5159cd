-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template expected.sql.j2 · dialect trino
WITH expected_fields AS (
  SELECT
    "video_id",
    "path",
    "duration_s",
    LOWER(
      TO_HEX(
        MD5(
          TO_UTF8(
            CONCAT(CAST('video/raw:audio|1|input|' AS VARCHAR), CAST("audio_version" AS VARCHAR))
          )
        )
      )
    ) AS "sqlxy_provenance__audio",
    LOWER(
      TO_HEX(
        MD5(
          TO_UTF8(
            CONCAT(CAST('video/raw:frames|1|input|' AS VARCHAR), CAST("frames_version" AS VARCHAR))
          )
        )
      )
    ) AS "sqlxy_provenance__frames"
  FROM "sqlxy_samples" AS samples
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
  ) AS "sqlxy_provenance"
FROM expected
