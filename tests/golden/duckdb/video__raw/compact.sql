-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template compact.sql.j2 · dialect duckdb
DELETE FROM "video__raw"
WHERE
  ("video_id", "sqlxy_updated_at") IN (
    SELECT
      "video_id",
      "sqlxy_updated_at"
    FROM (
      SELECT
        "video_id",
        "sqlxy_updated_at"
      FROM (
        SELECT
          "video_id",
          "sqlxy_updated_at",
          ROW_NUMBER() OVER (PARTITION BY "video_id" ORDER BY "sqlxy_updated_at" DESC) AS sqlxy_rank,
          MAX("sqlxy_updated_at") OVER (PARTITION BY "video_id") AS sqlxy_latest
        FROM "video__raw"
      ) AS ranked
      WHERE
        "sqlxy_updated_at" < sqlxy_latest
    ) AS expired
  );

DELETE FROM "video__raw"
WHERE
  "video_id" IN (
    SELECT
      "video_id"
    FROM (
      SELECT
        "video_id"
      FROM "video__raw"
      GROUP BY
        "video_id"
      HAVING
        COUNT(*) = 1 AND COUNT("sqlxy_deleted_at") = 1
    ) AS gone
  )
