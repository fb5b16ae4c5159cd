"""Attacks on the records of failed samples and on rebase (an attacker's pass): a compare key added
by a spec change, long messages on PostgreSQL, rebase ending records, `errors --samples` checked,
hard deletes of an expansion's children and their parent's records, values that are not text,
ClickHouse's staged relations for a DELETE."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml

import sqlxy
from sqlxy.cli import main
from sqlxy.errors import InputError

from .conftest import REPO, SEED_VIDEOS, write_features
from .engines import postgres_dsn, target_config  # noqa: F401  (fixtures)


def _cli(root: Path, *args: str) -> int:
    return main(["--project", str(root), *args])


# -- 1. a new id column: the records table is never extended -------------------------------------

DOC = """
key: doc/a
id_columns: [doc_id]
columns: {doc_id: string, part: int, title: string}
fields: [x]
source: {versions: {x: v}}
"""
DOCS = pa.table({"doc_id": ["1", "2"], "part": [0, 0], "title": ["t1", "t2"], "v": ["1", "1"]})


def test_a_new_id_column_keeps_a_feature_with_records_writable(tmp_path: Path) -> None:
    """Adding an id column (a compare key) is a spec change the feature table takes; its records
    table was created with the old keys and is never extended, so every write of the feature fails
    in errors_end, and status, errors and hard delete fail too (migrate says the layout is fine)."""
    write_features(tmp_path, {"a.yaml": DOC})
    with sqlxy.load_project(tmp_path).store() as store:
        increment = store.resolve("doc/a", samples=DOCS)
        store.write_errors("doc/a", increment.new.slice(0, 1), message="bad")
    write_features(tmp_path, {"a.yaml": DOC.replace("[doc_id]", "[doc_id, part]")})
    with sqlxy.load_project(tmp_path).store() as store:  # the old record names no sample (part is NULL in it)
        assert [r["errors"] for r in store.status() if r["feature"] == "doc/a"] == [0]
        assert store.errors("doc/a").num_rows == 0
        increment = store.resolve("doc/a", samples=DOCS)
        assert increment.errored.num_rows == 0 and increment.counts()["new"] == 2
        store.write_errors("doc/a", increment.new.slice(0, 1), message="bad again")
        assert store.errors("doc/a").num_rows == 1
        rows = store.resolve("doc/a", samples=DOCS, retry_errors=True).to_write()
        assert store.write("doc/a", rows) == 2
        assert store.errors("doc/a").num_rows == 0
        assert store.delete("doc/a", "title = 't1'", hard=True) == 1


# -- 2. PostgreSQL: a long message makes every resolve of the feature crash -----------------------

def test_long_error_messages_on_postgres(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A traceback as the message: PostgresAdapter.fetch_arrow read COPY's CSV in pyarrow's 1 MB
    blocks, so a message of a few MB made every resolve of the feature fail. A message up to the cap
    is read back whole; a longer one is refused in one line, nothing written."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    (tmp_path / "sqlxy.yaml").write_text(yaml.safe_dump(target_config("postgres", request, tmp_path)))
    with sqlxy.load_project(tmp_path).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
        store.materialize("video/chunk")
        new = store.resolve("video/faces").new
        with pytest.raises(InputError, match="longer than 1,000,000 characters"):
            store.write_errors("video/faces", new.slice(0, 1), message="T" * 3_000_000)
        with pytest.raises(InputError, match="longer than 1,000,000 characters"):
            store.write_errors("video/faces", new.slice(0, 1).append_column("sqlxy_error", pa.array(["T" * 1_000_001])))
        assert store.errors("video/faces").num_rows == 0
        store.write_errors("video/faces", new.slice(0, 1), message="T" * 999_999 + "!")
        held = store.resolve("video/faces").errored
        assert held.num_rows == 1 and held.column("sqlxy_error")[0].as_py() == "T" * 999_999 + "!"
        assert store.resolve("video/faces", retry_errors=True).counts()["new"] == 13
    assert _cli(tmp_path, "errors", "video/faces") == 0


# -- 3. rebase and records of failure --------------------------------------------------------------

def _bump_audio(root: Path, version: str) -> None:
    path = root / "features/video/raw.yaml"
    path.write_text(re.sub(r'(- key: audio\n    code_version: )"[^"]*"', rf'\1"{version}"', path.read_text()))


def test_a_rebase_ends_the_record_of_a_sample_it_rebases(seed_dir: Path) -> None:
    """v1 failed at the provenance the code bump expects; rebase accepts that provenance for it
    (a write of the sample) but leaves the record open: `errors` and `status` still report it, and
    when that provenance is expected again later the rebased sample is held back as failed."""
    with sqlxy.load_project(seed_dir).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    _bump_audio(seed_dir, "2")
    with sqlxy.load_project(seed_dir).store() as store:
        stale = store.resolve("video/raw", samples=SEED_VIDEOS).stale
        store.write_errors("video/raw", stale.filter(pc.equal(stale["video_id"], "v1")), message="crashed")
        assert store.rebase("video/raw", samples=SEED_VIDEOS)["rebased"] == 3
        assert store.resolve("video/raw", samples=SEED_VIDEOS).counts()["stale"] == 0
        assert store.errors("video/raw", samples=SEED_VIDEOS).num_rows == 0
        assert [r["errors"] for r in store.status() if r["feature"] == "video/raw"] == [0]
    _bump_audio(seed_dir, "3")
    with sqlxy.load_project(seed_dir).store() as store:
        store.rebase("video/raw", samples=SEED_VIDEOS)
    _bump_audio(seed_dir, "2")  # back: v1 was accepted at this provenance, nothing failed since
    with sqlxy.load_project(seed_dir).store() as store:
        increment = store.resolve("video/raw", samples=SEED_VIDEOS)
        assert increment.errored.num_rows == 0 and increment.counts()["stale"] == 3


# -- 4. `errors --samples` is read only when records exist -------------------------------------------

@pytest.mark.parametrize("argv", [
    ["errors", "video/raw", "--samples", "missing.csv"],
    ["errors", "video/faces", "--samples", "videos.csv"],   # not a root
    ["errors", "video/raw", "--samples", "wrong.csv"],      # not samples of video/raw
])
def test_errors_checks_its_samples_without_records(seed_dir: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    (seed_dir / "videos.csv").write_text("video_id,path,duration_s,audio_version,frames_version\nv1,p,1.0,a,f\n")
    (seed_dir / "wrong.csv").write_text("nope\n1\n")
    monkeypatch.chdir(seed_dir)
    assert _cli(seed_dir, *argv) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1


# -- 5. hard delete of an expansion's samples and their records ------------------------------------

CLIP = """
key: video/clip
id_columns: [clip_id]
columns: {video_id: string, clip_id: string}
fields: [default]
deps:
  - feature: video/raw
    lineage: {expansion: {on: [video_id]}}
    select: [duration_s]
"""


def _clips(seed_dir: Path) -> sqlxy.Store:
    write_features(seed_dir, {"video/clip.yaml": CLIP})
    store = sqlxy.load_project(seed_dir).store()
    opened = store.__enter__()
    opened.write("video/raw", opened.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    parents = opened.resolve("video/clip").new.drop_columns(["duration_s"]).to_pylist()
    opened.write("video/clip", [p | {"clip_id": f"{p['video_id']}_{i}"} for p in parents for i in range(2)])
    rerun = opened.resolve("video/clip", stale_if="video_id = 'v1'").stale  # a rerun of v1 failed
    opened.write_errors("video/clip", rerun, message="John Doe's video is corrupt")
    return store


def test_a_hard_delete_of_every_child_forgets_the_parents_record(seed_dir: Path) -> None:
    """`delete --hard` leaves nothing of the samples it deletes, records of failure included
    (writes.delete forgets them only when the compare keys are ids, never for an expansion): here
    every child of v1 is removed, and v1's record, message and all, stays and holds v1 back."""
    with _clips(seed_dir) as store:
        store.delete("video/clip", "video_id = 'v1'", hard=True)
        assert store.read("video/clip", where="video_id = 'v1'", include_deleted=True).num_rows == 0
        assert store.errors("video/clip").num_rows == 0
        assert store.resolve("video/clip").errored.num_rows == 0


def test_plain_and_cascading_hard_deletes_treat_a_parents_record_alike(seed_dir: Path) -> None:
    """One child of v1 hard-deleted: `--cascade` forgets v1's record (its start relation carries
    the compare keys), the plain delete keeps it. The same deletion should leave the same records."""
    with _clips(seed_dir) as store:
        store.delete("video/clip", "clip_id = 'v1_0'", hard=True)
        plain = store.errors("video/clip").num_rows
    shutil.rmtree(seed_dir / "target")
    with _clips(seed_dir) as store:
        store.cascade_delete("video/clip", "clip_id = 'v1_0'", hard=True)
        assert store.errors("video/clip").num_rows == plain


# -- 6. silent coercions --------------------------------------------------------------------------

@pytest.mark.parametrize("column", [
    {"sqlxy_error": pa.array([5, 6])},                    # a number as the message
    {"sqlxy_provenance": pa.array([123, 456])},           # a number as the provenance
])
def test_records_refuse_values_that_are_not_text(seed_store: sqlxy.Store, column: dict[str, pa.Array]) -> None:
    seed_store.write("video/raw", seed_store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    seed_store.materialize("video/chunk")
    rows = seed_store.resolve("video/faces").new.slice(0, 2).select(["video_chunk_id", "sqlxy_provenance"])
    for name, values in column.items():
        rows = rows.drop_columns([name]) if name in rows.column_names else rows
        rows = rows.append_column(name, values)
    with pytest.raises(InputError, match=r"column '(sqlxy_error|sqlxy_provenance)' is not text"):
        seed_store.write_errors("video/faces", rows, message="m")
    assert seed_store.errors("video/faces").num_rows == 0


# -- 7. ClickHouse: a DELETE's staged relation is the adapter's own ---------------------------------

def test_clickhouse_stages_for_a_delete_under_names_of_its_own(tmp_path: Path,
                                                               request: pytest.FixtureRequest) -> None:
    """A DELETE runs as a mutation outside the session, so the keys it reads are copied to a table
    of the deleted table's database (a temporary one fails and blocks the table's later
    mutations); two clients of one server must not share it, so its name is the adapter's own.
    The staged rows themselves stay temporary, and a configured schema is where the copy goes."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    config = {**target_config("clickhouse", request, tmp_path), "schema": "mine"}
    (tmp_path / "sqlxy.yaml").write_text(yaml.safe_dump(config))

    def tables(store: sqlxy.Store) -> set[tuple[str, str]]:
        listed = store.adapter.fetch_arrow("SELECT database, name FROM system.tables WHERE name LIKE 'sqlxy_%'")
        return {(r["database"], r["name"]) for r in listed.to_pylist()}

    with sqlxy.load_project(tmp_path).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
        store.materialize("video/chunk")
        new = store.resolve("video/faces").new
        store.write("video/faces", new.append_column("num_faces", pa.array([1] * new.num_rows, pa.int64())))
        store.write_errors("video/faces", new.slice(0, 3), message="x")
        adapter = store.adapter
        adapter.stage_query("sqlxy_deleted_keys", "SELECT 1 AS x")
        first, second = (adapter.copy_for_delete("sqlxy_deleted_keys", "mine") for _ in range(2))
        assert first != second and {("mine", first), ("mine", second)} <= tables(store)
        assert {db for db, name in tables(store) if name == "sqlxy_deleted_keys"} <= {""}  # temporary: no database
        for name in (first, second, "sqlxy_deleted_keys"):
            adapter.unstage(name)
        before = tables(store)
        assert store.delete("video/faces", "video_chunk_id = 'v1_0'", hard=True) == 1
        assert store.cascade_delete("video/raw", "video_id = 'v1'", hard=True)["video/faces"]["samples"] == 2
        assert store.errors("video/faces").num_rows == 0 and tables(store) == before
