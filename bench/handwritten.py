"""Hand-written DuckDB baselines: the minimal SQL a person would write for the same increments.

Each query does the work sqlxy's compiled `resolve` does for the video project (SPEC §5-7):
pick each sample's current row (latest `sqlxy_updated_at` per id, tombstones hide it), hash the
expected per-field provenance with the same strings, compare with the stored provenance and
return the new / stale / orphaned rows with the columns a writer needs. It leaves out what the
generic compiler adds: deterministic tie-breaking of equal timestamps, the `--stale-if`
predicate, the stale reason and the projection of every column through the dedup.

The hash prefixes are the fields' full names and code versions (`__initial__` when the spec
gives none; video/chunk's carry `+D`, the hash of its SQL definition, SPEC §4, a constant of
`features/video/chunk.yaml`); the bench asserts that these queries report the same counts as
sqlxy. Like sqlxy, the chunk query also compares each video's chunk count with the count its
`generate` gives (SPEC §6: a deleted chunk makes its video stale).
"""

from __future__ import annotations

import re

#: D(video/chunk) of the default project: md5 of its canonical SQL definition.
CHUNK_CODE_VERSION = "__initial__+22a40cbed77782653db7eab874f8736b"

# Current rows of a table: the latest row per id; a tombstone (deleted_at set) hides the sample.
_LATEST = """
SELECT {columns}, sqlxy_deleted_at
FROM {table}
QUALIFY ROW_NUMBER() OVER (PARTITION BY {id} ORDER BY sqlxy_updated_at DESC) = 1
"""

CHUNK = f"""
WITH raw AS ({_LATEST.format(
    columns="video_id, path, duration_s, sqlxy_data_version__audio AS dv_audio, "
            "sqlxy_data_version__frames AS dv_frames",
    table="video__raw", id="video_id")}),
expected AS (
  SELECT video_id, path, duration_s,
    greatest(coalesce(CAST(ceil(duration_s / 10.0) AS INT), 0), 0) AS n_chunks,
    md5('video/chunk:audio|{CHUNK_CODE_VERSION}|video/raw:audio|' || coalesce(dv_audio, '')) AS p_audio,
    md5('video/chunk:frames|{CHUNK_CODE_VERSION}|video/raw:frames|' || coalesce(dv_frames, '')) AS p_frames
  FROM raw WHERE sqlxy_deleted_at IS NULL
),
chunk AS ({_LATEST.format(
    columns="video_id, sqlxy_provenance__audio AS p_audio, sqlxy_provenance__frames AS p_frames",
    table="video__chunk", id="video_chunk_id")}),
current AS (
  SELECT video_id, min(p_audio) AS audio_lo, max(p_audio) AS audio_hi,
    min(p_frames) AS frames_lo, max(p_frames) AS frames_hi, count(*) AS n_chunks
  FROM chunk WHERE sqlxy_deleted_at IS NULL
  GROUP BY video_id
),
compared AS (
  SELECT e.*, c.video_id AS current_id,
    e.p_audio <> c.audio_lo OR e.p_audio <> c.audio_hi AS audio_changed,
    e.p_frames <> c.frames_lo OR e.p_frames <> c.frames_hi AS frames_changed,
    e.n_chunks <> c.n_chunks AS chunks_changed
  FROM expected AS e FULL JOIN current AS c ON e.video_id = c.video_id
)
SELECT
  CASE WHEN current_id IS NULL THEN 'new' WHEN video_id IS NULL THEN 'orphaned' ELSE 'stale' END
    AS sqlxy_change,
  coalesce(video_id, current_id) AS video_id, path, duration_s,
  p_audio AS sqlxy_provenance__audio, p_frames AS sqlxy_provenance__frames,
  md5(p_audio || '|' || p_frames) AS sqlxy_provenance,
  concat_ws(',', CASE WHEN audio_changed THEN 'audio' END, CASE WHEN frames_changed THEN 'frames' END)
    AS sqlxy_stale_fields
FROM compared
WHERE current_id IS NULL OR video_id IS NULL OR audio_changed OR frames_changed OR chunks_changed
"""

FACES = f"""
WITH chunk AS ({_LATEST.format(
    columns="video_chunk_id, video_id, sqlxy_data_version__frames AS dv_frames",
    table="video__chunk", id="video_chunk_id")}),
expected AS (
  SELECT video_chunk_id, video_id,
    md5('video/faces:faces|__initial__|video/chunk:frames|' || coalesce(dv_frames, '')) AS p_faces
  FROM chunk WHERE sqlxy_deleted_at IS NULL
),
faces AS ({_LATEST.format(columns="video_chunk_id, sqlxy_provenance__faces AS p_faces",
                          table="video__faces", id="video_chunk_id")}),
current AS (SELECT video_chunk_id, p_faces FROM faces WHERE sqlxy_deleted_at IS NULL)
SELECT
  CASE WHEN c.video_chunk_id IS NULL THEN 'new' WHEN e.video_chunk_id IS NULL THEN 'orphaned'
    ELSE 'stale' END AS sqlxy_change,
  coalesce(e.video_chunk_id, c.video_chunk_id) AS video_chunk_id, e.video_id,
  e.p_faces AS sqlxy_provenance__faces, md5(e.p_faces) AS sqlxy_provenance,
  CASE WHEN e.p_faces <> c.p_faces THEN 'faces' ELSE '' END AS sqlxy_stale_fields
FROM expected AS e FULL JOIN current AS c ON e.video_chunk_id = c.video_chunk_id
WHERE c.video_chunk_id IS NULL OR e.video_chunk_id IS NULL OR e.p_faces <> c.p_faces
"""

QUERIES: dict[str, str] = {"video/chunk": CHUNK, "video/faces": FACES}

# -- PostgreSQL: what an expert writes there --------------------------------------------------
# `DISTINCT ON` over only the columns needed, in the order of the index sqlxy creates on
# (id, sqlxy_updated_at DESC NULLS LAST): PostgreSQL reads the index in order instead of sorting.
_PG_LATEST = """
SELECT DISTINCT ON ({id}) {columns}, sqlxy_deleted_at
FROM {table}
ORDER BY {id}, sqlxy_updated_at DESC NULLS LAST
"""

PG_CHUNK = f"""
WITH raw AS ({_PG_LATEST.format(
    columns="video_id, path, duration_s, sqlxy_data_version__audio AS dv_audio, "
            "sqlxy_data_version__frames AS dv_frames",
    table="video__raw", id="video_id")}),
expected AS (
  SELECT video_id, path, duration_s,
    greatest(coalesce(ceil(duration_s / 10.0)::int, 0), 0) AS n_chunks,
    md5('video/chunk:audio|{CHUNK_CODE_VERSION}|video/raw:audio|' || coalesce(dv_audio, '')) AS p_audio,
    md5('video/chunk:frames|{CHUNK_CODE_VERSION}|video/raw:frames|' || coalesce(dv_frames, '')) AS p_frames
  FROM raw WHERE sqlxy_deleted_at IS NULL
),
chunk AS ({_PG_LATEST.format(
    columns="video_chunk_id, video_id, sqlxy_provenance__audio AS p_audio, sqlxy_provenance__frames AS p_frames",
    table="video__chunk", id="video_chunk_id")}),
current AS (
  SELECT video_id, min(p_audio) AS audio_lo, max(p_audio) AS audio_hi,
    min(p_frames) AS frames_lo, max(p_frames) AS frames_hi, count(*) AS n_chunks
  FROM chunk WHERE sqlxy_deleted_at IS NULL
  GROUP BY video_id
),
compared AS (
  SELECT e.*, c.video_id AS current_id,
    e.p_audio <> c.audio_lo OR e.p_audio <> c.audio_hi AS audio_changed,
    e.p_frames <> c.frames_lo OR e.p_frames <> c.frames_hi AS frames_changed,
    e.n_chunks <> c.n_chunks AS chunks_changed
  FROM expected AS e FULL JOIN current AS c ON e.video_id = c.video_id
)
SELECT
  CASE WHEN current_id IS NULL THEN 'new' WHEN video_id IS NULL THEN 'orphaned' ELSE 'stale' END
    AS sqlxy_change,
  coalesce(video_id, current_id) AS video_id, path, duration_s,
  p_audio AS sqlxy_provenance__audio, p_frames AS sqlxy_provenance__frames,
  md5(p_audio || '|' || p_frames) AS sqlxy_provenance,
  concat_ws(',', CASE WHEN audio_changed THEN 'audio' END, CASE WHEN frames_changed THEN 'frames' END)
    AS sqlxy_stale_fields
FROM compared
WHERE current_id IS NULL OR video_id IS NULL OR audio_changed OR frames_changed OR chunks_changed
"""

PG_FACES = f"""
WITH chunk AS ({_PG_LATEST.format(
    columns="video_chunk_id, video_id, sqlxy_data_version__frames AS dv_frames",
    table="video__chunk", id="video_chunk_id")}),
expected AS (
  SELECT video_chunk_id, video_id,
    md5('video/faces:faces|__initial__|video/chunk:frames|' || coalesce(dv_frames, '')) AS p_faces
  FROM chunk WHERE sqlxy_deleted_at IS NULL
),
faces AS ({_PG_LATEST.format(columns="video_chunk_id, sqlxy_provenance__faces AS p_faces",
                             table="video__faces", id="video_chunk_id")}),
current AS (SELECT video_chunk_id, p_faces FROM faces WHERE sqlxy_deleted_at IS NULL)
SELECT
  CASE WHEN c.video_chunk_id IS NULL THEN 'new' WHEN e.video_chunk_id IS NULL THEN 'orphaned'
    ELSE 'stale' END AS sqlxy_change,
  coalesce(e.video_chunk_id, c.video_chunk_id) AS video_chunk_id, e.video_id,
  e.p_faces AS sqlxy_provenance__faces, md5(e.p_faces) AS sqlxy_provenance,
  CASE WHEN e.p_faces <> c.p_faces THEN 'faces' ELSE '' END AS sqlxy_stale_fields
FROM expected AS e FULL JOIN current AS c ON e.video_chunk_id = c.video_chunk_id
WHERE c.video_chunk_id IS NULL OR e.video_chunk_id IS NULL OR e.p_faces <> c.p_faces
"""

# -- ClickHouse: what an expert writes there --------------------------------------------------
# The latest row per id with `LIMIT 1 BY` (faster here than a window or `argMax`); `join_use_nulls`
# so the outer join's missing side is NULL.
_CH_LATEST = """
SELECT {id}, {columns}, sqlxy_deleted_at
FROM {table}
ORDER BY {id}, sqlxy_updated_at DESC
LIMIT 1 BY {id}
"""


def _ch_latest(table: str, id: str, columns: dict[str, str]) -> str:
    listed = ", ".join(f"{column} AS {alias}" for alias, column in columns.items())
    return _CH_LATEST.format(table=table, id=id, columns=listed)


CH_CHUNK = f"""
WITH raw AS ({_ch_latest("video__raw", "video_id", {
    "path": "path", "duration_s": "duration_s", "dv_audio": "sqlxy_data_version__audio",
    "dv_frames": "sqlxy_data_version__frames"})}),
expected AS (
  SELECT video_id, path, duration_s,
    greatest(coalesce(toInt64(ceil(duration_s / 10.0)), 0), 0) AS n_chunks,
    lower(hex(MD5('video/chunk:audio|{CHUNK_CODE_VERSION}|video/raw:audio|' || coalesce(dv_audio, ''))))
      AS p_audio,
    lower(hex(MD5('video/chunk:frames|{CHUNK_CODE_VERSION}|video/raw:frames|' || coalesce(dv_frames, ''))))
      AS p_frames
  FROM raw WHERE sqlxy_deleted_at IS NULL
),
chunk AS ({_ch_latest("video__chunk", "video_chunk_id", {
    "video_id": "video_id", "p_audio": "sqlxy_provenance__audio", "p_frames": "sqlxy_provenance__frames"})}),
current AS (
  SELECT video_id, min(p_audio) AS audio_lo, max(p_audio) AS audio_hi,
    min(p_frames) AS frames_lo, max(p_frames) AS frames_hi, count(*) AS n_chunks
  FROM chunk WHERE sqlxy_deleted_at IS NULL
  GROUP BY video_id
),
compared AS (
  SELECT e.*, c.video_id AS current_id,
    e.p_audio <> c.audio_lo OR e.p_audio <> c.audio_hi AS audio_changed,
    e.p_frames <> c.frames_lo OR e.p_frames <> c.frames_hi AS frames_changed,
    e.n_chunks <> c.n_chunks AS chunks_changed
  FROM expected AS e FULL JOIN current AS c ON e.video_id = c.video_id
)
SELECT
  CASE WHEN current_id IS NULL THEN 'new' WHEN video_id IS NULL THEN 'orphaned' ELSE 'stale' END
    AS sqlxy_change,
  coalesce(video_id, current_id) AS video_id, path, duration_s,
  p_audio AS sqlxy_provenance__audio, p_frames AS sqlxy_provenance__frames,
  lower(hex(MD5(p_audio || '|' || p_frames))) AS sqlxy_provenance,
  concat_ws(',', CASE WHEN audio_changed THEN 'audio' END, CASE WHEN frames_changed THEN 'frames' END)
    AS sqlxy_stale_fields
FROM compared
WHERE current_id IS NULL OR video_id IS NULL OR audio_changed OR frames_changed OR chunks_changed
SETTINGS join_use_nulls = 1
"""

CH_FACES = f"""
WITH chunk AS ({_ch_latest("video__chunk", "video_chunk_id", {
    "video_id": "video_id", "dv_frames": "sqlxy_data_version__frames"})}),
expected AS (
  SELECT video_chunk_id, video_id,
    lower(hex(MD5('video/faces:faces|__initial__|video/chunk:frames|' || coalesce(dv_frames, '')))) AS p_faces
  FROM chunk WHERE sqlxy_deleted_at IS NULL
),
faces AS ({_ch_latest("video__faces", "video_chunk_id", {"p_faces": "sqlxy_provenance__faces"})}),
current AS (SELECT video_chunk_id, p_faces FROM faces WHERE sqlxy_deleted_at IS NULL)
SELECT
  CASE WHEN c.video_chunk_id IS NULL THEN 'new' WHEN e.video_chunk_id IS NULL THEN 'orphaned'
    ELSE 'stale' END AS sqlxy_change,
  coalesce(e.video_chunk_id, c.video_chunk_id) AS video_chunk_id, e.video_id,
  e.p_faces AS sqlxy_provenance__faces, lower(hex(MD5(e.p_faces))) AS sqlxy_provenance,
  CASE WHEN e.p_faces <> c.p_faces THEN 'faces' ELSE '' END AS sqlxy_stale_fields
FROM expected AS e FULL JOIN current AS c ON e.video_chunk_id = c.video_chunk_id
WHERE c.video_chunk_id IS NULL OR e.video_chunk_id IS NULL OR e.p_faces <> c.p_faces
SETTINGS join_use_nulls = 1
"""

# -- Spark: DuckDB's queries with the latest row picked in a subquery (Spark has no QUALIFY); its
# md5 is lowercase hex as DuckDB's. On sqlxy's tables, bucketed by the ids, the ranking reads each
# bucket in place, as sqlxy's does.
_QUALIFIED = re.compile(r"SELECT (?P<columns>[^\n]*)\nFROM (?P<table>\w+)\n"
                        r"QUALIFY (?P<rank>ROW_NUMBER\(\) OVER \([^\n]*\)) = 1")


def _subquery_latest(sql: str) -> str:
    return _QUALIFIED.sub(r"SELECT * FROM (SELECT \g<columns>, \g<rank> AS sqlxy_rank FROM \g<table>) AS ranked "
                          r"WHERE sqlxy_rank = 1", sql)


SPARK_CHUNK, SPARK_FACES = _subquery_latest(CHUNK), _subquery_latest(FACES)

#: Per engine (bench/engines.py), the hand-written query of each feature's resolve.
EXPERT: dict[str, dict[str, str]] = {
    "duckdb": QUERIES,
    "postgres": {"video/chunk": PG_CHUNK, "video/faces": PG_FACES},
    "clickhouse": {"video/chunk": CH_CHUNK, "video/faces": CH_FACES},
    "spark": {"video/chunk": SPARK_CHUNK, "video/faces": SPARK_FACES},
}
