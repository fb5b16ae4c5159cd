-- sqlxy video/chunk · feature version 544fb61e803c76df7033c72bdecfe528 · template hard_delete.sql.j2 · dialect clickhouse
DELETE FROM "video__chunk"
WHERE
  "video_chunk_id" IN (
    SELECT
      "video_chunk_id"
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
              NOT (
                "video_chunk_id" IS NULL
              )
          ) AS stored_samples
          ORDER BY
            "video_chunk_id",
            "sqlxy_updated_at" DESC
          LIMIT 1 BY "video_chunk_id"
        ) AS ranked
      ) AS cur
      WHERE
        FALSE
    ) AS doomed
  )
  OR (
    "video_chunk_id" IS NULL
    AND "video_id" IN (
      SELECT
        "video_id"
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
                "video_chunk_id" IS NULL
            ) AS stored_markers
            ORDER BY
              "video_id",
              "sqlxy_updated_at" DESC
            LIMIT 1 BY "video_id"
          ) AS ranked
        ) AS cur
        WHERE
          FALSE
      ) AS doomed_markers
    )
  )
