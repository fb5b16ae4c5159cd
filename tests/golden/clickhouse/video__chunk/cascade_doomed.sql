-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template cascade_doomed.sql.j2 · dialect clickhouse
WITH upstream_0 AS (
  SELECT
    "video_id",
    "path",
    "duration_s",
    "sqlxy_dv_0__audio",
    "sqlxy_dv_0__frames"
  FROM (
    SELECT
      "video_id" AS "video_id",
      "path" AS "path",
      "duration_s" AS "duration_s",
      "sqlxy_data_version__audio" AS "sqlxy_dv_0__audio",
      "sqlxy_data_version__frames" AS "sqlxy_dv_0__frames"
    FROM (
      SELECT
        sqlxy_rows.*
      FROM (
        SELECT
          *
        FROM (
          SELECT
            *
          FROM (
            SELECT
              *,
              1 AS sqlxy_rank
            FROM (
              SELECT
                *
              FROM "video__raw"
              WHERE
                "video_id" IN (
                  SELECT
                    "video_id"
                  FROM "sqlxy_reached"
                )
            ) AS touched_rows
            ORDER BY
              "video_id",
              "sqlxy_updated_at" DESC
            LIMIT 1 BY "video_id"
          ) AS ranked
          WHERE
            "sqlxy_deleted_at" IS NULL
        ) AS upstream_ranked
      ) AS sqlxy_rows
      LEFT JOIN (
        SELECT DISTINCT
          "video_id",
          1 AS sqlxy_listed
        FROM "video__raw:doomed"
      ) AS sqlxy_list
        ON sqlxy_rows."video_id" = sqlxy_list."video_id"
      WHERE
        COALESCE(sqlxy_list.sqlxy_listed, 0) = 0
        AND NOT (
          sqlxy_rows."video_id" IS NULL
        )
    ) AS upstream_current
  ) AS renamed
), expected_fields AS (
  SELECT
    upstream_0."video_id" AS "video_id",
    "path",
    "duration_s",
    GREATEST(
      COALESCE(
        CAST(FLOOR(CAST(CAST(CEIL(duration_s / 10.0) AS Nullable(Int32)) AS Nullable(Float64))) AS Nullable(Int64)),
        0
      ),
      0
    ) AS sqlxy_children,
    LOWER(
      HEX(
        MD5(
          'video/chunk:audio|__initial__+22a40cbed77782653db7eab874f8736b|video/raw:audio|' || COALESCE("sqlxy_dv_0__audio", '')
        )
      )
    ) AS "sqlxy_provenance__audio",
    LOWER(
      HEX(
        MD5(
          'video/chunk:frames|__initial__+22a40cbed77782653db7eab874f8736b|video/raw:frames|' || COALESCE("sqlxy_dv_0__frames", '')
        )
      )
    ) AS "sqlxy_provenance__frames"
  FROM upstream_0
  WHERE
    NOT (
      upstream_0."video_id" IS NULL
    )
), expected AS (
  SELECT
    *,
    1 AS sqlxy_present
  FROM expected_fields
), candidates AS (
  SELECT DISTINCT
    "video_id",
    1 AS sqlxy_counted
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "video_id",
        "video_chunk_id",
        "chunk_index",
        "start_s",
        "path",
        "duration_s",
        "sqlxy_provenance__audio",
        "sqlxy_provenance__frames",
        "sqlxy_data_version__audio",
        "sqlxy_data_version__frames",
        "sqlxy_provenance",
        "sqlxy_data_version",
        "sqlxy_feature_version",
        "sqlxy_project_version",
        "sqlxy_created_at",
        "sqlxy_updated_at",
        "sqlxy_deleted_at",
        "sqlxy_run_id",
        "sqlxy_commit"
      FROM (
        SELECT
          "video_id",
          "video_chunk_id",
          "chunk_index",
          "start_s",
          "path",
          "duration_s",
          "sqlxy_provenance__audio",
          "sqlxy_provenance__frames",
          "sqlxy_data_version__audio",
          "sqlxy_data_version__frames",
          "sqlxy_provenance",
          "sqlxy_data_version",
          "sqlxy_feature_version",
          "sqlxy_project_version",
          "sqlxy_created_at",
          "sqlxy_updated_at",
          "sqlxy_deleted_at",
          "sqlxy_run_id",
          "sqlxy_commit",
          1 AS sqlxy_rank
        FROM (
          SELECT
            *
          FROM (
            SELECT
              *
            FROM "video__chunk"
            WHERE
              "video_chunk_id" IS NULL
              AND "video_id" IN (
                SELECT
                  "video_id"
                FROM "sqlxy_reached"
              )
            UNION ALL
            SELECT
              *
            FROM "video__chunk"
            WHERE
              "video_chunk_id" IN (
                SELECT
                  "video_chunk_id"
                FROM "video__chunk"
                WHERE
                  "video_id" IN (
                    SELECT
                      "video_id"
                    FROM "sqlxy_reached"
                  )
              )
          ) AS touched_own
          WHERE
            NOT (
              "video_chunk_id" IS NULL
            )
        ) AS stored_samples
        ORDER BY
          "video_chunk_id",
          "sqlxy_updated_at" DESC
        LIMIT 1 BY "video_chunk_id"
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS current_samples
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "video_id",
        "video_chunk_id",
        "chunk_index",
        "start_s",
        "path",
        "duration_s",
        "sqlxy_provenance__audio",
        "sqlxy_provenance__frames",
        "sqlxy_data_version__audio",
        "sqlxy_data_version__frames",
        "sqlxy_provenance",
        "sqlxy_data_version",
        "sqlxy_feature_version",
        "sqlxy_project_version",
        "sqlxy_created_at",
        "sqlxy_updated_at",
        "sqlxy_deleted_at",
        "sqlxy_run_id",
        "sqlxy_commit"
      FROM (
        SELECT
          "video_id",
          "video_chunk_id",
          "chunk_index",
          "start_s",
          "path",
          "duration_s",
          "sqlxy_provenance__audio",
          "sqlxy_provenance__frames",
          "sqlxy_data_version__audio",
          "sqlxy_data_version__frames",
          "sqlxy_provenance",
          "sqlxy_data_version",
          "sqlxy_feature_version",
          "sqlxy_project_version",
          "sqlxy_created_at",
          "sqlxy_updated_at",
          "sqlxy_deleted_at",
          "sqlxy_run_id",
          "sqlxy_commit",
          1 AS sqlxy_rank
        FROM (
          SELECT
            *
          FROM (
            SELECT
              *
            FROM "video__chunk"
            WHERE
              "video_chunk_id" IS NULL
              AND "video_id" IN (
                SELECT
                  "video_id"
                FROM "sqlxy_reached"
              )
            UNION ALL
            SELECT
              *
            FROM "video__chunk"
            WHERE
              "video_chunk_id" IN (
                SELECT
                  "video_chunk_id"
                FROM "video__chunk"
                WHERE
                  "video_id" IN (
                    SELECT
                      "video_id"
                    FROM "sqlxy_reached"
                  )
              )
          ) AS touched_own
          WHERE
            "video_chunk_id" IS NULL
        ) AS stored_markers
        ORDER BY
          "video_id",
          "sqlxy_updated_at" DESC
        LIMIT 1 BY "video_id"
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS current_markers
  ) AS current_rows
  WHERE
    "video_id" IN (
      SELECT
        "video_id"
      FROM "sqlxy_reached"
    )
)
SELECT
  "video_id",
  sqlxy_counted
FROM (
  SELECT
    sqlxy_rows.*
  FROM (
    SELECT
      *
    FROM candidates
  ) AS sqlxy_rows
  LEFT JOIN (
    SELECT DISTINCT
      "video_id",
      1 AS sqlxy_listed
    FROM expected
  ) AS sqlxy_list
    ON sqlxy_rows."video_id" = sqlxy_list."video_id"
  WHERE
    COALESCE(sqlxy_list.sqlxy_listed, 0) = 0
    AND NOT (
      sqlxy_rows."video_id" IS NULL
    )
) AS doomed
