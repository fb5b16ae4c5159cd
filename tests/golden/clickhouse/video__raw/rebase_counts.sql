-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template rebase_counts.sql.j2 · dialect clickhouse
WITH expected_fields AS (
  SELECT
    "video_id",
    "path",
    "duration_s",
    LOWER(HEX(MD5('video/raw:audio|1|input|' || "audio_version"))) AS "sqlxy_provenance__audio",
    LOWER(HEX(MD5('video/raw:frames|1|input|' || "frames_version"))) AS "sqlxy_provenance__frames"
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
        "sqlxy_commit",
        1 AS sqlxy_rank
      FROM "video__raw"
      ORDER BY
        "video_id",
        "sqlxy_updated_at" DESC
      LIMIT 1 BY "video_id"
    ) AS ranked
    WHERE
      "sqlxy_deleted_at" IS NULL
  ) AS current_rows
), compared AS (
  SELECT
    e.*,
    COALESCE(c.sqlxy_present, 0) AS sqlxy_in_current,
    CASE
      WHEN e."sqlxy_provenance__audio" IS DISTINCT FROM c."sqlxy_provenance__audio"
      THEN 1
      ELSE 0
    END AS "sqlxy_changed__audio",
    0 AS "sqlxy_fits__audio",
    CASE
      WHEN e."sqlxy_provenance__frames" IS DISTINCT FROM c."sqlxy_provenance__frames"
      THEN 1
      ELSE 0
    END AS "sqlxy_changed__frames",
    0 AS "sqlxy_fits__frames"
  FROM expected AS e
  LEFT JOIN current_groups AS c
    ON e."video_id" = c."video_id"
), verdicts AS (
  SELECT
    "video_id",
    "sqlxy_provenance__audio",
    "sqlxy_provenance__frames",
    CASE
      WHEN sqlxy_in_current = 0
      THEN 'new'
      WHEN "sqlxy_changed__audio" = 1 OR "sqlxy_changed__frames" = 1
      THEN CASE
        WHEN (
          "sqlxy_changed__audio" = 0 OR "sqlxy_fits__audio" = 1
        )
        AND (
          "sqlxy_changed__frames" = 0 OR "sqlxy_fits__frames" = 1
        )
        THEN 'rebased'
        ELSE 'data_changed'
      END
      WHEN "sqlxy_changed__audio" = 1 OR "sqlxy_changed__frames" = 1
      THEN 'not_selected'
      ELSE 'settled'
    END AS sqlxy_rebase
  FROM compared
)
SELECT
  COUNT(CASE WHEN sqlxy_rebase = 'rebased' THEN 1 END) AS "rebased",
  COUNT(CASE WHEN sqlxy_rebase = 'data_changed' THEN 1 END) AS "data_changed",
  COUNT(CASE WHEN sqlxy_rebase = 'children' THEN 1 END) AS "children",
  COUNT(CASE WHEN sqlxy_rebase = 'new' THEN 1 END) AS "new",
  COUNT(CASE WHEN sqlxy_rebase = 'not_selected' THEN 1 END) AS "not_selected",
  (
    SELECT
      COUNT(*)
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
          "sqlxy_commit",
          1 AS sqlxy_rank
        FROM "video__raw"
        ORDER BY
          "video_id",
          "sqlxy_updated_at" DESC
        LIMIT 1 BY "video_id"
      ) AS ranked
      WHERE
        "sqlxy_deleted_at" IS NULL
    ) AS cur
    WHERE
      cur."video_id" IN (
        SELECT
          "video_id"
        FROM verdicts
        WHERE
          sqlxy_rebase = 'rebased'
      )
  ) AS "rows"
FROM verdicts
