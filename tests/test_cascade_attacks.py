"""Attacks on cascading deletes (an attacker's pass): records of failure of the start feature, the
start deleted by what was staged (never its condition run again), a sample that only lost an
optional dep, ClickHouse copies a failed DROP left, dry runs over missing or incomplete tables, a
cascade the engine refuses."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pytest

import sqlxy
from sqlxy.cli import main
from sqlxy.errors import SqlxyError

from .conftest import REPO, SEED_VIDEOS, write_features
from .engines import postgres_dsn, spark_session  # noqa: F401  (fixtures)
from .test_cascade import KEYS, V1, current, pending, rows_holding, seed, settled

# -- 1. the start feature's records of failure survive a hard cascade (GDPR) ------------------------

def test_hard_cascade_forgets_the_start_features_record_of_failure_of_a_tombstoned_sample(
        seed_store: sqlxy.Store) -> None:
    """The start's records are staged from its current rows *without* tombstones
    (`writes.stage_deleted_keys` reads `Query.CURRENT` with `ReadParams()`), while a hard delete
    also takes tombstoned samples: their rows go, their records of failure stay."""
    store = seed_store
    seed(store)
    store.delete("video/faces", "video_chunk_id = 'v1_0'")  # soft: a tombstone
    store.write_errors("video/faces", store.resolve("video/faces").to_write(), message="detector crashed")
    done = store.cascade_delete("video/faces", "video_chunk_id = 'v1_0'", hard=True)
    assert done["video/faces"] == {"samples": 1, "rows": 2}
    assert "video__faces__sqlxy_errors" not in rows_holding(store, "v1_0")


def test_hard_cascade_forgets_the_start_features_record_of_failure_of_a_sample_never_written(
        seed_store: sqlxy.Store) -> None:
    """A face that failed and was never written: a hard cascade from its chunk removes its record
    (downstream, every reached key's record goes), a hard cascade from faces itself does not."""
    store = seed_store
    seed(store)
    store.delete("video/faces", "video_chunk_id = 'v1_0'", hard=True)
    store.write_errors("video/faces", store.resolve("video/faces").to_write(), message="detector crashed")
    assert "video__faces__sqlxy_errors" in rows_holding(store, "v1_0")
    store.cascade_delete("video/faces", "video_chunk_id = 'v1_0'", hard=True)
    assert "video__faces__sqlxy_errors" not in rows_holding(store, "v1_0")


# -- 2. the start is deleted by re-evaluating the condition, not by what was staged ---------------

def test_the_start_loses_only_the_samples_whose_derived_samples_were_staged(seed_store: sqlxy.Store) -> None:
    """A time-dependent condition (a retention policy: `CURRENT_TIMESTAMP`, `CURRENT_DATE` are on
    the allow-list) is evaluated twice: when the doomed sets are staged, and again by the start's
    own `hard_delete`/`soft_delete` in the transaction. Samples that come to match in between lose
    their rows without their chunks and faces, which no later cascade can reach (the start's rows
    are gone): orphans, and after a hard cascade rows of erased videos nobody can find."""
    store = seed_store
    seed(store)
    time.sleep(0.5)

    def slow(step: str, rows: object) -> None:  # the staging of a large cascade takes time
        if step == "finding what goes of video/chunk":
            time.sleep(2.5)

    store.progress = slow
    done = store.cascade_delete("video/raw", "sqlxy_updated_at < CURRENT_TIMESTAMP - INTERVAL 2 SECOND", hard=True)
    store.progress = lambda step, rows: None
    videos = set(current(store, "video/raw"))
    chunk_videos = {r["video_id"] for r in store.read("video/chunk").to_pylist()}
    assert chunk_videos <= videos, (done, chunk_videos - videos)  # chunks of erased videos left behind
    assert pending(store, ("video/chunk", "video/faces")) == settled(("video/chunk", "video/faces"))


def test_a_sample_written_while_a_cascade_stages_is_not_deleted_without_its_children(
        seed_store: sqlxy.Store) -> None:
    """The same on PostgreSQL with a second writer (staging runs before the transaction): here the
    write comes through the progress callback, between staging and deleting."""
    store = seed_store
    seed(store)
    v4 = pa.table({"video_id": ["v4"], "path": ["v4.mp4"], "duration_s": [20.0], "audio_version": ["a4"],
                   "frames_version": ["f4"]})

    def writer(step: str, rows: object) -> None:
        if step == "finding what goes of video/faces":  # raw and chunk are staged
            store.progress = lambda step, rows: None
            store.write("video/raw", store.resolve("video/raw", samples=v4).to_write())
            store.materialize("video/chunk")

    store.progress = writer
    store.cascade_delete("video/raw", "video_id IN ('v1', 'v4')")
    videos = set(current(store, "video/raw"))
    chunk_videos = {r["video_id"] for r in store.read("video/chunk").to_pylist()}
    assert chunk_videos <= videos, chunk_videos - videos


# -- 3. a sample that only loses an optional dep keeps the deleted sample's data (GDPR) ------------

ROOT = """
key: {key}
id_columns: [doc_id]
columns: {{doc_id: string, {column}: string}}
fields: [{field}]
source: {{versions: {{{field}: v}}}}
"""
JOINED = """
key: doc/joined
id_columns: [doc_id]
columns: {doc_id: string, out: string}
fields: [{key: out, deps: [{feature: doc/a, fields: [x]}, {feature: doc/b, fields: [y]}]}]
deps:
  - doc/a
  - {feature: doc/b, optional: true, select: [body]}
"""


def test_hard_cascade_keeps_a_sample_that_only_lost_an_optional_dep_stale(tmp_path: Path) -> None:
    """doc/joined carries doc/b's `body` (select). A hard cascade of doc/b's sample keeps the
    joined sample (it only lost an optional dep): stale, as documented ("Cascading deletes": such a
    sample keeps what it carried until it is recomputed or deleted itself)."""
    write_features(tmp_path, {"doc/a.yaml": ROOT.format(key="doc/a", column="title", field="x"),
                              "doc/b.yaml": ROOT.format(key="doc/b", column="body", field="y"),
                              "doc/j.yaml": JOINED})
    with sqlxy.load_project(tmp_path).store() as store:
        a = pa.table({"doc_id": ["alice", "bob"], "title": ["T", "T"], "v": ["1", "2"]})
        b = pa.table({"doc_id": ["alice", "bob"], "body": ["ALICE-PERSONAL-DATA", "BOB"], "v": ["3", "4"]})
        store.write("doc/a", store.resolve("doc/a", samples=a).to_write())
        store.write("doc/b", store.resolve("doc/b", samples=b).to_write())
        rows = store.resolve("doc/joined").to_write()
        store.write("doc/joined", rows.append_column("out", rows["doc_id"]))
        done = store.cascade_delete("doc/b", "doc_id = 'alice'", hard=True)
        assert done["doc/joined"]["samples"] == 0
        assert "doc__b" not in rows_holding(store, "ALICE-PERSONAL-DATA")
        stale = store.resolve("doc/joined").stale
        assert stale.column("doc_id").to_pylist() == ["alice"]
        store.write("doc/joined", stale.drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"])
                    .append_column("out", stale["doc_id"]))  # recomputed without it: its current row is clean
        assert store.read("doc/joined", where="doc_id = 'alice'").column("body").to_pylist() == [None]


# -- 4. ClickHouse: a cleanup cut short leaves the doomed keys in tables of the database (GDPR) ----

@pytest.mark.parametrize("engine_dir", ["clickhouse"], indirect=True)
def test_a_hard_cascade_whose_cleanup_fails_leaves_no_copy_of_the_doomed_keys(
        store: sqlxy.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """`copy_for_delete` copies each doomed set into a Memory table *of the database*
    (`<table>:doomed_<uuid>`). `_Staging.drop` stops at the first DROP that fails, and `unstage`
    pops a copy's name before its DROP runs: the copies, holding the erased ids, stay for good, and
    running the cascade again (it finds nothing left to delete) never drops them; neither would
    anything after a killed process."""
    seed(store)
    execute = store.adapter.execute

    def failing(sql: str) -> None:
        if sql.startswith("DROP TABLE IF EXISTS") and ":doomed_" in sql:
            raise SqlxyError("connection lost")
        execute(sql)

    monkeypatch.setattr(store.adapter, "execute", failing)
    with pytest.raises(SqlxyError):
        store.cascade_delete("video/raw", V1, hard=True)
    monkeypatch.undo()
    assert store.cascade_delete("video/raw", V1, hard=True)["video/raw"]["samples"] == 0  # all deleted
    assert rows_holding(store, "v1") == {}


# -- 5. a dry run fails where a table is missing or lacks a column (DuckDB) ------------------------

def test_dry_run_cascade_before_a_downstream_table_exists(seed_store: sqlxy.Store) -> None:
    """`as_is` reads a missing table through a stand-in SELECT, but the DuckDB source SQL was
    already rewritten to `rowid IN (SELECT rowid FROM <table> …)` (`dialects/duckdb.by_row_id`): the
    stand-in has no rowid. Binder Error on every soft dry run until faces is first written."""
    store = seed_store
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    store.materialize("video/chunk")  # video/faces not written yet: its table does not exist
    assert store.cascade_delete("video/raw", V1, dry_run=True) == {
        "video/raw": {"samples": 1, "rows": 0}, "video/chunk": {"samples": 1, "rows": 0},
        "video/faces": {"samples": 0, "rows": 0}}


def test_dry_run_cascade_after_a_spec_adds_a_column(seed_dir: Path) -> None:
    with sqlxy.load_project(seed_dir).store() as store:
        seed(store)
    spec = seed_dir / "features/video/raw.yaml"
    spec.write_text(spec.read_text().replace("duration_s: float", "duration_s: float\n  owner: string"))
    with sqlxy.load_project(seed_dir).store() as store:
        done = store.cascade_delete("video/raw", V1, dry_run=True)
    assert {k: c["samples"] for k, c in done.items()} == {"video/raw": 1, "video/chunk": 1, "video/faces": 3}


def test_cli_dry_run_cascade_on_a_fresh_project(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["delete", "video/raw", "--where", V1, "--cascade", "--dry-run", "--project", str(seed_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{k}: would delete 0 samples" for k in KEYS]


# -- 6. a cascade refused by the engine still writes (creates tables) ------------------------------

def test_a_cascade_the_engine_refuses_creates_no_table(seed_store: sqlxy.Store) -> None:
    """`cascade_delete` runs `tables.ensure` for every feature before the condition ever runs: a
    condition DuckDB rejects at run time (`video_id = 1` on text ids) exits 1 with video__chunk
    and video__faces created."""
    store = seed_store
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    listed = "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
    before = store.adapter.fetch_arrow(listed).column(0).to_pylist()
    with pytest.raises(SqlxyError, match="Conversion Error"):
        store.cascade_delete("video/raw", "video_id = 1")
    assert store.adapter.fetch_arrow(listed).column(0).to_pylist() == before


# keep the helpers' imports used where a test above is dropped
_ = (REPO,)
