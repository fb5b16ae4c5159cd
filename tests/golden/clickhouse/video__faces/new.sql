-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template new.sql.j2 · dialect clickhouse
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
        *
      FROM (
        SELECT
          *,
          1 AS sqlxy_rank
        FROM (
          SELECT
            *
          FROM "video__chunk"
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
    ) AS upstream_current
  ) AS renamed
), expected_fields AS (
  SELECT
    upstream_0."video_chunk_id" AS "video_chunk_id",
    "video_id",
    LOWER(
      HEX(
        MD5(
          'video/faces:faces|__initial__|video/chunk:frames|' || COALESCE("sqlxy_dv_0__frames", '')
        )
      )
    ) AS "sqlxy_provenance__faces"
  FROM upstream_0
  WHERE
    NOT (
      upstream_0."video_chunk_id" IS NULL
    )
), expected AS (
  SELECT
    *,
    1 AS sqlxy_present
  FROM expected_fields
), current_groups AS (
  SELECT
    "video_chunk_id",
    "sqlxy_provenance__faces",
    CASE WHEN FALSE THEN 1 ELSE 0 END AS sqlxy_stale_if,
    1 AS sqlxy_present
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
        "sqlxy_commit",
        1 AS sqlxy_rank
      FROM "video__faces"
      ORDER BY
        "video_chunk_id",
        "sqlxy_updated_at" DESC
      LIMIT 1 BY "video_chunk_id"
    ) AS ranked
    WHERE
      "sqlxy_deleted_at" IS NULL
  ) AS current_rows
), joined AS (
  SELECT
    e.*,
    c."video_chunk_id" AS "sqlxy_current_1",
    CASE
      WHEN e."sqlxy_provenance__faces" IS DISTINCT FROM c."sqlxy_provenance__faces"
      THEN 1
      ELSE 0
    END AS "sqlxy_changed__faces",
    COALESCE(e.sqlxy_present, 0) AS sqlxy_in_expected,
    COALESCE(c.sqlxy_present, 0) AS sqlxy_in_current,
    COALESCE(c.sqlxy_stale_if, 0) AS sqlxy_predicate
  FROM expected AS e
  FULL OUTER JOIN current_groups AS c
    ON e."video_chunk_id" = c."video_chunk_id"
), increment AS (
  SELECT
    CASE
      WHEN sqlxy_in_current = 0
      THEN 'new'
      WHEN sqlxy_in_expected = 0
      THEN 'orphaned'
      ELSE 'stale'
    END AS sqlxy_change,
    CASE WHEN sqlxy_in_expected = 1 THEN "video_chunk_id" ELSE "sqlxy_current_1" END AS "video_chunk_id",
    "video_id",
    "sqlxy_provenance__faces",
    LOWER(HEX(MD5("sqlxy_provenance__faces"))) AS "sqlxy_provenance",
    CASE
      WHEN sqlxy_in_current = 1 AND sqlxy_in_expected = 1
      THEN SUBSTRING(CASE WHEN "sqlxy_changed__faces" = 1 THEN ',faces' ELSE '' END, 2)
    END AS sqlxy_stale_fields,
    CASE
      WHEN sqlxy_in_current = 0 OR sqlxy_in_expected = 0
      THEN NULL
      WHEN "sqlxy_changed__faces" = 1
      THEN 'provenance'
      ELSE 'predicate'
    END AS sqlxy_stale_reason
  FROM joined
  WHERE
    sqlxy_in_current = 0
    OR sqlxy_in_expected = 0
    OR "sqlxy_changed__faces" = 1
    OR sqlxy_predicate = 1
)
SELECT
  "video_chunk_id",
  "video_id",
  "sqlxy_provenance__faces",
  "sqlxy_provenance"
FROM increment
WHERE
  sqlxy_change = 'new'
