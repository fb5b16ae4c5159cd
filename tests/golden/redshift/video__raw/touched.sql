-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template touched.sql.j2 · dialect redshift
SELECT
  "video_id"
FROM "video__raw"
WHERE
  "sqlxy_commit" > 0
