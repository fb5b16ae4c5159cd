"""An attacker's pass over issue 7 (SPEC 0.2): empty-parent records, the child-count comparison,
the SQL definition D and materialize's checks. Each test reproduces a way sqlxy was silently
wrong; the ones still open are marked xfail(strict=True)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sqlxy
from sqlxy.compiler import transpile
from sqlxy.errors import InputError, SpecError

from .conftest import REPO, SEED_VIDEOS, write_features, write_videos

NO_CHANGE = {"new": 0, "stale": 0, "orphaned": 0}


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    import shutil

    shutil.copytree(REPO / "features", tmp_path / "features")
    return write_features(tmp_path, files)


def _edit_chunk(root: Path, old: str, new: str) -> None:
    chunk = root / "features/video/chunk.yaml"
    text = chunk.read_text()
    assert old in text
    chunk.write_text(text.replace(old, new))


# -- empty-parent records ---------------------------------------------------------------------

PIECES_BY_PATH = """
key: video/piece
id_columns: [path]
columns: {video_id: string, path: string, idx: int}
deps:
  - feature: video/raw
    lineage:
      expansion:
        on: [video_id]
        generate:
          count: "CAST(CEIL(duration_s / 10.0) AS INT)"
          index: idx
          columns: {path: "path || '#' || CAST(idx AS VARCHAR)"}
"""


def test_empty_parent_record_of_a_child_id_named_like_a_parent_column(tmp_path: Path) -> None:
    """The child id `path` is computed by generate but is also a parent column. The record of a
    0-second video copied the parent's `path` into it, so it was a sample (`v1.mp4`): shown by
    `read`, counted as a child (stale forever) and appended again by every materialize."""
    with sqlxy.load_project(_project(tmp_path, {"video/piece.yaml": PIECES_BY_PATH})).store() as store:
        write_videos(store, [0.0, 20.0])
        assert store.materialize("video/piece") == {"written": 2, "empty": 1, "retired": 0}
        assert sorted(store.read("video/piece")["path"].to_pylist()) == ["v2.mp4#0", "v2.mp4#1"]
        assert store.resolve("video/piece").counts() == NO_CHANGE
        assert store.materialize("video/piece") == {"written": 0, "empty": 0, "retired": 0}


def test_generate_columns_cannot_recompute_the_on_column(tmp_path: Path) -> None:
    """Children whose `on` column is computed (`upper(video_id)`) belong to no parent: every
    resolve saw all parents new and all children orphaned, and every materialize rewrote them."""
    spec = PIECES_BY_PATH.replace("id_columns: [path]", "id_columns: [path, video_id]").replace(
        "columns: {path:", 'columns: {video_id: "upper(video_id)", path:')
    with pytest.raises(SpecError, match=r"generate\.columns 'video_id' is an expansion\.on column"):
        sqlxy.load_project(_project(tmp_path, {"video/piece.yaml": spec}))


def test_generate_index_cannot_shadow_a_parent_column(tmp_path: Path) -> None:
    """`index: duration_s` gave every child the parent's duration instead of 0, 1, ... (silently
    so when a parent has at most one child)."""
    spec = PIECES_BY_PATH.replace("index: idx", "index: duration_s").replace(
        "CAST(idx AS VARCHAR)", "CAST(duration_s AS VARCHAR)").replace("idx: int", "duration_s: float")
    with pytest.raises(SpecError, match=r"generate\.index 'duration_s' is also a parent column"):
        sqlxy.load_project(_project(tmp_path, {"video/piece.yaml": spec}))


SEGMENTS = """
key: video/seg
id_columns: [video_id, seg]
columns: {video_id: string, seg: int, start: float}
fields: [audio]
deps:
  - feature: video/raw
    lineage:
      expansion:
        on: [video_id]
        generate:
          count: "CAST(duration_s / 10 AS INT)"
          index: seg
          columns: {start: "seg * 10.0"}
    select: [duration_s]
"""


def test_int_child_id_beside_the_on_column_settles_through_deletes(tmp_path: Path) -> None:
    """Guard: id_columns [video_id, seg int]; empty parents, re-chunking, soft and hard deletes and
    orphan retirement all settle."""
    with sqlxy.load_project(_project(tmp_path, {"video/seg.yaml": SEGMENTS})).store() as store:
        write_videos(store, [30.0, 0.0])
        assert store.materialize("video/seg") == {"written": 3, "empty": 1, "retired": 0}
        write_videos(store, [0.0, 20.0], audio="b")
        store.materialize("video/seg")
        assert store.resolve("video/seg").counts() == NO_CHANGE
        assert sorted((r["video_id"], r["seg"]) for r in store.read("video/seg").to_pylist()) == [
            ("v2", 0), ("v2", 1)]
        for hard in (False, True):
            store.delete("video/seg", "seg = 1", hard=hard)
            assert store.resolve("video/seg").stale["sqlxy_stale_reason"].to_pylist() == ["children"]
            store.materialize("video/seg")
            assert store.resolve("video/seg").counts() == NO_CHANGE
        store.delete("video/raw", "video_id = 'v1'")
        assert store.materialize("video/seg")["retired"] == 1
        assert store.resolve("video/seg").counts() == NO_CHANGE
        assert store.read("video/seg").num_rows == 2


# -- materialize checks -----------------------------------------------------------------------

def test_generated_ids_taken_from_another_parent_are_refused(tmp_path: Path) -> None:
    """Child ids that do not include the parent key (`CAST(chunk_index AS VARCHAR)`) are unique
    within one materialize, so the check passed when v2 arrived after v1: v2's chunks '0', '1'
    silently took over v1's, v1 became new again, and every materialize flipped them back."""
    root = _project(tmp_path, {})
    _edit_chunk(root, "video_chunk_id: \"video_id || '_' || CAST(chunk_index AS VARCHAR)\"",
                'video_chunk_id: "CAST(chunk_index AS VARCHAR)"')
    with sqlxy.load_project(root).store() as store:
        write_videos(store, [20.0])
        store.materialize("video/chunk")
        write_videos(store, [20.0, 20.0])
        before = store.read("video/chunk", include_deleted=True).num_rows
        with pytest.raises(InputError, match=r"already belong to another parent.*e.g. '0'"):
            store.materialize("video/chunk")
        assert store.read("video/chunk", include_deleted=True).num_rows == before
        assert store.read("video/chunk")["video_id"].to_pylist() == ["v1", "v1"]


def test_ids_may_move_between_parents_that_are_rewritten_together(tmp_path: Path) -> None:
    """Guard for the check above: an orphaned parent's ids may be taken by a new one."""
    root = _project(tmp_path, {})
    _edit_chunk(root, "video_chunk_id: \"video_id || '_' || CAST(chunk_index AS VARCHAR)\"",
                'video_chunk_id: "CAST(chunk_index AS VARCHAR)"')
    with sqlxy.load_project(root).store() as store:
        write_videos(store, [20.0])
        store.materialize("video/chunk")
        store.delete("video/raw", "video_id = 'v1'")
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS.slice(1, 1)).to_write())
        store.materialize("video/chunk")
        assert store.resolve("video/chunk").counts() == NO_CHANGE
        assert sorted(store.read("video/chunk")["video_id"].to_pylist()) == ["v2"] * 5


def test_materialize_refuses_a_fractional_value_for_an_int_column(tmp_path: Path) -> None:
    root = _project(tmp_path, {})
    _edit_chunk(root, "start_s: float", "start_s: int")
    _edit_chunk(root, 'start_s: "chunk_index * 10.0"', 'start_s: "chunk_index * 2.5"')
    with sqlxy.load_project(root).store() as store:
        write_videos(store, [20.0])
        with pytest.raises(InputError, match="start_s"):
            store.materialize("video/chunk")


def test_materialize_refuses_a_non_finite_float(tmp_path: Path) -> None:
    root = _project(tmp_path, {})
    _edit_chunk(root, 'start_s: "chunk_index * 10.0"', 'start_s: "10.0 / chunk_index"')
    with sqlxy.load_project(root).store() as store:
        write_videos(store, [20.0])
        with pytest.raises(InputError, match="non-finite"):
            store.materialize("video/chunk")


# -- the SQL definition D ---------------------------------------------------------------------

SOURCED = """
key: media/clip
id_columns: [clip_id]
columns: {clip_id: string, title: string}
fields: [audio]
source: {table: raw_clips, versions: {audio: audio_sha}}
"""


def test_declaring_another_source_table_column_makes_the_root_stale(tmp_path: Path) -> None:
    write_features(tmp_path, {"clip.yaml": SOURCED})
    with sqlxy.load_project(tmp_path).store() as store:
        for sql in transpile("CREATE TABLE raw_clips AS SELECT 'a' AS clip_id, 'A' AS title, "
                             "'long' AS kind, 'x1' AS audio_sha", store.adapter.dialect):
            store.adapter.execute(sql)
        store.materialize("media/clip")
    write_features(tmp_path, {"clip.yaml": SOURCED.replace("title: string}", "title: string, kind: string}")})
    with sqlxy.load_project(tmp_path).store() as store:
        assert store.read("media/clip")["kind"].to_pylist() == [None]
        # the stored row lacks `kind`, which the source has: it must not look settled
        assert store.resolve("media/clip").counts() != NO_CHANGE
