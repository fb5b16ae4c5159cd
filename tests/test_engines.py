"""The store's operations on every executing engine: deletes, orphans, predicates, status, push,
materialize from a source table, re-chunking, evolving specs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

import sqlxy
from sqlxy.compiler.sqlparts import table_ref

from .conftest import SEED_VIDEOS, write_features
from .engines import postgres_dsn, run_native, spark_session  # noqa: F401  (fixtures)


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
    assert status["video/faces"] == {"feature": "video/faces", "rows": 13, "new": 0, "stale": 0, "orphaned": 0,
                                     "waiting_on": []}
    assert status["video/raw"]["rows"] == 3 and status["video/raw"]["new"] is None
    assert store.push() is True and store.push() is False
    history = store.adapter.fetch_arrow(store._native(
        f"SELECT * FROM {table_ref('sqlxy_graph_history', store.project.config.schema)}"))
    assert sorted(history["feature_key"].to_pylist()) == ["video/chunk", "video/faces", "video/raw"]
    assert set(history["project_version"].to_pylist()) == {store.project.versions.project}


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
        schema = store.project.config.schema
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
        columns = store.adapter.columns("video__faces", store.project.config.schema)
        assert "sqlxy_provenance__boxes" in columns and "sqlxy_data_version__boxes" in columns
