-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template insert.sql.j2 · dialect clickhouse
INSERT INTO "video__chunk" (
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
)
SELECT
  cur."video_id",
  cur."video_chunk_id",
  cur."chunk_index",
  cur."start_s",
  cur."path",
  cur."duration_s",
  cur."sqlxy_provenance__audio",
  cur."sqlxy_provenance__frames",
  cur."sqlxy_data_version__audio",
  cur."sqlxy_data_version__frames",
  cur."sqlxy_provenance",
  cur."sqlxy_data_version",
  cur."sqlxy_feature_version",
  cur."sqlxy_project_version",
  cur."sqlxy_created_at",
  GREATEST(
    CAST(now64(6, 'UTC') AS Nullable(DateTime64(6))),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1' MICROSECOND,
      CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))
    )
  ),
  GREATEST(
    CAST(now64(6, 'UTC') AS Nullable(DateTime64(6))),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1' MICROSECOND,
      CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))
    )
  ),
  CAST(NULL AS Nullable(String)),
  (
    SELECT
      MAX("seq")
    FROM "sqlxy_state"
    WHERE
      "feature_table" = 'video__chunk'
  )
FROM (
  SELECT
    sqlxy_rows.*
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
          FROM "video__chunk"
          WHERE
            "video_chunk_id" IN (
              SELECT
                "video_chunk_id"
              FROM (
                SELECT
                  sqlxy_rows.*
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      *
                    FROM "video__chunk"
                    WHERE
                      "video_id" IN (
                        SELECT
                          "video_id"
                        FROM "sqlxy_input"
                      )
                  ) AS of_parents
                ) AS sqlxy_rows
                LEFT JOIN (
                  SELECT DISTINCT
                    "video_chunk_id",
                    1 AS sqlxy_listed
                  FROM "sqlxy_input"
                  WHERE
                    NOT (
                      "video_chunk_id" IS NULL
                    )
                ) AS sqlxy_list
                  ON sqlxy_rows."video_chunk_id" = sqlxy_list."video_chunk_id"
                WHERE
                  COALESCE(sqlxy_list.sqlxy_listed, 0) = 0
                  AND NOT (
                    sqlxy_rows."video_chunk_id" IS NULL
                  )
              ) AS touched
            )
        ) AS candidates
        ORDER BY
          "video_chunk_id",
          "sqlxy_updated_at" DESC
        LIMIT 1 BY "video_chunk_id"
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS current_candidates
  ) AS sqlxy_rows
  LEFT JOIN (
    SELECT DISTINCT
      "video_chunk_id",
      1 AS sqlxy_listed
    FROM "sqlxy_input"
    WHERE
      NOT (
        "video_chunk_id" IS NULL
      )
  ) AS sqlxy_list
    ON sqlxy_rows."video_chunk_id" = sqlxy_list."video_chunk_id"
  WHERE
    COALESCE(sqlxy_list.sqlxy_listed, 0) = 0
    AND NOT (
      sqlxy_rows."video_chunk_id" IS NULL
    )
) AS cur
WHERE
  cur."video_id" IN (
    SELECT
      "video_id"
    FROM "sqlxy_input"
  )
UNION ALL
SELECT
  cur."video_id",
  cur."video_chunk_id",
  cur."chunk_index",
  cur."start_s",
  cur."path",
  cur."duration_s",
  cur."sqlxy_provenance__audio",
  cur."sqlxy_provenance__frames",
  cur."sqlxy_data_version__audio",
  cur."sqlxy_data_version__frames",
  cur."sqlxy_provenance",
  cur."sqlxy_data_version",
  cur."sqlxy_feature_version",
  cur."sqlxy_project_version",
  cur."sqlxy_created_at",
  GREATEST(
    CAST(now64(6, 'UTC') AS Nullable(DateTime64(6))),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1' MICROSECOND,
      CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))
    )
  ),
  GREATEST(
    CAST(now64(6, 'UTC') AS Nullable(DateTime64(6))),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1' MICROSECOND,
      CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))
    )
  ),
  CAST(NULL AS Nullable(String)),
  (
    SELECT
      MAX("seq")
    FROM "sqlxy_state"
    WHERE
      "feature_table" = 'video__chunk'
  )
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
      FROM "video__chunk"
      WHERE
        "video_chunk_id" IS NULL
        AND "video_id" IN (
          SELECT
            "video_id"
          FROM "sqlxy_input"
          WHERE
            NOT (
              "video_chunk_id" IS NULL
            )
        )
    ) AS markers
    ORDER BY
      "video_id",
      "sqlxy_updated_at" DESC
    LIMIT 1 BY "video_id"
  ) AS ranked
  WHERE
    "sqlxy_deleted_at" IS NULL
) AS cur
UNION ALL
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
  LOWER(HEX(MD5("sqlxy_provenance__audio" || '|' || "sqlxy_provenance__frames"))),
  LOWER(HEX(MD5("sqlxy_data_version__audio" || '|' || "sqlxy_data_version__frames"))),
  '544fb61e803c76df7033c72bdecfe528',
  '607c6d8e90afa22c18affd77eda35235',
  COALESCE(sqlxy_first_created_at, CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))),
  GREATEST(
    CAST(now64(6, 'UTC') AS Nullable(DateTime64(6))),
    COALESCE(
      sqlxy_last_updated_at + INTERVAL '1' MICROSECOND,
      CAST(now64(6, 'UTC') AS Nullable(DateTime64(6)))
    )
  ),
  CAST(NULL AS Nullable(DateTime64(6))),
  sqlxy_run_id,
  (
    SELECT
      MAX("seq")
    FROM "sqlxy_state"
    WHERE
      "feature_table" = 'video__chunk'
  )
FROM (
  SELECT
    staged."video_id" AS "video_id",
    staged."video_chunk_id" AS "video_chunk_id",
    staged."chunk_index" AS "chunk_index",
    staged."start_s" AS "start_s",
    staged."path" AS "path",
    staged."duration_s" AS "duration_s",
    staged."sqlxy_provenance__audio",
    COALESCE(staged."sqlxy_data_version__audio", staged."sqlxy_provenance__audio") AS "sqlxy_data_version__audio",
    staged."sqlxy_provenance__frames",
    COALESCE(staged."sqlxy_data_version__frames", staged."sqlxy_provenance__frames") AS "sqlxy_data_version__frames",
    staged.sqlxy_run_id,
    first_rows.sqlxy_first_created_at,
    COALESCE(first_rows.sqlxy_last_updated_at, last_markers.sqlxy_last_updated_at) AS sqlxy_last_updated_at
  FROM "sqlxy_input" AS staged
  LEFT JOIN (
    SELECT
      "video_chunk_id",
      MIN("sqlxy_created_at") AS sqlxy_first_created_at,
      MAX("sqlxy_updated_at") AS sqlxy_last_updated_at
    FROM "video__chunk"
    WHERE
      "video_chunk_id" IN (
        SELECT
          "video_chunk_id"
        FROM "sqlxy_input"
      )
    GROUP BY
      "video_chunk_id"
  ) AS first_rows
    ON staged."video_chunk_id" = first_rows."video_chunk_id"
  LEFT JOIN (
    SELECT
      "video_id",
      MAX("sqlxy_updated_at") AS sqlxy_last_updated_at
    FROM "video__chunk"
    WHERE
      "video_chunk_id" IS NULL
      AND "video_id" IN (
        SELECT
          "video_id"
        FROM "sqlxy_input"
        WHERE
          "video_chunk_id" IS NULL
      )
    GROUP BY
      "video_id"
  ) AS last_markers
    ON staged."video_id" = last_markers."video_id"
) AS rows_to_write
