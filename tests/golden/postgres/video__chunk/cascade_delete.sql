-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template cascade_delete.sql.j2 · dialect postgres
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
    CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1 MICROSECOND',
      CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)
    )
  ),
  GREATEST(
    CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP),
    COALESCE(
      cur."sqlxy_updated_at" + INTERVAL '1 MICROSECOND',
      CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)
    )
  ),
  CAST(NULL AS TEXT),
  (
    SELECT
      MAX("seq")
    FROM "sqlxy_state"
    WHERE
      "feature_table" = 'video__chunk'
  )
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
) AS cur
WHERE
  cur."video_id" IN (
    SELECT
      "video_id"
    FROM "video__chunk:doomed"
  )
