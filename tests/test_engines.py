"""The store's operations on every executing engine: deletes, orphans, predicates, status, push,
materialize from a source table, re-chunking, evolving specs; each capability flag against what the
engine really does, and a materialize cut short."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import sqlxy
from sqlxy.compiler import transpile
from sqlxy.compiler.sqlparts import table_ref
from sqlxy.dialects.spark import BUCKETS
from sqlxy.errors import SqlxyError

from .conftest import SEED_VIDEOS, write_features
from .engines import fetch_native, postgres_dsn, run_native, spark_session  # noqa: F401  (fixtures)


def _populate(store: sqlxy.Store) -> None:
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    store.materialize("video/chunk")
    faces = store.resolve("video/faces").to_write()
    store.write("video/faces", faces.append_column("num_faces", pc.cast(pc.utf8_length(faces["video_chunk_id"]),
                                                                           pa.int64())))


def _rows(store: sqlxy.Store, key: str) -> int:
    return store.read(key, include_deleted=True).num_rows


def test_soft_delete_orphans_downstream_and_materialize_retires(store: sqlxy.Store) -> None:
    _populate(store)
    assert store.delete("video/raw", "video_id = 'v2'") == 1
    assert sorted(store.read("video/raw")["video_id"].to_pylist()) == ["v1", "v3"]
    assert store.read("video/raw", include_deleted=True).num_rows == 3
    assert store.resolve("video/chunk").orphaned.to_pylist() == [{"video_id": "v2"}]
    assert store.materialize("video/chunk") == {"written": 0, "empty": 0, "retired": 5}
    orphaned = sorted(store.resolve("video/faces").orphaned["video_chunk_id"].to_pylist())
    assert orphaned == [f"v2_{i}" for i in range(5)]
    # the sample comes back when its samples are resolved again
    assert store.resolve("video/raw", samples=SEED_VIDEOS).new["video_id"].to_pylist() == ["v2"]


def test_hard_delete_removes_every_row_of_the_samples(store: sqlxy.Store) -> None:
    _populate(store)
    store.delete("video/faces", "video_chunk_id LIKE 'v1_%'")
    assert store.read("video/faces", include_deleted=True).num_rows == 13
    assert store.delete("video/faces", "video_chunk_id LIKE 'v1_%'", hard=True) == 6  # 3 rows + 3 tombstones
    one_statement = len(transpile("DELETE FROM t WHERE x", store.adapter.dialect)) == 1  # Spark: four
    assert store.commits[-1].atomic is (store.adapter.SUPPORTS_TRANSACTIONS or one_statement)
    assert store.read("video/faces", include_deleted=True).num_rows == 10
    assert store.resolve("video/faces").new.num_rows == 3


def test_rechunk_supersedes_missing_children(store: sqlxy.Store) -> None:
    _populate(store)
    chunks = store.read("video/chunk")
    kept = chunks.filter(pc.and_(pc.equal(chunks["video_id"], "v2"), pc.less(chunks["chunk_index"], 2)))
    store.write("video/chunk", kept.select([c for c in kept.column_names if not c.startswith("sqlxy_") or "__" in c]))
    assert store.read("video/chunk").num_rows == 10
    assert sorted(store.resolve("video/faces").orphaned["video_chunk_id"].to_pylist()) == ["v2_2", "v2_3", "v2_4"]


def test_stale_if_status_and_push(store: sqlxy.Store) -> None:
    _populate(store)
    stale = store.resolve("video/faces", stale_if="num_faces = 4").stale  # every chunk id is 4 long
    assert stale.num_rows == 13 and set(stale["sqlxy_stale_reason"].to_pylist()) == {"predicate"}
    assert stale["sqlxy_stale_fields"].to_pylist()[0] == []
    grouped = store.resolve("video/chunk", stale_if="chunk_index >= 4").stale
    assert sorted(grouped["video_id"].to_pylist()) == ["v2", "v3"]  # parents with a 5th chunk
    status = {r["feature"]: r for r in store.status()}
    last = status["video/faces"].pop("last_resolve")  # kept where the engine keeps a change log
    assert (last is None) == (not store.adapter.SUPPORTS_TRANSACTIONS), last
    assert status["video/faces"] == {"feature": "video/faces", "rows": 13, "new": 0, "stale": 0, "orphaned": 0,
                                     "errors": 0, "waiting_on": [], "layout": "ok"}
    assert status["video/raw"]["rows"] == 3 and status["video/raw"]["new"] is None
    assert store.push() is False  # every write records the graph it writes under: already there
    history = fetch_native(store, f"SELECT * FROM {table_ref('sqlxy_graph_history', store.config.schema)}")
    assert sorted(history["feature_key"].to_pylist()) == ["video/chunk", "video/faces", "video/raw"]
    assert set(history["project_version"].to_pylist()) == {store.versions.project}


def test_rewrite_keeps_created_at(store: sqlxy.Store) -> None:
    _populate(store)
    first = store.read("video/faces", where="video_chunk_id = 'v1_0'").to_pylist()[0]
    row = {k: v for k, v in first.items() if not k.startswith("sqlxy_") or "__" in k} | {"num_faces": 99}
    store.write("video/faces", [row])
    (now,) = store.read("video/faces", where="video_chunk_id = 'v1_0'").to_pylist()
    assert now["num_faces"] == 99 and now["sqlxy_created_at"] == first["sqlxy_created_at"]
    assert now["sqlxy_updated_at"] > first["sqlxy_updated_at"]


SOURCED = """
key: media/clip
id_columns: [clip_id]
columns: {clip_id: string, title: string}
fields: [audio]
source: {table: raw_clips, versions: {audio: audio_sha}}
"""


def test_materialize_root_from_a_source_table(engine_dir: Path) -> None:
    shutil.rmtree(engine_dir / "features")
    write_features(engine_dir, {"clip.yaml": SOURCED})
    with sqlxy.load_project(engine_dir).store() as store:
        schema = store.config.schema
        table = f"{schema}.raw_clips" if schema else "raw_clips"
        if schema:
            run_native(store, f"CREATE SCHEMA IF NOT EXISTS {schema}")
        run_native(store, f"CREATE TABLE {table} AS SELECT 'a' AS clip_id, 'A' AS title, 'x1' AS audio_sha "
                       "UNION ALL SELECT 'b', 'B', 'x2'")
    if schema:
        (engine_dir / "features/clip.yaml").write_text(SOURCED.replace("raw_clips", table))
    with sqlxy.load_project(engine_dir).store() as store:
        assert store.materialize("media/clip") == {"written": 2, "empty": 0, "retired": 0}
        assert store.resolve("media/clip").counts() == {"new": 0, "stale": 0, "orphaned": 0}
        run_native(store, f"INSERT INTO {table} SELECT 'c', 'C', 'x3'")
        assert store.materialize("media/clip") == {"written": 1, "empty": 0, "retired": 0}
        assert sorted(store.read("media/clip")["clip_id"].to_pylist()) == ["a", "b", "c"]


def test_added_field_extends_the_table(engine_dir: Path) -> None:
    with sqlxy.load_project(engine_dir).store() as store:
        _populate(store)
    faces = engine_dir / "features/video/faces.yaml"
    faces.write_text(faces.read_text().replace(
        "fields:\n", "fields:\n  - key: boxes\n    deps: [{feature: video/chunk, fields: [frames]}]\n"))
    with sqlxy.load_project(engine_dir).store() as store:
        stale = store.resolve("video/faces").stale
        assert stale.num_rows == 13
        assert {tuple(f) for f in stale["sqlxy_stale_fields"].to_pylist()} == {("boxes",)}
        columns = store.adapter.columns("video__faces", store.config.schema)
        assert "sqlxy_provenance__boxes" in columns and "sqlxy_data_version__boxes" in columns


# -- capabilities: each flag holds what the engine really does -----------------------------------

def test_supports_transactions_is_what_the_engine_does(store: sqlxy.Store) -> None:
    schema = store.config.schema
    table = table_ref("sqlxy_probe", schema)
    if schema:
        run_native(store, f"CREATE SCHEMA IF NOT EXISTS {schema}")
    run_native(store, f"CREATE TABLE {table} (n INTEGER)")
    if store.adapter.SUPPORTS_TRANSACTIONS:  # a rolled-back insert leaves nothing, a committed one lands
        with pytest.raises(RuntimeError), store.adapter.transaction():
            run_native(store, f"INSERT INTO {table} VALUES (1)")
            raise RuntimeError
        assert fetch_native(store, f"SELECT * FROM {table}").num_rows == 0
        with store.adapter.transaction():
            run_native(store, f"INSERT INTO {table} VALUES (2)")
        assert fetch_native(store, f"SELECT * FROM {table}").num_rows == 1
    else:  # the engine refuses a transaction, and so does the adapter rather than pretend
        with pytest.raises(SqlxyError):
            store.adapter.execute("BEGIN TRANSACTION")
        with pytest.raises(NotImplementedError):
            store.adapter.transaction()


def _interrupt_at(store: sqlxy.Store, monkeypatch: pytest.MonkeyPatch, insert: int) -> None:
    """Ctrl-C as the store's `insert`-th INSERT statement starts (1: the first)."""
    execute: Callable[[str], None] = store.adapter.execute
    seen = []

    def interrupted(sql: str) -> None:
        if "INSERT INTO" in sql.upper():
            seen.append(sql)
            if len(seen) == insert:
                raise KeyboardInterrupt
        execute(sql)

    monkeypatch.setattr(store.adapter, "execute", interrupted)


@pytest.mark.parametrize("insert", [1, 2])
def test_materialize_cut_short_is_reported_and_completed_by_the_next(
        store: sqlxy.Store, monkeypatch: pytest.MonkeyPatch, insert: int) -> None:
    """A materialize that retires v2's chunks and writes v4's, stopped as its first (retire) or
    second (insert) statement starts: with transactions nothing landed; without, what ran has
    landed and says so. Either way the next materialize completes it."""
    _populate(store)
    store.delete("video/raw", "video_id = 'v2'")
    v4 = SEED_VIDEOS.slice(0, 1).to_pylist()[0] | {"video_id": "v4", "duration_s": 25.0}
    store.write("video/raw", store.resolve("video/raw", samples=[v4]).new)
    _interrupt_at(store, monkeypatch, insert)
    with pytest.raises(KeyboardInterrupt):
        store.materialize("video/chunk")
    monkeypatch.undo()
    commit = store.commits[-1]
    transactional = store.adapter.SUPPORTS_TRANSACTIONS
    assert (commit.operation, commit.atomic) == ("materialize", transactional)
    assert commit.state == ("rolled back" if transactional else "partial") and commit.landed is not True
    v2_left = transactional or insert == 1  # else the retire statement ran before the stop
    assert store.resolve("video/chunk").counts() == {"new": 1, "stale": 0, "orphaned": int(v2_left)}
    assert store.materialize("video/chunk") == {"written": 3, "empty": 0, "retired": 5 if v2_left else 0}
    assert store.commits[-1].state == "committed"
    assert store.resolve("video/chunk").counts() == {"new": 0, "stale": 0, "orphaned": 0}
    chunks = store.read("video/chunk")["video_chunk_id"].to_pylist()
    assert sorted(chunks) == [*(f"v1_{i}" for i in range(3)), *(f"v3_{i}" for i in range(5)), "v4_0", "v4_1", "v4_2"]


def test_spark_write_adds_one_file_per_million_rows(tmp_path: Path, spark_session: object) -> None:  # noqa: F811
    """createDataFrame cuts rows into partitions of 10,000; the staged rows are coalesced so that a
    write adds one Parquet file per bucket of the table, not one per bucket and 10,000 rows."""
    shutil.copytree(Path(__file__).resolve().parent.parent / "features", tmp_path / "features")
    (tmp_path / "sqlxy.yaml").write_text("table_prefix: coalesce_\ntargets: {dev: {type: spark, master: 'local[2]'}}\n",
                                         encoding="utf-8")
    spark_session.sql("DROP TABLE IF EXISTS coalesce_video__raw")
    n = 25_000
    videos = pa.table({"video_id": [f"v{i}" for i in range(n)], "path": [f"v{i}.mp4" for i in range(n)],
                       "duration_s": [10.0] * n, "audio_version": ["a"] * n, "frames_version": ["f"] * n})
    with sqlxy.load_project(tmp_path).store() as store:  # the shared session (getOrCreate)
        store.write("video/raw", store.resolve("video/raw", samples=videos).to_write())
        files = fetch_native(store, "SELECT COUNT(*) AS n FROM (SELECT DISTINCT input_file_name() AS f "
                                    "FROM coalesce_video__raw) AS written")
        assert store.read("video/raw").num_rows == n
    assert files["n"][0].as_py() == BUCKETS
    spark_session.sql("DROP TABLE coalesce_video__raw")
