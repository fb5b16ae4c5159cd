"""Every expansion settles (SPEC §6, since 0.2), on every executing engine: parents without
children, deleted children restored, materialize checking what it computes, and SQL definition
changes (SPEC §4) making the computed rows stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

import sqlxy
from sqlxy.errors import InputError

from .conftest import REPO, write_features, write_videos
from .engines import postgres_dsn, run_native, spark_session  # noqa: F401  (fixtures)

NO_CHANGE = {"new": 0, "stale": 0, "orphaned": 0}


def _chunk_ids(store: sqlxy.Store) -> list[str]:
    return sorted(store.read("video/chunk")["video_chunk_id"].to_pylist())


def test_zero_and_null_length_videos_settle(store: sqlxy.Store) -> None:
    write_videos(store, [0.0, None, 25.0])
    assert store.resolve("video/chunk").counts() == {"new": 3, "stale": 0, "orphaned": 0}
    assert store.materialize("video/chunk") == {"written": 3, "empty": 2, "retired": 0}
    assert store.resolve("video/chunk").counts() == NO_CHANGE
    assert store.materialize("video/chunk") == {"written": 0, "empty": 0, "retired": 0}
    # the rows that record a parent without children are not samples, here or downstream
    assert _chunk_ids(store) == ["v3_0", "v3_1", "v3_2"]
    assert store.resolve("video/faces").counts()["new"] == 3
    assert {r["feature"]: r["rows"] for r in store.status()}["video/chunk"] == 3


def test_rewriting_a_video_to_zero_seconds_retires_its_chunks(store: sqlxy.Store) -> None:
    write_videos(store, [30.0, 45.0])
    store.materialize("video/chunk")
    write_videos(store, [0.0, 45.0], audio="b")
    assert store.resolve("video/chunk").counts() == {"new": 0, "stale": 2, "orphaned": 0}
    store.materialize("video/chunk")
    assert store.resolve("video/chunk").counts() == NO_CHANGE
    assert _chunk_ids(store) == [f"v2_{i}" for i in range(5)]
    # and back: the parent gets children again, which retires its empty record
    write_videos(store, [20.0, 45.0], audio="c")
    store.materialize("video/chunk")
    assert store.resolve("video/chunk").counts() == NO_CHANGE
    assert _chunk_ids(store) == ["v1_0", "v1_1"] + [f"v2_{i}" for i in range(5)]


def test_a_deleted_chunk_is_restored_by_materialize(store: sqlxy.Store) -> None:
    write_videos(store, [30.0, 45.0])
    store.materialize("video/chunk")
    assert store.delete("video/chunk", "video_chunk_id = 'v1_1'") == 1
    increment = store.resolve("video/chunk")
    assert increment.stale.select(["video_id", "sqlxy_stale_fields", "sqlxy_stale_reason"]).to_pylist() == [
        {"video_id": "v1", "sqlxy_stale_fields": [], "sqlxy_stale_reason": "children"}]
    store.materialize("video/chunk")
    assert "v1_1" in _chunk_ids(store)
    assert store.resolve("video/chunk").counts() == NO_CHANGE
    store.delete("video/chunk", "video_chunk_id = 'v2_4'", hard=True)
    assert store.resolve("video/chunk").counts()["stale"] == 1
    store.materialize("video/chunk")
    assert len(_chunk_ids(store)) == 3 + 5


def test_deleting_an_empty_parent_record_processes_the_parent_again(store: sqlxy.Store) -> None:
    write_videos(store, [0.0, 45.0])
    store.materialize("video/chunk")
    store.delete("video/chunk", "video_id = 'v1'")
    assert store.resolve("video/chunk").new["video_id"].to_pylist() == ["v1"]
    store.materialize("video/chunk")
    store.delete("video/chunk", "video_id = 'v1'", hard=True)
    assert store.resolve("video/chunk").new["video_id"].to_pylist() == ["v1"]
    assert len(_chunk_ids(store)) == 5  # v2's chunks untouched by either delete


def test_an_orphaned_empty_parent_is_retired(store: sqlxy.Store) -> None:
    write_videos(store, [0.0, 45.0])
    store.materialize("video/chunk")
    store.delete("video/raw", "video_id = 'v1'")
    assert store.resolve("video/chunk").orphaned.to_pylist() == [{"video_id": "v1"}]
    assert store.materialize("video/chunk")["retired"] == 1
    assert store.resolve("video/chunk").counts() == NO_CHANGE


USER_CHUNKS = """
key: video/clip
id_columns: [clip_id]
columns: {video_id: string, clip_id: string}
deps:
  - feature: video/raw
    lineage: {expansion: {on: [video_id]}}
    select: [duration_s]
"""


def test_a_writer_says_a_parent_has_no_children(engine_dir: Path) -> None:
    write_features(engine_dir, {"video/clip.yaml": USER_CHUNKS})
    with sqlxy.load_project(engine_dir).store() as store:
        write_videos(store, [30.0, 0.0])
        todo = store.resolve("video/clip").to_write()
        v1, v2 = todo.slice(0, 1), todo.slice(1, 1)
        children = v1.append_column("clip_id", pa.array(["v1_a"]))
        assert store.write("video/clip", children, empty_parents=v2) == 2
        assert store.resolve("video/clip").counts() == NO_CHANGE
        assert store.read("video/clip")["clip_id"].to_pylist() == ["v1_a"]
        # v1 turns out to have no children after all: its clip is retired in the same write
        assert store.write("video/clip", None, empty_parents=v1) == 1
        assert store.read("video/clip").num_rows == 0
        assert store.resolve("video/clip").counts() == NO_CHANGE


def test_empty_parents_are_checked(seed_store: sqlxy.Store) -> None:
    write_videos(seed_store, [30.0, 45.0])
    todo = seed_store.resolve("video/chunk").to_write()
    before = seed_store.read("video/chunk", include_deleted=True).num_rows
    with pytest.raises(InputError, match="given both children and as a parent without children"):
        seed_store.write("video/chunk", todo.slice(0, 1).append_column("video_chunk_id", pa.array(["x"])),
                         empty_parents=todo.slice(0, 1))
    with pytest.raises(InputError, match="no child id"):
        seed_store.write("video/chunk", None,
                         empty_parents=todo.append_column("video_chunk_id", pa.array(["x", "y"])))
    with pytest.raises(InputError, match="appear more than once"):
        seed_store.write("video/chunk", None, empty_parents=pa.concat_tables([todo, todo]))
    with pytest.raises(InputError, match="without partial"):
        seed_store.write("video/chunk", None, empty_parents=todo, partial=True)
    with pytest.raises(InputError, match="only expansion features"):
        seed_store.write("video/faces", None, empty_parents=todo)
    assert seed_store.read("video/chunk", include_deleted=True).num_rows == before


DUPLICATE_CHUNKS = 'video_chunk_id: "video_id"'


def test_materialize_refuses_duplicate_generated_ids(engine_dir: Path) -> None:
    chunk = engine_dir / "features/video/chunk.yaml"
    chunk.write_text(chunk.read_text().replace(
        "video_chunk_id: \"video_id || '_' || CAST(chunk_index AS VARCHAR)\"", DUPLICATE_CHUNKS))
    with sqlxy.load_project(engine_dir).store() as store:
        write_videos(store, [30.0])
        with pytest.raises(InputError, match=r"video/chunk: materialize .* nothing written: 1 id\(s\) appear "
                                             r"more than once \(e.g. 'v1'\)"):
            store.materialize("video/chunk")
        assert store.read("video/chunk", include_deleted=True).num_rows == 0


NULL_CHUNKS = "video_chunk_id: \"CASE WHEN chunk_index < 2 THEN video_id || '_' || CAST(chunk_index AS VARCHAR) END\""


def test_materialize_refuses_null_generated_ids(engine_dir: Path) -> None:
    chunk = engine_dir / "features/video/chunk.yaml"
    chunk.write_text(chunk.read_text().replace(
        "video_chunk_id: \"video_id || '_' || CAST(chunk_index AS VARCHAR)\"", NULL_CHUNKS))
    with sqlxy.load_project(engine_dir).store() as store:
        write_videos(store, [30.0])
        with pytest.raises(InputError, match=r"id column 'video_chunk_id' is NULL in 1 row\(s\) \(e.g. the row "
                                             r"with video_id = 'v1'\)"):
            store.materialize("video/chunk")
        assert store.read("video/chunk", include_deleted=True).num_rows == 0


SOURCED = """
key: media/clip
id_columns: [clip_id]
columns: {clip_id: string, title: string}
fields: [audio]
source: {query: "SELECT clip_id, title, audio_sha FROM raw_clips WHERE title <> 'skip'", versions: {audio: audio_sha}}
"""


def _sourced_project(engine_dir: Path, query: str | None = None) -> sqlxy.Project:
    shutil.rmtree(engine_dir / "features")
    text = SOURCED if query is None else SOURCED.replace(
        "SELECT clip_id, title, audio_sha FROM raw_clips WHERE title <> 'skip'", query)
    write_features(engine_dir, {"clip.yaml": text})
    return sqlxy.load_project(engine_dir)


@pytest.mark.parametrize(("rows", "message"), [
    ("SELECT 'a' AS clip_id, 'A' AS title, 'x1' AS audio_sha UNION ALL SELECT 'a', 'B', 'x2'",
     r"1 id\(s\) appear more than once \(e.g. 'a'\)"),
    ("SELECT 'a' AS clip_id, 'A' AS title, 'x1' AS audio_sha UNION ALL SELECT NULL, 'B', 'x2'",
     r"id column 'clip_id' is NULL in 1 row\(s\) \(e.g. the row with title = 'B'\)"),
])
def test_materialize_refuses_bad_source_rows(engine_dir: Path, rows: str, message: str) -> None:
    with _sourced_project(engine_dir).store() as store:
        if store.config.schema:
            pytest.skip("the source query names an unqualified table")
        run_native(store, f"CREATE TABLE raw_clips AS {rows}")
        with pytest.raises(InputError, match=message):
            store.materialize("media/clip")
        assert store.read("media/clip", include_deleted=True).num_rows == 0


def test_a_source_query_change_makes_the_root_stale(engine_dir: Path) -> None:
    with _sourced_project(engine_dir).store() as store:
        if store.config.schema:
            pytest.skip("the source query names an unqualified table")
        run_native(store, "CREATE TABLE raw_clips AS SELECT 'a' AS clip_id, 'A' AS title, 'x1' AS audio_sha "
                       "UNION ALL SELECT 'b', 'skip', 'x2'")
        assert store.materialize("media/clip")["written"] == 1
    cosmetic = "select clip_id, title, audio_sha  /* the clips */ from   raw_clips where title <> 'skip'"
    with _sourced_project(engine_dir, cosmetic).store() as store:
        assert store.resolve("media/clip").counts() == NO_CHANGE
    changed = "SELECT clip_id, title, audio_sha FROM raw_clips WHERE title <> 'none'"
    with _sourced_project(engine_dir, changed).store() as store:
        increment = store.resolve("media/clip")
        assert increment.stale["clip_id"].to_pylist() == ["a"]
        assert increment.stale["sqlxy_stale_fields"].to_pylist() == [["audio"]]
        assert increment.new["clip_id"].to_pylist() == ["b"]


def test_cli_write_takes_empty_parents(tmp_path: Path) -> None:
    from sqlxy.cli import main

    shutil.copytree(REPO / "features", tmp_path / "features")
    write_features(tmp_path, {"video/clip.yaml": USER_CHUNKS})
    with sqlxy.load_project(tmp_path).store() as store:
        write_videos(store, [30.0])
    assert main(["resolve", "video/clip", "--out", str(tmp_path / "todo.parquet"), "--project", str(tmp_path)]) == 0
    assert main(["write", "video/clip", "--empty-parents", str(tmp_path / "todo.parquet"),
                 "--project", str(tmp_path)]) == 0
    with sqlxy.load_project(tmp_path).store() as store:
        assert store.resolve("video/clip").counts() == NO_CHANGE
    assert main(["write", "video/clip", "--project", str(tmp_path)]) == 1


@pytest.mark.parametrize(("column", "value", "message"), [
    ("start_s: float", "CASE WHEN chunk_index = 1 THEN CAST('inf' AS DOUBLE) ELSE chunk_index * 10.0 END",
     r"column 'start_s' holds a non-finite float \(inf or nan\) in 1 row\(s\)"),
    ("start_s: int", "chunk_index * 2.5", r"column 'start_s' holds a fractional value for an int column"),
])
def test_materialize_checks_computed_values(engine_dir: Path, column: str, value: str, message: str) -> None:
    chunk = engine_dir / "features/video/chunk.yaml"
    chunk.write_text(chunk.read_text().replace("start_s: float", column)
                     .replace('start_s: "chunk_index * 10.0"', f'start_s: "{value}"'))
    with sqlxy.load_project(engine_dir).store() as store:
        write_videos(store, [30.0])
        with pytest.raises(InputError, match=message):
            store.materialize("video/chunk")
        assert store.read("video/chunk", include_deleted=True).num_rows == 0


def test_a_fractional_count_means_its_whole_part_on_every_engine(engine_dir: Path) -> None:
    chunk = engine_dir / "features/video/chunk.yaml"
    chunk.write_text(chunk.read_text().replace('count: "CAST(CEIL(duration_s / 10.0) AS INT)"',
                                               'count: "duration_s / 20.0"'))
    with sqlxy.load_project(engine_dir).store() as store:
        write_videos(store, [30.0, 50.0, 10.0])  # 1.5, 2.5 and 0.5 chunks
        assert store.materialize("video/chunk") == {"written": 3, "empty": 1, "retired": 0}
        assert _chunk_ids(store) == ["v1_0", "v2_0", "v2_1"]
        assert store.resolve("video/chunk").counts() == NO_CHANGE
