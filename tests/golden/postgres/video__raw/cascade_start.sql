-- sqlxy video/raw · feature version 59c639645b227cf3364d36996d947590 · template cascade_start.sql.j2 · dialect postgres
SELECT
  "video_id",
  1 AS sqlxy_counted
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
) AS cur
WHERE
  FALSE
