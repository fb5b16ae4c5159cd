-- sqlxy video/faces · feature version e8bb43074f7d6aba2c8cea036b2676c7 · template hard_delete.sql.j2 · dialect clickhouse
DELETE FROM "video__faces"
WHERE
  "video_chunk_id" IN (
    SELECT
      "video_chunk_id"
    FROM (
      SELECT
        *
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
      ) AS cur
      WHERE
        FALSE
    ) AS doomed
  )
