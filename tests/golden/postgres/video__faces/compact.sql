-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template compact.sql.j2 · dialect postgres
DELETE FROM "video__faces"
WHERE
  ("video_chunk_id", "sqlxy_updated_at") IN (
    SELECT
      "video_chunk_id",
      "sqlxy_updated_at"
    FROM (
      SELECT
        "video_chunk_id",
        "sqlxy_updated_at"
      FROM (
        SELECT
          "video_chunk_id",
          "sqlxy_updated_at",
          ROW_NUMBER() OVER (PARTITION BY "video_chunk_id" ORDER BY "sqlxy_updated_at" DESC NULLS LAST) AS sqlxy_rank,
          MAX("sqlxy_updated_at") OVER (PARTITION BY "video_chunk_id") AS sqlxy_latest
        FROM "video__faces"
      ) AS ranked
      WHERE
        "sqlxy_updated_at" < sqlxy_latest
    ) AS expired
  );

DELETE FROM "video__faces"
WHERE
  "video_chunk_id" IN (
    SELECT
      "video_chunk_id"
    FROM (
      SELECT
        "video_chunk_id"
      FROM "video__faces"
      GROUP BY
        "video_chunk_id"
      HAVING
        COUNT(*) = 1 AND COUNT("sqlxy_deleted_at") = 1
    ) AS gone
  )
