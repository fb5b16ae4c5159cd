-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template keep.sql.j2 · dialect postgres
INSERT INTO "video__chunk:pending" (
  sqlxy_change,
  "video_id",
  "path",
  "duration_s",
  "sqlxy_provenance__audio",
  "sqlxy_provenance__frames",
  "sqlxy_provenance",
  sqlxy_stale_fields,
  sqlxy_stale_reason
)
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
        *
      FROM (
        SELECT DISTINCT ON ("video_id")
          *,
          1 AS sqlxy_rank
        FROM "video__raw"
        ORDER BY
          "video_id",
          "sqlxy_updated_at" DESC NULLS LAST
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS upstream_current
  ) AS renamed
), expected_fields AS (
  SELECT
    upstream_0."video_id" AS "video_id",
    "path",
    "duration_s",
    GREATEST(
      COALESCE(
        CAST(FLOOR(
          CAST(CAST(CEIL(CAST(duration_s AS DOUBLE PRECISION) / 10.0) AS INT) AS DOUBLE PRECISION)
        ) AS BIGINT),
        0
      ),
      0
    ) AS sqlxy_children,
    MD5(
      'video/chunk:audio|__initial__+22a40cbed77782653db7eab874f8736b|video/raw:audio|' || COALESCE("sqlxy_dv_0__audio", '')
    ) AS "sqlxy_provenance__audio",
    MD5(
      'video/chunk:frames|__initial__+22a40cbed77782653db7eab874f8736b|video/raw:frames|' || COALESCE("sqlxy_dv_0__frames", '')
    ) AS "sqlxy_provenance__frames"
  FROM upstream_0
  WHERE
    NOT upstream_0."video_id" IS NULL
), expected AS (
  SELECT
    *,
    1 AS sqlxy_present
  FROM expected_fields
), current_groups AS (
  SELECT
    "video_id",
    CASE
      WHEN MIN("sqlxy_provenance__audio") = MAX("sqlxy_provenance__audio")
      THEN MIN("sqlxy_provenance__audio")
      ELSE ''
    END AS "sqlxy_provenance__audio",
    CASE
      WHEN MIN("sqlxy_provenance__frames") = MAX("sqlxy_provenance__frames")
      THEN MIN("sqlxy_provenance__frames")
      ELSE ''
    END AS "sqlxy_provenance__frames",
    SUM(CASE WHEN "video_chunk_id" IS NULL THEN 0 ELSE 1 END) AS sqlxy_children,
    MAX(CASE WHEN FALSE THEN 1 ELSE 0 END) AS sqlxy_stale_if,
    1 AS sqlxy_present
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
        SELECT DISTINCT ON ("video_chunk_id")
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
            NOT "video_chunk_id" IS NULL
        ) AS stored_samples
        ORDER BY
          "video_chunk_id",
          "sqlxy_updated_at" DESC NULLS LAST
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
        SELECT DISTINCT ON ("video_id")
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
        ) AS stored_markers
        ORDER BY
          "video_id",
          "sqlxy_updated_at" DESC NULLS LAST
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS current_markers
  ) AS current_rows
  GROUP BY
    "video_id"
), joined AS (
  SELECT
    e.*,
    c."video_id" AS "sqlxy_current_1",
    CASE
      WHEN e."sqlxy_provenance__audio" IS DISTINCT FROM c."sqlxy_provenance__audio"
      THEN 1
      ELSE 0
    END AS "sqlxy_changed__audio",
    CASE
      WHEN e."sqlxy_provenance__frames" IS DISTINCT FROM c."sqlxy_provenance__frames"
      THEN 1
      ELSE 0
    END AS "sqlxy_changed__frames",
    COALESCE(e.sqlxy_present, 0) AS sqlxy_in_expected,
    COALESCE(c.sqlxy_present, 0) AS sqlxy_in_current,
    COALESCE(c.sqlxy_children, 0) AS sqlxy_current_children,
    COALESCE(c.sqlxy_stale_if, 0) AS sqlxy_predicate
  FROM expected AS e
  FULL OUTER JOIN current_groups AS c
    ON e."video_id" = c."video_id"
), increment AS (
  SELECT
    CASE
      WHEN sqlxy_in_current = 0
      THEN 'new'
      WHEN sqlxy_in_expected = 0
      THEN 'orphaned'
      ELSE 'stale'
    END AS sqlxy_change,
    CASE WHEN sqlxy_in_expected = 1 THEN "video_id" ELSE "sqlxy_current_1" END AS "video_id",
    "path",
    "duration_s",
    "sqlxy_provenance__audio",
    "sqlxy_provenance__frames",
    MD5("sqlxy_provenance__audio" || '|' || "sqlxy_provenance__frames") AS "sqlxy_provenance",
    CASE
      WHEN sqlxy_in_current = 1 AND sqlxy_in_expected = 1
      THEN SUBSTRING(CASE WHEN "sqlxy_changed__audio" = 1 THEN ',audio' ELSE '' END || CASE WHEN "sqlxy_changed__frames" = 1 THEN ',frames' ELSE '' END FROM 2)
    END AS sqlxy_stale_fields,
    CASE
      WHEN sqlxy_in_current = 0 OR sqlxy_in_expected = 0
      THEN NULL
      WHEN "sqlxy_changed__audio" = 1 OR "sqlxy_changed__frames" = 1
      THEN 'provenance'
      WHEN sqlxy_children <> sqlxy_current_children
      THEN 'children'
      ELSE 'predicate'
    END AS sqlxy_stale_reason
  FROM joined
  WHERE
    sqlxy_in_current = 0
    OR sqlxy_in_expected = 0
    OR "sqlxy_changed__audio" = 1
    OR "sqlxy_changed__frames" = 1
    OR sqlxy_children <> sqlxy_current_children
    OR sqlxy_predicate = 1
)
SELECT
  sqlxy_change,
  "video_id",
  "path",
  "duration_s",
  "sqlxy_provenance__audio",
  "sqlxy_provenance__frames",
  "sqlxy_provenance",
  sqlxy_stale_fields,
  sqlxy_stale_reason
FROM increment
