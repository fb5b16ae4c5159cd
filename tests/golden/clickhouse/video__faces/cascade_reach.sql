-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template cascade_reach.sql.j2 · dialect clickhouse
SELECT
  "video_chunk_id" AS "video_chunk_id"
FROM "video__chunk"
WHERE
  "video_chunk_id" IN (
    SELECT
      "video_chunk_id"
    FROM "video__chunk:doomed"
  )
