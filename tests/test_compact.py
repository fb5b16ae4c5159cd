"""`compact` (issue 9): a feature table rewritten to its current rows plus the history kept.

On every engine: after writes, rewrites, a code bump, soft deletes and materialize, compacting
leaves `read`, `status` and every increment exactly as they were, keeps exactly the rows the
Python reference below keeps, and a run stopped before any of its statements loses no current row.
On DuckDB: durations against backdated rows, the CLI and its bad input, and a property test."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlglot import exp

import sqlxy
from sqlxy.cli import main
from sqlxy.compiler import CompactParams, Query
from sqlxy.errors import InputError
from sqlxy.store.compact import parse_history

from .conftest import SEED_VIDEOS, write_videos
from .engines import fetch_native, postgres_dsn, run_native, spark_session  # noqa: F401  (fixtures)

KEYS = ("video/raw", "video/chunk", "video/faces")
#: Root samples a resolve of video/raw is given: v1 missing (orphaned), v4 new, the rest as stored.
RAW_SAMPLES = pa.concat_tables([SEED_VIDEOS.slice(1), pa.table({
    "video_id": ["v4"], "path": ["v4.mp4"], "duration_s": [12.0], "audio_version": ["a4"],
    "frames_version": ["f4"]})])
#: What differs between two databases given the same steps: the clock, and the commit numbers
#: (a compact is a write of its own, so the compacted database counts more of them).
STAMPS = ("sqlxy_created_at", "sqlxy_updated_at", "sqlxy_deleted_at", "sqlxy_commit")


# -- helpers ----------------------------------------------------------------------------------

def bump_frames(root: Path, version: str) -> None:
    """A code bump: video/raw's frames field gets code_version `version`."""
    raw = root / "features/video/raw.yaml"
    text = raw.read_text(encoding="utf-8")
    start = text.index("- key: frames")
    line = text.index("code_version:", start)
    end = text.index("\n", line)
    raw.write_text(text[:line] + f'code_version: "{version}"' + text[end:], encoding="utf-8")


def write_faces(store: sqlxy.Store) -> None:
    """Process video/faces as a worker would: the new and stale rows, each with a face count."""
    rows = store.resolve("video/faces").to_write()
    if rows.num_rows:
        store.write("video/faces", rows.append_column("num_faces", pc.utf8_length(rows["video_chunk_id"])))


def rows_of(table: pa.Table, drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    kept = [c for c in table.column_names if c not in drop]
    return sorted(table.select(kept).to_pylist(), key=repr)


def answers(store: sqlxy.Store, drop: tuple[str, ...] = (), status: bool = True) -> dict[str, Any]:
    """Everything a caller can ask: read and every increment of each feature, and status (which
    counts what these list; how the last resolve was computed aside, which the resolves change)."""
    rows = [{k: v for k, v in r.items() if k != "last_resolve"} for r in store.status()] if status else []
    seen: dict[str, Any] = {"status": sorted(rows, key=lambda r: r["feature"]) if status else None}
    for key in KEYS:
        seen[f"{key} read"] = rows_of(store.read(key), drop)
        increment = store.resolve(key, samples=RAW_SAMPLES if key == "video/raw" else None)
        for change in ("new", "stale", "orphaned"):
            seen[f"{key} {change}"] = rows_of(getattr(increment, change))
    return seen


def stored(store: sqlxy.Store, key: str) -> list[dict[str, Any]]:
    """Every row of the feature table, history and tombstones included."""
    table = exp.table_(store.compiler.table_name(key), db=store.config.schema, quoted=True).sql("duckdb")
    return fetch_native(store, f"SELECT * FROM {table}").to_pylist()


def kept_by_reference(store: sqlxy.Store, key: str, rows: list[dict[str, Any]], keep: int) -> set[tuple]:
    """The rows `compact(key, keep_history=keep)` keeps, computed in Python from every stored row:
    per sample (an expansion's parent records per parent) the current row and the `keep` before
    it; a deleted sample none when none of those older rows is kept."""
    model = store.compiler.model(key)
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        record = model.child_id is not None and row[model.child_id] is None
        groups[(record, *(row[c] for c in (model.keys if record else model.ids)))].append(row)
    kept = set()
    for group, members in groups.items():
        current, *older = sorted(members, key=lambda r: r["sqlxy_updated_at"], reverse=True)
        older = older[:keep]
        if current["sqlxy_deleted_at"] is None or older:
            kept |= {(group, r["sqlxy_updated_at"]) for r in [current, *older]}
    return kept


def grouped(store: sqlxy.Store, key: str, rows: list[dict[str, Any]]) -> set[tuple]:
    """Each stored row as (its sample or parent record, its sqlxy_updated_at)."""
    model = store.compiler.model(key)
    out = set()
    for row in rows:
        record = model.child_id is not None and row[model.child_id] is None
        out.add(((record, *(row[c] for c in (model.keys if record else model.ids))), row["sqlxy_updated_at"]))
    return out


def history(engine_dir: Path) -> None:
    """Writes, rewrites, a code bump, soft deletes and materialize; work left pending in every
    feature (new, stale with and without provenance changes, orphaned)."""
    with sqlxy.load_project(engine_dir).store() as store:
        write_videos(store, [30.0, 0.0, 50.0])              # v2 has no chunks: a parent record
        store.materialize("video/chunk")
        write_faces(store)
        write_videos(store, [20.0, 10.0, 0.0], audio="b")   # v1 loses a chunk, v2 gains one, v3 all
        store.materialize("video/chunk")
    bump_frames(engine_dir, "2")
    with sqlxy.load_project(engine_dir).store() as store:
        write_videos(store, [20.0, 10.0, 0.0], audio="b")   # rewritten for the bump alone
        store.materialize("video/chunk")
        write_faces(store)                                  # v1_2 and v3's faces stay orphaned
        store.delete("video/faces", "video_chunk_id = 'v1_0'")
        store.delete("video/chunk", "video_chunk_id = 'v1_1'")
        store.delete("video/raw", "video_id = 'v2'")        # chunk v2_0 orphaned, pending


# -- every engine -----------------------------------------------------------------------------

def test_compact_changes_no_answer_and_keeps_what_the_reference_keeps(engine_dir: Path) -> None:
    history(engine_dir)
    with sqlxy.load_project(engine_dir).store() as store:
        before = answers(store)
        assert before["video/chunk stale"] and before["video/faces new"] and before["video/faces orphaned"]
        for keep in (2, "1d", 1, None):  # a day keeps every row written by this test
            for key in KEYS:
                rows = stored(store, key)
                counts = store.compact(key, keep_history=keep)
                expected = kept_by_reference(store, key, rows, keep=len(rows) if keep == "1d" else keep or 0)
                assert grouped(store, key, stored(store, key)) == expected, (key, keep)
                assert counts == {"rows_before": len(rows), "rows_after": len(expected),
                                  "removed": len(rows) - len(expected)}
            assert answers(store) == before, keep
        # no history: the current rows, and the one current record of a parent without children (v3)
        assert [len(stored(store, k)) for k in KEYS] == [len(before[f"{k} read"]) + (k == "video/chunk")
                                                         for k in KEYS]
        assert store.compact("video/chunk") == {"rows_before": 3, "rows_after": 3, "removed": 0}


def _stop_before(store: sqlxy.Store, monkeypatch: pytest.MonkeyPatch, statement: str) -> None:
    """Ctrl-C as the engine is about to run `statement`."""
    execute: Callable[[str], None] = store.adapter.execute

    def interrupted(sql: str) -> None:
        if sql == statement:
            raise KeyboardInterrupt
        execute(sql)

    monkeypatch.setattr(store.adapter, "execute", interrupted)


def test_compact_stopped_before_either_delete_loses_no_current_row(
        engine_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history(engine_dir)
    with sqlxy.load_project(engine_dir).store() as store:
        before = answers(store)
        statements = store.compiler.statements("video/raw", Query.COMPACT, store.adapter.dialect, CompactParams())
        # the second DELETE starts halfway (Spark runs each as copy, overwrite, drop)
        for stop in (statements[0], statements[len(statements) // 2]):
            rows = stored(store, "video/raw")
            _stop_before(store, monkeypatch, stop)
            with pytest.raises(KeyboardInterrupt):
                store.compact("video/raw")
            monkeypatch.undo()
            assert store.commits[-1].landed is not True
            assert answers(store) == before
            first_ran = stop != statements[0] and not store.adapter.SUPPORTS_TRANSACTIONS
            # stopped between the DELETEs: v1's and v3's old rows are gone, v2's tombstone stays
            assert len(stored(store, "video/raw")) == (3 if first_ran else len(rows))
        assert store.compact("video/raw")["rows_after"] == 2
        assert answers(store) == before


# -- DuckDB -----------------------------------------------------------------------------------

def test_a_duration_keeps_the_rows_written_within_it(seed_store: sqlxy.Store) -> None:
    store = seed_store
    write_videos(store, [30.0, 45.0, 50.0])
    store.delete("video/raw", "video_id = 'v3'")
    run_native(store, "UPDATE video__raw SET sqlxy_updated_at = sqlxy_updated_at - INTERVAL 3 DAY")
    write_videos(store, [30.0, 45.0], audio="b")  # v1, v2 rewritten now
    assert store.compact("video/raw", "4d")["removed"] == 0
    before = answers(store, drop=STAMPS)
    # 2 days: v1's and v2's rows of 3 days ago go; v3's tombstone, whose older row goes, too
    assert store.compact("video/raw", keep_history="2d") == {"rows_before": 6, "rows_after": 2, "removed": 4}
    assert answers(store, drop=STAMPS) == before
    assert store.read("video/raw", include_deleted=True)["video_id"].to_pylist() == ["v1", "v2"]


def test_a_missing_table_is_left_missing(seed_store: sqlxy.Store) -> None:
    assert seed_store.compact("video/faces") == {"rows_before": 0, "rows_after": 0, "removed": 0}
    assert seed_store.adapter.columns("video__faces", None) is None


@pytest.mark.parametrize(("value", "parsed"), [
    (None, (None, None)), (0, (0, None)), ("3", (3, None)), ("30m", (None, 1800)), ("12h", (None, 43200)),
    ("7d", (None, 604800)), ("2w", (None, 1209600)), ("0s", (None, 0))])
def test_keep_history_values(value: Any, parsed: tuple[int | None, int | None]) -> None:
    history_kept = parse_history(value)
    within = None if history_kept.within is None else history_kept.within.total_seconds()
    assert (history_kept.rows, within) == parsed


@pytest.mark.parametrize(("value", "why"), [
    (-1, "0 or more"), ("-2", "0 or more"), (1.5, "expected N"), ("1.5", "whole number"), ("7x", "expected N"),
    ("d", "expected N"), ("", "expected N"), (True, "expected N"), ("7 d", "expected N")])
def test_bad_keep_history_is_refused_and_writes_nothing(seed_store: sqlxy.Store, value: Any, why: str) -> None:
    write_videos(seed_store, [30.0, 45.0])
    write_videos(seed_store, [30.0, 45.0], audio="b")
    with pytest.raises(InputError) as info:
        seed_store.compact("video/raw", keep_history=value)
    assert info.value.param == "keep_history" and why in str(info.value)
    assert str(info.value).startswith("keep_history=")
    assert len(stored(seed_store, "video/raw")) == 4


def test_cli_compact(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = ["--project", str(seed_dir)]
    with sqlxy.load_project(seed_dir).store() as store:
        write_videos(store, [30.0, 45.0, 50.0])
        write_videos(store, [30.0, 45.0, 50.0], audio="b")
    for argv, flag in [(["video/raw", "--keep-history", "1.5"], "--keep-history='1.5'"),
                       (["video/raw", "--keep-history=-1"], "--keep-history=-1"),
                       (["video/raw", "--keep-history", "-1"], "--keep-history=-1"),
                       (["video/raw", "--keep-history", "7y"], "--keep-history='7y'"),
                       (["video/nope"], "unknown feature 'video/nope'")]:
        capsys.readouterr()
        assert main(["compact", *argv, *project]) == 1
        err = capsys.readouterr().err
        assert flag in err and "keep_history" not in err and len(err.strip().splitlines()) == 1, err
    assert main(["compact", "video/raw", "--keep-history", "1", "--json", *project]) == 0
    assert json.loads(capsys.readouterr().out) == {"feature": "video/raw", "rows_before": 6, "rows_after": 6,
                                                   "removed": 0}
    assert main(["compact", "video/raw", *project]) == 0
    assert capsys.readouterr().out.strip() == "video/raw: 6 rows before, 3 after, removed 3"


def test_compiled_compact_keeps_no_history(seed_project: sqlxy.Project) -> None:
    sql = seed_project.compile("video/raw", "duckdb")["compact"]
    assert sql.count("DELETE FROM") == 2 and "sqlxy_rank >" not in sql
    kept = seed_project.compiler.render("video/raw", Query.COMPACT, "duckdb", CompactParams(keep_rows=2))
    assert "sqlxy_rank > 3" in kept
    after = CompactParams(keep_after=datetime(2026, 1, 2, 3, 4, 5, 6))
    assert "'2026-01-02 03:04:05.000006'" in seed_project.compiler.render("video/raw", Query.COMPACT, "duckdb", after)
