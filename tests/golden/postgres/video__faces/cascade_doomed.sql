-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template cascade_doomed.sql.j2 · dialect postgres
WITH upstream_0 AS (
  SELECT
    "video_chunk_id",
    "video_id",
    "sqlxy_dv_0__frames"
  FROM (
    SELECT
      "video_id" AS "video_id",
      "video_chunk_id" AS "video_chunk_id",
      "chunk_index" AS "chunk_index",
      "start_s" AS "start_s",
      "path" AS "path",
      "duration_s" AS "duration_s",
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
            SELECT DISTINCT ON ("video_chunk_id")
              *,
              1 AS sqlxy_rank
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  *
                FROM "video__chunk"
                WHERE
                  "video_chunk_id" IN (
                    SELECT
                      "video_chunk_id"
                    FROM "sqlxy_reached"
                  )
              ) AS touched_rows
              WHERE
                NOT "video_chunk_id" IS NULL
            ) AS stored_samples
            ORDER BY
              "video_chunk_id",
              "sqlxy_updated_at" DESC NULLS LAST
          ) AS ranked
          WHERE
            "sqlxy_deleted_at" IS NULL
        ) AS upstream_ranked
      ) AS sqlxy_rows
      LEFT JOIN (
        SELECT DISTINCT
          "video_chunk_id",
          1 AS sqlxy_listed
        FROM "video__chunk:doomed"
      ) AS sqlxy_list
        ON sqlxy_rows."video_chunk_id" = sqlxy_list."video_chunk_id"
      WHERE
        COALESCE(sqlxy_list.sqlxy_listed, 0) = 0
        AND NOT sqlxy_rows."video_chunk_id" IS NULL
    ) AS upstream_current
  ) AS renamed
), expected_fields AS (
  SELECT
    upstream_0."video_chunk_id" AS "video_chunk_id",
    "video_id",
    MD5(
      'video/faces:faces|__initial__|video/chunk:frames|' || COALESCE("sqlxy_dv_0__frames", '')
    ) AS "sqlxy_provenance__faces"
  FROM upstream_0
  WHERE
    NOT upstream_0."video_chunk_id" IS NULL
), expected AS (
  SELECT
    *,
    1 AS sqlxy_present
  FROM expected_fields
), candidates AS (
  SELECT DISTINCT
    "video_chunk_id",
    1 AS sqlxy_counted
  FROM (
    SELECT
      "video_chunk_id",
      "num_faces",
      "video_id",
      "sqlxy_provenance__faces",
      "sqlxy_data_version__faces",
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
      SELECT DISTINCT ON ("video_chunk_id")
        "video_chunk_id",
        "num_faces",
        "video_id",
        "sqlxy_provenance__faces",
        "sqlxy_data_version__faces",
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
        FROM "video__faces"
        WHERE
          "video_chunk_id" IN (
            SELECT
              "video_chunk_id"
            FROM "sqlxy_reached"
          )
      ) AS touched_own
      ORDER BY
        "video_chunk_id",
        "sqlxy_updated_at" DESC NULLS LAST
    ) AS ranked
    WHERE
      "sqlxy_deleted_at" IS NULL
  ) AS current_rows
  WHERE
    "video_chunk_id" IN (
      SELECT
        "video_chunk_id"
      FROM "sqlxy_reached"
    )
)
SELECT
  "video_chunk_id",
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
      "video_chunk_id",
      1 AS sqlxy_listed
    FROM expected
  ) AS sqlxy_list
    ON sqlxy_rows."video_chunk_id" = sqlxy_list."video_chunk_id"
  WHERE
    COALESCE(sqlxy_list.sqlxy_listed, 0) = 0
    AND NOT sqlxy_rows."video_chunk_id" IS NULL
) AS doomed
