-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template expected.sql.j2 · dialect postgres
WITH expected_fields AS (
  SELECT
    "video_id",
    "path",
    "duration_s",
    MD5('video/raw:audio|1|input|' || "audio_version") AS "sqlxy_provenance__audio",
    MD5('video/raw:frames|1|input|' || "frames_version") AS "sqlxy_provenance__frames"
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
  MD5("sqlxy_provenance__audio" || '|' || "sqlxy_provenance__frames") AS "sqlxy_provenance"
FROM expected
