"""Cascading deletes (issue 12): `delete K --where SQL --cascade [--hard] [--dry-run]`.

On every engine: a soft and a hard cascade from video/raw take the video's raw sample, its chunks
and their faces and nothing else, and resolve finds nothing left to do; a dry run counts what the
real run then deletes; a hard cascade leaves no row holding the video in any table of the target
(history, tombstones, records of failure, kept increments); an aggregation group goes only with its
last member, a sample that loses an optional dep stays (stale); a run cut short (downstream
deleted, the start not) run again ends where an uncut run ends. On DuckDB and PostgreSQL a
failure in the last statement leaves nothing. On DuckDB: the general (untraced) computation gives
the same answers, a cascade from an expansion, and the CLI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlglot import exp

import sqlxy
from sqlxy.cli import main
from sqlxy.compiler.model import FeatureModel
from sqlxy.errors import SqlxyError

from .conftest import REPO, SEED_VIDEOS, write_features
from .engines import postgres_dsn, spark_session  # noqa: F401  (fixtures)

KEYS = ("video/raw", "video/chunk", "video/faces")
V1 = "video_id = 'v1'"
#: What the cascade from v1 deletes: its raw sample, its chunk parent (3 chunks of 30 s), 3 faces.
V1_SAMPLES = {"video/raw": 1, "video/chunk": 1, "video/faces": 3}
KEPT = {"video/raw": ["v2", "v3"], "video/chunk": [f"v{v}_{i}" for v in (2, 3) for i in range(5)]}
KEPT["video/faces"] = KEPT["video/chunk"]
#: An aggregation of faces per video, and a join of raw with the aggregation as an optional dep.
EXTRA = {
    "video/summary.yaml": """
key: video/summary
id_columns: [video_id]
columns: {video_id: string, total_faces: int}
fields:
  - key: total
    deps: [{feature: video/faces, fields: [faces]}]
deps:
  - feature: video/faces
    lineage: {aggregation: {on: [video_id]}}
""",
    "video/report.yaml": """
key: video/report
id_columns: [video_id]
columns: {video_id: string, text: string}
fields:
  - key: report
    deps: [{feature: video/raw, fields: [audio]}, {feature: video/summary, fields: [total]}]
deps:
  - video/raw
  - {feature: video/summary, optional: true}
""",
}


# -- helpers ------------------------------------------------------------------------------------

def seed(store: sqlxy.Store, videos: pa.Table = SEED_VIDEOS) -> None:
    """Raw videos written, their chunks materialized, every chunk's faces written."""
    store.write("video/raw", store.resolve("video/raw", samples=videos).to_write())
    store.materialize("video/chunk")
    work(store, "video/faces", "num_faces")


def work(store: sqlxy.Store, key: str, column: str, value: Callable[[pa.Table], Any] | None = None) -> None:
    """Write what resolve asks for, the computed column filled in."""
    rows = store.resolve(key).to_write()
    if rows.num_rows:
        filled = value(rows) if value else pc.utf8_length(rows[store.graph[key].spec.id_columns[0]])
        store.write(key, rows.append_column(column, filled))


def current(store: sqlxy.Store, key: str) -> list[str]:
    return sorted(store.read(key)[store.graph[key].spec.id_columns[0]].to_pylist())


def pending(store: sqlxy.Store, keys: tuple[str, ...] = KEYS,
            videos: pa.Table = SEED_VIDEOS.slice(1)) -> dict[str, Any]:
    """Every feature's increment by compare key: what a run would do now (raw given the videos
    still there)."""
    found = {}
    for key in keys:
        increment = store.resolve(key, samples=videos if key == "video/raw" else None)
        column = store.graph[key].compare_keys[0]
        found[key] = {change: sorted(getattr(increment, change)[column].to_pylist())
                      for change in ("new", "stale", "orphaned")}
    return found


def settled(keys: tuple[str, ...] = KEYS) -> dict[str, Any]:
    return {key: {"new": [], "stale": [], "orphaned": []} for key in keys}


def with_extra(engine_dir: Path) -> sqlxy.Project:
    write_features(engine_dir, EXTRA)
    return sqlxy.load_project(engine_dir)


def seed_extra(store: sqlxy.Store) -> None:
    seed(store)
    work(store, "video/summary", "total_faces", lambda rows: pa.array([1] * rows.num_rows, pa.int64()))
    work(store, "video/report", "text")


def target_tables(store: sqlxy.Store) -> list[str]:
    """Every table of the target (feature tables, sqlxy's own, kept increments, records of failure)."""
    adapter, dialect, schema = store.adapter, store.adapter.dialect, store.config.schema
    if dialect == "spark":
        return [t.name for t in adapter.session.catalog.listTables(schema) if not t.isTemporary]
    query = {"duckdb": "SELECT table_name FROM duckdb_tables() WHERE NOT temporary",
             "postgres": "SELECT table_name::text FROM information_schema.tables "
                         "WHERE table_schema = current_schema()",
             "clickhouse": "SELECT name FROM system.tables WHERE database = currentDatabase()"}[dialect]
    return adapter.fetch_arrow(query).column(0).to_pylist()


def dump(store: sqlxy.Store) -> dict[str, list[list[str]]]:
    """Every row of every table of the target, each value read as text."""
    found = {}
    for table in target_tables(store):
        name = exp.table_(table, db=store.config.schema, quoted=True).sql(store.adapter.dialect)
        rows = store.adapter.fetch_arrow(f"SELECT * FROM {name}").to_pylist()
        found[table] = sorted([str(value) for value in row.values()] for row in rows)
    return found


def rows_holding(store: sqlxy.Store, text: str) -> dict[str, list[list[str]]]:
    """Per table, its rows in which some column, read as text, holds `text`."""
    found = {table: [row for row in rows if any(text in value for value in row)] for table, rows in dump(store).items()}
    return {table: rows for table, rows in found.items() if rows}


# -- every engine -------------------------------------------------------------------------------

@pytest.mark.parametrize("hard", [False, True], ids=["soft", "hard"])
def test_cascade_from_raw_deletes_the_video_and_what_was_derived_from_it(store: sqlxy.Store, hard: bool) -> None:
    seed(store)
    before = dump(store)
    dry = store.cascade_delete("video/raw", V1, hard=hard, dry_run=True)
    assert dump(store) == before  # a dry run writes nothing
    done = store.cascade_delete("video/raw", V1, hard=hard)
    assert list(done) == list(KEYS)  # topological order
    assert {k: c["samples"] for k, c in done.items()} == {k: c["samples"] for k, c in dry.items()} == V1_SAMPLES
    assert all(c["rows"] == 0 for c in dry.values())
    assert {k: c["rows"] for k, c in done.items()} == {"video/raw": 1, "video/chunk": 3, "video/faces": 3}
    assert {key: current(store, key) for key in KEYS} == KEPT
    deleted = sorted(store.read("video/faces", include_deleted=True)["video_chunk_id"].to_pylist())
    assert deleted == sorted(KEPT["video/faces"] + ([] if hard else ["v1_0", "v1_1", "v1_2"]))
    assert pending(store) == settled()  # no orphan of v1 left anywhere
    assert store.commits[-1].operation == f"cascade {'hard' if hard else 'soft'} delete"
    assert store.commits[-1].landed is True or not store.adapter.SUPPORTS_TRANSACTIONS


def test_hard_cascade_leaves_no_row_of_the_video_in_any_table(store: sqlxy.Store) -> None:
    """GDPR: history rows, a tombstoned face, a face never written but recorded as failed, and the
    kept increments (DuckDB, PostgreSQL) all go with the video."""
    seed(store)
    assert pending(store, videos=SEED_VIDEOS) == settled()  # kept where the engine keeps increments
    videos = SEED_VIDEOS.set_column(4, "frames_version", pa.array(["f1b", "f2", "f3"]))
    store.write("video/raw", store.resolve("video/raw", samples=videos).to_write())  # v1's history
    store.materialize("video/chunk")  # its chunks rewritten: faces v1_* stale
    stale = store.resolve("video/faces").to_write()
    failed = stale.filter(pc.equal(stale["video_chunk_id"], "v1_0"))
    store.write_errors("video/faces", failed, message="no face detector for v1_0")
    rest = stale.filter(pc.not_equal(stale["video_chunk_id"], "v1_0"))
    store.write("video/faces", rest.append_column("num_faces", pc.utf8_length(rest["video_chunk_id"])))
    store.delete("video/faces", "video_chunk_id = 'v1_2'")  # a tombstone of the video
    pending(store, videos=videos)  # kept increments hold v1_2 (new) and v1_0 (stale, held back)
    assert rows_holding(store, "v1")
    done = store.cascade_delete("video/raw", V1, hard=True)
    assert {k: c["samples"] for k, c in done.items()} == V1_SAMPLES  # v1_2 tombstoned: stored, counted
    assert rows_holding(store, "v1") == {}
    assert {key: current(store, key) for key in KEYS} == KEPT
    assert pending(store) == settled()


def test_an_aggregation_group_goes_with_its_last_member_and_an_optional_dep_leaves_a_stale_sample(
        engine_dir: Path) -> None:
    keys = (*KEYS, "video/summary", "video/report")
    with with_extra(engine_dir).store() as store:
        seed_extra(store)
        # one face of v1: its summary group keeps two members (stale), the report is untouched
        done = store.cascade_delete("video/faces", "video_chunk_id = 'v1_0'")
        assert done == {"video/faces": {"samples": 1, "rows": 1}, "video/summary": {"samples": 0, "rows": 0},
                        "video/report": {"samples": 0, "rows": 0}}
        logged = store.adapter.SUPPORTS_TRANSACTIONS  # the tombstones were stamped: a maintained resolve sees them
        assert store.resolve("video/summary").how.startswith("maintained" if logged else "full")
        assert pending(store, keys[1:]) == {**settled(keys[1:]),
                                            "video/faces": {"new": ["v1_0"], "stale": [], "orphaned": []},
                                            "video/summary": {"new": [], "stale": ["v1"], "orphaned": []}}
        # the rest of v1's faces (hard: v1_0's tombstone too): the group goes; the report keeps v1
        # (its summary was optional), stale
        done = store.cascade_delete("video/faces", V1, hard=True)
        assert {k: c["samples"] for k, c in done.items()} == {"video/faces": 3, "video/summary": 1,
                                                             "video/report": 0}
        assert current(store, "video/summary") == ["v2", "v3"]
        assert current(store, "video/report") == ["v1", "v2", "v3"]
        report = store.resolve("video/report")
        assert [r["video_id"] for r in report.stale.to_pylist()] == ["v1"]
        assert report.how == "full: no kept increment yet" or not logged  # dropped with the video's rows
        # from raw: everything of v2 goes, the aggregation and the join too
        done = store.cascade_delete("video/raw", "video_id = 'v2'")
        assert {k: c["samples"] for k, c in done.items()} == {"video/raw": 1, "video/chunk": 1, "video/faces": 5,
                                                             "video/summary": 1, "video/report": 1}
        assert [current(store, k) for k in ("video/summary", "video/report")] == [["v3"], ["v1", "v3"]]


@pytest.mark.parametrize("hard", [False, True], ids=["soft", "hard"])
@pytest.mark.parametrize("cut", ["video/faces", "video/chunk"])
def test_a_cascade_cut_short_and_run_again_ends_as_one_run(store: sqlxy.Store, hard: bool, cut: str) -> None:
    """ClickHouse and Spark delete feature by feature, most downstream first: a run cut short has
    deleted downstream samples and left the start's in place. Run again, it ends where one
    uncut run ends."""
    seed(store)
    store.cascade_delete(cut, V1, hard=hard)  # what landed before the cut
    done = store.cascade_delete("video/raw", V1, hard=hard)
    assert done["video/raw"]["samples"] == 1 and done["video/faces"]["samples"] == 0
    assert {key: current(store, key) for key in KEYS} == KEPT
    assert pending(store) == settled()
    if hard:
        assert rows_holding(store, "v1") == {}


# -- DuckDB and PostgreSQL: one transaction -----------------------------------------------------

@pytest.mark.parametrize("engine_dir", ["duckdb", "postgres"], indirect=True)
@pytest.mark.parametrize("hard", [False, True], ids=["soft", "hard"])
def test_a_cascade_that_fails_at_its_last_statement_leaves_nothing(
        store: sqlxy.Store, monkeypatch: pytest.MonkeyPatch, hard: bool) -> None:
    seed(store)
    pending(store, videos=SEED_VIDEOS)  # kept increments, which a hard cascade drops
    before = dump(store)
    assert any(table.endswith(":pending") for table in before)
    execute = store.adapter.execute
    last = 'DELETE FROM "video__raw"' if hard else 'INSERT INTO "video__raw"'

    def failing(sql: str) -> None:
        if sql.startswith(last):  # the start's own delete: the last statement of the cascade
            raise SqlxyError("the engine failed")
        execute(sql)

    monkeypatch.setattr(store.adapter, "execute", failing)
    with pytest.raises(SqlxyError, match="the engine failed"):
        store.cascade_delete("video/raw", V1, hard=hard)
    monkeypatch.undo()
    assert store.commits[-1].state == "rolled back"
    assert dump(store) == before
    assert store.cascade_delete("video/raw", V1, hard=hard)["video/faces"]["samples"] == 3


# -- DuckDB -------------------------------------------------------------------------------------

@pytest.mark.parametrize("hard", [False, True], ids=["soft", "hard"])
def test_the_general_set_difference_gives_the_traced_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard: bool) -> None:
    """A feature whose keys some dep cannot trace is computed over every key: the same answers."""
    answers = []
    for traced in (True, False):
        if not traced:
            monkeypatch.setattr(FeatureModel, "traceable", property(lambda self: False))
        root = tmp_path / str(traced)
        (root / "features").mkdir(parents=True)
        for spec in (REPO / "features/video").iterdir():
            write_features(root, {f"video/{spec.name}": spec.read_text(encoding="utf-8")})
        with with_extra(root).store() as store:
            seed_extra(store)
            answers.append([store.cascade_delete("video/faces", "video_chunk_id = 'v1_0'", hard=hard),
                            store.cascade_delete("video/faces", V1, hard=hard),
                            store.cascade_delete("video/raw", "video_id = 'v2'", hard=hard),
                            {key: current(store, key) for key in store.graph.order}])
    assert answers[0] == answers[1]


def test_a_cascade_from_an_expansion_takes_the_children_asked_for(seed_store: sqlxy.Store) -> None:
    store = seed_store
    seed(store)
    assert store.matching("video/chunk", "video_chunk_id = 'v1_0'") == 1
    done = store.cascade_delete("video/chunk", "video_chunk_id = 'v1_0'", hard=True)
    assert done == {"video/chunk": {"samples": 1, "rows": 1}, "video/faces": {"samples": 1, "rows": 1}}
    assert "v1_0" not in current(store, "video/faces")
    # the parent lost a generated child: it is stale, and materialize brings the child back
    assert [r["video_id"] for r in store.resolve("video/chunk").stale.to_pylist()] == ["v1"]
    # v1 now empty: its chunk parent is a record without children, its faces are orphans; the
    # record goes, and so do the orphans the video's chunk rows lead to
    empty = SEED_VIDEOS.set_column(2, "duration_s", pa.array([0.0, 45.0, 50.0]))
    seed(store, empty.set_column(4, "frames_version", pa.array(["f1b", "f2", "f3"])))
    assert pending(store, ("video/faces",))["video/faces"]["orphaned"] == ["v1_1", "v1_2"]
    done = store.cascade_delete("video/raw", V1)
    assert done == {"video/raw": {"samples": 1, "rows": 1}, "video/chunk": {"samples": 1, "rows": 1},
                    "video/faces": {"samples": 2, "rows": 2}}
    assert pending(store) == settled()


def test_bad_input_is_refused_before_anything_runs(seed_store: sqlxy.Store) -> None:
    seed(seed_store)
    with pytest.raises(SqlxyError, match="names unknown column 'nope'"):
        seed_store.cascade_delete("video/raw", "nope = 1")
    with pytest.raises(SqlxyError, match="unknown feature"):
        seed_store.cascade_delete("video/nope", V1)
    assert {key: current(seed_store, key) for key in KEYS}["video/raw"] == ["v1", "v2", "v3"]


def test_cli_delete_cascade(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = ["--project", str(seed_dir)]
    with sqlxy.load_project(seed_dir).store() as store:
        seed(store)
    database = seed_dir / "target/sqlxy.duckdb"
    digest = hashlib.sha256(database.read_bytes()).hexdigest()
    capsys.readouterr()
    for extra in (["--cascade"], ["--cascade", "--hard"], [], ["--hard"]):
        assert main(["delete", "video/raw", "--where", V1, "--dry-run", *extra, *project]) == 0
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest  # byte for byte
    assert capsys.readouterr().out.splitlines() == [
        "video/raw: would delete 1 sample", "video/chunk: would delete 1 sample",
        "video/faces: would delete 3 samples"] * 2 + ["video/raw: would delete 1 sample"] * 2
    assert main(["delete", "video/raw", "--where", V1, "--cascade", "--hard", *project]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "video/raw: 1 sample, 1 row removed", "video/chunk: 1 sample, 3 rows removed",
        "video/faces: 3 samples, 3 rows removed"]
    assert main(["delete", "video/raw", "--where", "video_id = 'v2'", "--cascade", "--json", *project]) == 0
    assert json.loads(capsys.readouterr().out) == {"hard": False, "dry_run": False, "features": {
        "video/raw": {"samples": 1, "rows": 1}, "video/chunk": {"samples": 1, "rows": 5},
        "video/faces": {"samples": 5, "rows": 5}}}
    assert main(["delete", "video/faces", "--where", "video_id = 'v3'", *project]) == 0
    assert capsys.readouterr().out == "video/faces: 5 tombstones appended\n"
    for argv, why in ((["delete", "video/raw", "--where", "nope = 1", "--cascade"], "unknown column 'nope'"),
                      (["delete", "video/nope", "--where", V1, "--cascade"], "unknown feature 'video/nope'"),
                      (["delete", "video/raw", "--where", "1=1; DROP TABLE x", "--cascade", "--dry-run"], "--where")):
        assert main([*argv, *project]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and why in err and "Traceback" not in err, err
