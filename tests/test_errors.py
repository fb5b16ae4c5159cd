"""Records of failed samples: `write_errors` / `write --errors`, resolve leaving them out while
they are expected at the provenance they failed for, `--retry-errors`, the end of a record (a
write of the sample, a new expected provenance), `errors`, `status`; on every engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlglot import exp

import sqlxy
from sqlxy.cli import main
from sqlxy.compiler.names import errors_table
from sqlxy.errors import InputError

from .conftest import SEED_VIDEOS, load_example
from .engines import fetch_native, postgres_dsn, spark_session  # noqa: F401  (fixtures)

BROKEN = ["v1_0", "v2_3"]  # two chunks whose face detection fails


def _populated(store: sqlxy.Store) -> pa.Table:
    """The seed with raw and chunks written; faces' new rows (13 chunks)."""
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    store.materialize("video/chunk")
    return store.resolve("video/faces").new


def _with_faces(rows: pa.Table) -> pa.Table:
    return rows.append_column("num_faces", pa.array([1] * rows.num_rows, pa.int64()))


def _only(rows: pa.Table, ids: list[str], keep: bool = True) -> pa.Table:
    mask = pc.is_in(rows.column("video_chunk_id"), value_set=pa.array(ids))
    return rows.filter(mask if keep else pc.invert(mask))


def _ids(rows: pa.Table) -> list[str]:
    return sorted(rows.column("video_chunk_id").to_pylist())


def _status(store: sqlxy.Store, key: str) -> dict[str, Any]:
    return next(r for r in store.status() if r["feature"] == key)


def test_recorded_failures_are_held_back_until_written(store: sqlxy.Store) -> None:
    new = _populated(store)
    assert _status(store, "video/faces")["errors"] == 0
    assert store.write_errors("video/faces", _only(new, BROKEN), message="detector crashed", run_id="r1") == 2
    store.write("video/faces", _with_faces(_only(new, BROKEN, keep=False)))
    for _ in range(2):  # the full resolve, then the maintained one where the engine keeps increments
        increment = store.resolve("video/faces")
        assert increment.counts() == {"new": 0, "stale": 0, "orphaned": 0}
        assert _ids(increment.errored) == BROKEN
        assert set(increment.errored.column("sqlxy_error").to_pylist()) == {"detector crashed"}
    row = _status(store, "video/faces")
    assert (row["new"], row["stale"], row["errors"]) == (0, 0, 2)
    retried = store.resolve("video/faces", retry_errors=True)
    assert _ids(retried.new) == BROKEN and "sqlxy_errored" not in retried.new.column_names
    records = store.errors("video/faces")
    assert _ids(records) == BROKEN and records.column("sqlxy_in_force").to_pylist() == [1, 1]
    assert records.column("sqlxy_run_id").to_pylist() == ["r1", "r1"]
    # a successful write of the sample ends its record
    store.write("video/faces", _with_faces(_only(retried.new, BROKEN[:1])))
    assert _ids(store.resolve("video/faces").errored) == BROKEN[1:]
    assert _ids(store.errors("video/faces")) == BROKEN[1:]
    assert _status(store, "video/faces")["errors"] == 1


def test_a_new_expected_provenance_ends_the_hold(store: sqlxy.Store) -> None:
    new = _populated(store)
    store.write_errors("video/faces", _only(new, BROKEN), message="detector crashed")
    store.write("video/faces", _with_faces(_only(new, BROKEN, keep=False)))
    # v2's frames change: its chunks (v2_3 among them) are expected at a new provenance
    videos = SEED_VIDEOS.set_column(SEED_VIDEOS.schema.get_field_index("frames_version"), "frames_version",
                                    pa.array(["f1", "f2-new", "f3"]))
    store.write("video/raw", store.resolve("video/raw", samples=videos).to_write())
    store.materialize("video/chunk")
    increment = store.resolve("video/faces")
    assert _ids(increment.errored) == ["v1_0"]
    assert "v2_3" in _ids(increment.new)
    records = store.errors("video/faces")
    assert dict(zip(_ids(records), records.column("sqlxy_in_force").to_pylist(), strict=True)) == {"v1_0": 1, "v2_3": 0}


def test_a_root_records_failures_too(store: sqlxy.Store) -> None:
    increment = store.resolve("video/raw", samples=SEED_VIDEOS)
    failed = increment.new.filter(pc.equal(increment.new.column("video_id"), "v2"))
    failed = failed.append_column("sqlxy_error", pa.array(["corrupt mp4"]))
    assert store.write_errors("video/raw", failed) == 1
    store.write("video/raw", increment.to_write().filter(pc.not_equal(increment.to_write().column("video_id"), "v2")))
    again = store.resolve("video/raw", samples=SEED_VIDEOS)
    assert again.counts()["new"] == 0 and again.errored.column("video_id").to_pylist() == ["v2"]
    assert again.errored.column("sqlxy_error").to_pylist() == ["corrupt mp4"]
    assert store.errors("video/raw").column("sqlxy_in_force").to_pylist() == [None]  # samples not given
    assert _status(store, "video/raw")["errors"] == 1
    # downstream never saw v2: chunk has no work for it
    assert store.resolve("video/chunk").counts()["new"] == 2


def test_hard_delete_forgets_the_records(store: sqlxy.Store) -> None:
    new = _populated(store)
    store.write("video/faces", _with_faces(new))
    store.write_errors("video/faces", _only(new, BROKEN), message="a rerun crashed")  # after the write: open
    store.delete("video/faces", "video_chunk_id = 'v1_0'", hard=True)
    table = errors_table(store.compiler.table_name("video/faces"))
    rows = exp.select("*").from_(exp.table_(table, db=store.config.schema, quoted=True)).sql("duckdb")
    held = json.dumps(fetch_native(store, rows).to_pylist(), default=str)
    assert "v1_0" not in held and "v2_3" in held


def test_bad_records_write_nothing(seed_store: sqlxy.Store) -> None:
    new = _populated(seed_store)
    broken = _only(new, BROKEN)
    cases = {
        "lack sqlxy_provenance": broken.drop_columns(["sqlxy_provenance"]),
        "lack id column": broken.drop_columns(["video_chunk_id"]),
        "no error message": broken,
        "unknown column": broken.append_column("oops", pa.array([1, 2])),
        "more than once": pa.concat_tables([broken, broken]),
        "non-empty version token": broken.set_column(broken.schema.get_field_index("sqlxy_provenance"),
                                                      "sqlxy_provenance", pa.array(["", "x"])),
    }
    for expected, rows in cases.items():
        with pytest.raises(InputError, match=expected):
            seed_store.write_errors("video/faces", rows, message=None if expected == "no error message" else "m")
    with pytest.raises(InputError, match="non-empty text"):
        seed_store.write_errors("video/faces", broken, message="  ")
    with pytest.raises(InputError, match="computed by materialize"):
        seed_store.write_errors("video/chunk", seed_store.resolve("video/chunk").stale, message="x")
    assert seed_store.errors("video/faces").num_rows == 0
    assert seed_store.adapter.columns(errors_table("video__faces"), None) is None


def _cli(root: Path, *args: str) -> int:
    return main(["--project", str(root), *args])


def test_cli(seed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlxy.load_project(seed_dir).store() as store:
        new = _populated(store)
        store.write("video/faces", _with_faces(_only(new, BROKEN, keep=False)))
    failed = tmp_path / "failed.json"
    failed.write_text(json.dumps(_only(new, BROKEN).to_pylist()), encoding="utf-8")
    capsys.readouterr()
    assert _cli(seed_dir, "write", "video/faces", "--errors", str(failed), "--message", "OOM", "--run-id", "r7") == 0
    assert capsys.readouterr().out == "video/faces: recorded 2 failed samples\n"
    assert _cli(seed_dir, "resolve", "video/faces") == 0
    assert capsys.readouterr().out.startswith(
        "video/faces: 0 new, 0 stale, 0 orphaned; 2 held back by recorded errors")
    assert _cli(seed_dir, "resolve", "video/faces", "--retry-errors", "--json") == 0
    assert _ids(pa.Table.from_pylist(json.loads(capsys.readouterr().out)["new"])) == BROKEN
    assert _cli(seed_dir, "errors", "video/faces", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["video_chunk_id"], r["sqlxy_error"], r["sqlxy_run_id"], r["sqlxy_in_force"]) for r in listed] == [
        ("v1_0", "OOM", "r7", 1), ("v2_3", "OOM", "r7", 1)]
    assert _cli(seed_dir, "errors", "video/faces") == 0
    assert capsys.readouterr().out.startswith("video/faces: 2 open records of failed samples, 2 holding")
    assert _cli(seed_dir, "status", "--json") == 0
    assert {r["feature"]: r["errors"] for r in json.loads(capsys.readouterr().out)}["video/faces"] == 2
    assert _cli(seed_dir, "write", "video/faces", "--errors", str(failed), "--input", str(failed)) == 1
    assert "in a write of its own" in capsys.readouterr().err
    assert _cli(seed_dir, "write", "video/faces", "--errors", str(failed)) == 1
    assert "no error message" in capsys.readouterr().err
    assert _cli(seed_dir, "write", "video/faces", "--input", str(failed), "--message", "x") == 1
    assert "--message goes with --errors" in capsys.readouterr().err


def test_dagster_assets_hold_back_recorded_failures(dg: Any, tmp_path: Path) -> None:
    example = load_example("dagster")
    project_dir = example.copy_project(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    with sqlxy.load_project(project_dir).store() as store:
        new = _populated(store)
        store.write_errors("video/faces", _only(new, BROKEN), message="detector crashed")
    report = example.materialize(project_dir, instance)["video/faces"]
    assert (report["new"], report["held_back"], report["written"]) == (11, 2, 11)
    with sqlxy.load_project(project_dir).store() as store:
        assert _ids(store.errors("video/faces")) == BROKEN
