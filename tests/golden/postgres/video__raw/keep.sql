-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template keep.sql.j2 · dialect postgres
INSERT INTO "video__raw:pending" (
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
WITH expected_fields AS (
  SELECT
    "video_id",
    "path",
    "duration_s",
    MD5('video/raw:audio|1|input|' || "audio_version") AS "sqlxy_provenance__audio",
    MD5('video/raw:frames|1|input|' || "frames_version") AS "sqlxy_provenance__frames"
  FROM "sqlxy_samples" AS samples
), expected AS (
  SELECT
    *,
    1 AS sqlxy_present
  FROM expected_fields
), current_groups AS (
  SELECT
    "video_id",
    "sqlxy_provenance__audio",
    "sqlxy_provenance__frames",
    CASE WHEN FALSE THEN 1 ELSE 0 END AS sqlxy_stale_if,
    1 AS sqlxy_present
  FROM (
    SELECT
      "video_id",
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
      FROM "video__raw"
      ORDER BY
        "video_id",
        "sqlxy_updated_at" DESC NULLS LAST
    ) AS ranked
    WHERE
      "sqlxy_deleted_at" IS NULL
  ) AS current_rows
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
      ELSE 'predicate'
    END AS sqlxy_stale_reason
  FROM joined
  WHERE
    sqlxy_in_current = 0
    OR sqlxy_in_expected = 0
    OR "sqlxy_changed__audio" = 1
    OR "sqlxy_changed__frames" = 1
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
