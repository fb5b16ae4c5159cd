-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template compact.sql.j2 · dialect clickhouse
DELETE FROM "video__chunk"
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
          ROW_NUMBER() OVER (PARTITION BY "video_chunk_id" ORDER BY "sqlxy_updated_at" DESC) AS sqlxy_rank,
          MAX("sqlxy_updated_at") OVER (PARTITION BY "video_chunk_id") AS sqlxy_latest
        FROM (
          SELECT
            *
          FROM "video__chunk"
          WHERE
            NOT (
              "video_chunk_id" IS NULL
            )
        ) AS stored_samples
      ) AS ranked
      WHERE
        "sqlxy_updated_at" < sqlxy_latest
    ) AS expired
  )
  OR (
    "video_chunk_id" IS NULL
    AND ("video_id", "sqlxy_updated_at") IN (
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
          FROM (
            SELECT
              *
            FROM "video__chunk"
            WHERE
              "video_chunk_id" IS NULL
          ) AS stored_markers
        ) AS ranked
        WHERE
          "sqlxy_updated_at" < sqlxy_latest
      ) AS expired_markers
    )
  );

DELETE FROM "video__chunk"
WHERE
  "video_chunk_id" IN (
    SELECT
      "video_chunk_id"
    FROM (
      SELECT
        "video_chunk_id"
      FROM (
        SELECT
          *
        FROM "video__chunk"
        WHERE
          NOT (
            "video_chunk_id" IS NULL
          )
      ) AS stored_samples
      GROUP BY
        "video_chunk_id"
      HAVING
        COUNT(*) = 1 AND COUNT("sqlxy_deleted_at") = 1
    ) AS gone
  )
  OR (
    "video_chunk_id" IS NULL
    AND "video_id" IN (
      SELECT
        "video_id"
      FROM (
        SELECT
          "video_id"
        FROM (
          SELECT
            *
          FROM "video__chunk"
          WHERE
            "video_chunk_id" IS NULL
        ) AS stored_markers
        GROUP BY
          "video_id"
        HAVING
          COUNT(*) = 1 AND COUNT("sqlxy_deleted_at") = 1
      ) AS gone_markers
    )
  )
