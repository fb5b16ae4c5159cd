-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template invalid_versions.sql.j2 · dialect redshift
SELECT
  'audio' AS field,
  COUNT(*) AS bad_rows,
  MIN(CAST("audio_version" AS VARCHAR(MAX))) AS example
FROM "sqlxy_samples" AS samples
WHERE
  "audio_version" IS NULL
  OR CAST("audio_version" AS VARCHAR(MAX)) = ''
  OR CAST("audio_version" AS VARCHAR(MAX)) LIKE '%|%'
HAVING
  COUNT(*) > 0
UNION ALL
SELECT
  'frames' AS field,
  COUNT(*) AS bad_rows,
  MIN(CAST("frames_version" AS VARCHAR(MAX))) AS example
FROM "sqlxy_samples" AS samples
WHERE
  "frames_version" IS NULL
  OR CAST("frames_version" AS VARCHAR(MAX)) = ''
  OR CAST("frames_version" AS VARCHAR(MAX)) LIKE '%|%'
HAVING
  COUNT(*) > 0
