-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template cascade_reach.sql.j2 · dialect spark
SELECT
  `video_id` AS `video_id`
FROM `video__raw`
WHERE
  `video_id` IN (
    SELECT
      `video_id`
    FROM `video__raw:doomed`
  )
