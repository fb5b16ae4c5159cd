-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template touched.sql.j2 · dialect redshift
SELECT
  "video_id"
FROM "video__chunk"
WHERE
  "sqlxy_commit" > 0
UNION
SELECT
  "video_id" AS "video_id"
FROM "video__raw"
WHERE
  "sqlxy_commit" > 0
