-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template touched.sql.j2 · dialect bigquery
SELECT
  `video_chunk_id`
FROM `video__faces`
WHERE
  `sqlxy_commit` > 0
UNION DISTINCT
SELECT
  `video_chunk_id` AS `video_chunk_id`
FROM `video__chunk`
WHERE
  `sqlxy_commit` > 0
