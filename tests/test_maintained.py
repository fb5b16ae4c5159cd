"""Maintained increments (issue 9): a resolve recomputes only the compare keys touched since its
kept marks, and its answer is always the full recompute's.

The property test runs random sequences of root writes, expansion writes (materialize), identity
and aggregation writes, soft and hard deletes, code bumps, SQL-definition edits, compact, rows
written outside sqlxy, records of failed samples and their retries, rebases, cascading deletes
and resolves on a pipeline with every lineage (1:1, 1:N expansion, N:1 aggregation, a two-dep join
with an optional dep and a filter). After every resolve, each feature's maintained increment
equals the full recompute (with the samples records of failure hold back left out), which stays
callable. It runs on DuckDB and PostgreSQL (`SQLXY_MAINTAINED_EXAMPLES` scales it), and shorter on
ClickHouse and Spark, where every resolve is a full one and says why. The other tests pin each
reason for a full recompute.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import sqlxy
from sqlxy.compiler import IncrementParams, Query

from .conftest import REPO, write_features
from .engines import ENGINES, postgres_dsn, run_native, spark_session, target_config  # noqa: F401  (fixtures)

KEYS = ("video/chunk", "video/faces", "video/summary", "video/report")
VIDEOS = ("v1", "v2", "v3", "v4")
#: Features besides the seed's: an aggregation of faces per video, and a join of raw (filtered)
#: with the optional aggregation.
EXTRA = {
    "video/summary.yaml": """
key: video/summary
id_columns: [video_id]
columns: {video_id: string, total_faces: int}
fields:
  - key: total
    code_version: "{summary}"
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
    code_version: "1"
    deps: [{feature: video/raw, fields: [audio]}, {feature: video/summary, fields: [total]}]
deps:
  - feature: video/raw
    filter: "{filter}"
  - {feature: video/summary, optional: true}
""",
}
#: Project variants the steps switch between on the same database: a code bump of frames (chunk,
#: faces, summary and report change versions), of the aggregation, and an edited dep filter (a
#: SQL-definition change that leaves versions alone).
VARIANTS = [{"frames": "1", "summary": "1", "filter": "duration_s >= 0"},
            {"frames": "2", "summary": "1", "filter": "duration_s >= 0"},
            {"frames": "1", "summary": "2", "filter": "duration_s >= 0"},
            {"frames": "1", "summary": "1", "filter": "duration_s > 5"}]

WRITE = st.tuples(st.just("write"), st.lists(st.sampled_from(VIDEOS), min_size=1, max_size=4, unique=True),
                  st.sampled_from([0.0, 10.0, 25.0, None]), st.sampled_from("ab"))
DELETE = st.tuples(st.just("delete"), st.sampled_from(("video/raw", *KEYS)), st.sampled_from(VIDEOS),
                   st.booleans())
WORK = st.tuples(st.sampled_from(["faces", "summary", "report"]), st.booleans())  # (feature, all or half)
#: Data operations (issue 12): record the failure of some samples of a feature, retry them (a write
#: that ends their records), rebase a feature after a code bump or an edited definition.
FAIL = st.tuples(st.just("fail"), st.sampled_from(["video/faces", "video/summary", "video/report"]), st.booleans())
RETRY = st.tuples(st.just("retry"), st.sampled_from(["video/faces", "video/summary", "video/report"]))
REBASE = st.tuples(st.just("rebase"), st.sampled_from(KEYS))
CASCADE = st.tuples(st.just("cascade"), st.sampled_from(("video/raw", *KEYS)), st.sampled_from(VIDEOS), st.booleans())
ACTION = st.one_of(WRITE, DELETE, WORK, st.just(("materialize",)), st.just(("resolve",)),
                   st.tuples(st.just("variant"), st.integers(0, len(VARIANTS) - 1)),
                   st.tuples(st.just("compact"), st.sampled_from(KEYS)), st.just(("outside",)),
                   FAIL, RETRY, REBASE, CASCADE)
SETUP = [("write", list(VIDEOS), 25.0, "a"), ("materialize",), ("faces", True), ("summary", True),
         ("report", True), ("resolve",)]


def make_project(root: Path, variant: dict[str, str], config: dict[str, Any] | None) -> sqlxy.Project:
    shutil.copytree(REPO / "features", root / "features", dirs_exist_ok=True)
    raw = root / "features/video/raw.yaml"
    text = raw.read_text(encoding="utf-8")
    start = text.index("- key: frames")
    line = text.index("code_version:", start)
    raw.write_text(text[:line] + f'code_version: "{variant["frames"]}"' + text[text.index("\n", line):],
                   encoding="utf-8")
    files = {name: body.replace("{summary}", variant["summary"]).replace("{filter}", variant["filter"])
             for name, body in EXTRA.items()}
    write_features(root, files, yaml.safe_dump(config) if config else None)
    return sqlxy.load_project(root)


def samples(videos: list[str], duration: float | None, audio: str) -> pa.Table:
    return pa.table({"video_id": videos, "path": [f"{v}.mp4" for v in videos],
                     "duration_s": pa.array([duration] * len(videos), pa.float64()),
                     "audio_version": [f"{audio}{v}" for v in videos],
                     "frames_version": [f"f{v}" for v in videos]})


def full_rows(store: sqlxy.Store, key: str) -> list[dict[str, Any]]:
    """The full recompute, as rows comparable with an increment's."""
    rows = store._runner.fetch(key, Query.RESOLVE, IncrementParams())
    return _sorted(rows.drop_columns(["sqlxy_stale_fields"]))


def maintained_rows(increment: sqlxy.Increment) -> list[dict[str, Any]]:
    parts = [increment.new.append_column("sqlxy_change", pa.array(["new"] * increment.new.num_rows)),
             increment.stale.drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"]).append_column(
                 "sqlxy_change", pa.array(["stale"] * increment.stale.num_rows))]
    keys = increment.orphaned.append_column("sqlxy_change", pa.array(["orphaned"] * increment.orphaned.num_rows))
    return _sorted(pa.concat_tables(parts, promote_options="permissive")) + _sorted(keys)


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(({name: row[name] for name in sorted(row)} for row in table.to_pylist()), key=repr)


def expected_rows(store: sqlxy.Store, key: str, errors: bool = False) -> tuple[list[dict[str, Any]], list[Any]]:
    """The full recompute as rows comparable with an increment's, and (`errors`) the compare keys
    records of failure hold back, left out of those rows."""
    rows = store._runner.fetch(key, Query.RESOLVE, IncrementParams(errors=errors))
    keys = list(store.graph[key].compare_keys)
    held: list[Any] = []
    if errors:
        flagged = pc.equal(rows.column("sqlxy_errored"), 1)
        held = _sorted(rows.filter(flagged).select(keys))
        rows = rows.filter(pc.invert(flagged)).drop_columns(["sqlxy_errored", "sqlxy_error"])
    change = rows.column("sqlxy_change")
    live = rows.filter(pc.not_equal(change, "orphaned")).drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"])
    gone = rows.filter(pc.equal(change, "orphaned")).select([*keys, "sqlxy_change"])
    return _sorted(live) + _sorted(gone), held


def check(store: sqlxy.Store, steps: object) -> list[str]:
    """Every feature's maintained increment equals the full recompute, with the samples records
    of failure hold back left out (and in again with retry_errors); returns how each was made."""
    hows = []
    for key in KEYS:
        increment = store.resolve(key)
        errors = store._tables.has_errors(key)
        rows, held = expected_rows(store, key, errors)
        assert maintained_rows(increment) == rows, (key, increment.how, steps)
        assert _sorted(increment.errored.select(list(store.graph[key].compare_keys))) == held, (key, steps)
        if held:
            assert maintained_rows(store.resolve(key, retry_errors=True)) == expected_rows(store, key)[0], steps
        hows.append(increment.how)
    return hows


class Pipeline:
    """The test pipeline on one database, switching between project variants."""

    def __init__(self, projects: list[sqlxy.Project], connection: Any = None) -> None:
        self.projects, self.connection = projects, connection
        self.store = self._open(0)

    def _open(self, variant: int) -> sqlxy.Store:
        return self.projects[variant].store(connection=self.connection)

    def apply(self, step: tuple[Any, ...], steps: object) -> None:
        kind, store = step[0], self.store
        if kind == "write":
            store.write("video/raw", store.resolve("video/raw", samples=samples(*step[1:])).to_write())
        elif kind == "delete":
            store.delete(step[1], f"video_id = '{step[2]}'", hard=step[3])
        elif kind == "materialize":  # from the maintained increment where it is kept: it settles all
            store.materialize("video/chunk")
            assert store._runner.fetch("video/chunk", Query.RESOLVE, IncrementParams()).num_rows == 0, steps
        elif kind in ("faces", "summary", "report"):
            self.work(f"video/{kind}", everything=step[1])
        elif kind == "variant":
            if self.connection is None:
                self.store.close()
            self.store = self._open(step[1])
        elif kind == "compact":
            store.compact(step[1])
        elif kind == "outside":
            table = exp.table_(store.compiler.table_name("video/faces"), db=store.config.schema, quoted=True)
            run_native(store, exp.insert(exp.select("*").from_(table).limit(1), table.copy()).sql("duckdb"))
        elif kind == "resolve":
            check(store, steps)
        elif kind == "fail":  # some new or stale samples failed: recorded at their provenance
            rows = store.resolve(step[1]).to_write()
            if rows.num_rows:
                store.write_errors(step[1], rows.slice(0, max(1, rows.num_rows // 2)) if step[2] else rows,
                                   message="failed")
        elif kind == "retry":  # every sample, failed ones included, computed again
            self.work(step[1], everything=True, retry=True)
        elif kind == "rebase":
            store.rebase(step[1])
        elif kind == "cascade":  # a video deleted along the lineage, soft or hard
            store.cascade_delete(step[1], f"video_id = '{step[2]}'", hard=step[3])

    def work(self, key: str, everything: bool, retry: bool = False) -> None:
        """A worker computes the feature's new and stale samples (half of them, or all; `retry`:
        those records of failure hold back too)."""
        rows = self.store.resolve(key, retry_errors=retry).to_write()
        if not everything:
            rows = rows.slice(0, rows.num_rows // 2)
        if rows.num_rows == 0:
            return
        column = {"video/faces": "num_faces", "video/summary": "total_faces", "video/report": "text"}[key]
        ids = rows[self.store.graph[key].spec.id_columns[0]]
        value = pc.utf8_length(ids) if column != "text" else ids
        self.store.write(key, rows.append_column(column, value))


@pytest.fixture(params=["duckdb", "postgres"])
def pipelines(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Opens a fresh pipeline (one database, every project variant) per example."""
    engine = request.param
    made: list[Pipeline] = []

    def fresh() -> Pipeline:
        base = tmp_path_factory.mktemp(f"maintained-{engine}")
        config = target_config(engine, request, base)
        projects = [make_project(base / f"variant{i}", variant, config) for i, variant in enumerate(VARIANTS)]
        pipeline = Pipeline(projects)
        made.append(pipeline)
        return pipeline

    fresh.engine = engine  # type: ignore[attr-defined]
    yield fresh
    for pipeline in made:
        pipeline.store.close()


EXAMPLES = int(os.environ.get("SQLXY_MAINTAINED_EXAMPLES", "25"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(ACTION, min_size=1, max_size=12))
def test_maintained_equals_full(pipelines: Any, steps: list[tuple[Any, ...]]) -> None:
    pipeline = pipelines()
    for step in [*SETUP, *steps, ("resolve",)]:
        pipeline.apply(step, steps)


#: A shorter run where every resolve is a full one (no transactions): one of each kind of step.
SHORT = [("write", ["v2", "v3"], 10.0, "b"), ("materialize",), ("delete", "video/chunk", "v1", False),
         ("faces", False), ("fail", "video/faces", True), ("variant", 1), ("resolve",),
         ("delete", "video/raw", "v4", True), ("compact", "video/faces"), ("outside",), ("summary", True),
         ("variant", 2), ("rebase", "video/summary"), ("report", False), ("retry", "video/faces"),
         ("cascade", "video/raw", "v2", False), ("resolve",), ("cascade", "video/chunk", "v3", True), ("resolve",)]


@pytest.mark.parametrize("engine", [e for e in ENGINES if e not in ("duckdb", "postgres")])
def test_full_resolves_equal_full_without_transactions(engine: str, request: pytest.FixtureRequest,
                                                         tmp_path: Path) -> None:
    config = target_config(engine, request, tmp_path)
    pipeline = Pipeline([make_project(tmp_path / f"variant{i}", v, config) for i, v in enumerate(VARIANTS)])
    try:
        for step in [*SETUP, *SHORT]:
            pipeline.apply(step, SHORT)
    finally:
        pipeline.store.close()


# -- each reason for a full recompute, and how status shows it ---------------------------------

@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Pipeline]:
    config = {"targets": {"it": {"type": "duckdb", "path": str(tmp_path / "db.duckdb")}}, "default_target": "it"}
    pipeline = Pipeline([make_project(tmp_path / f"variant{i}", v, config) for i, v in enumerate(VARIANTS)])
    for step in SETUP:
        pipeline.apply(step, SETUP)
    yield pipeline
    pipeline.store.close()


def how(pipeline: Pipeline, key: str = "video/report", **options: Any) -> str:
    increment = pipeline.store.resolve(key, **options)
    if not options:
        assert maintained_rows(increment) == expected_rows(pipeline.store, key)[0]
    return increment.how


def test_first_resolve_is_full_then_maintained(tmp_path: Path) -> None:
    config = {"targets": {"it": {"type": "duckdb", "path": str(tmp_path / "db.duckdb")}}, "default_target": "it"}
    pipeline = Pipeline([make_project(tmp_path / "p", VARIANTS[0], config)])
    pipeline.apply(("write", list(VIDEOS), 25.0, "a"), ())
    pipeline.apply(("materialize",), ())
    assert how(pipeline, "video/faces") == "full: no kept increment yet"
    assert how(pipeline, "video/faces") == "maintained (0 keys touched)"
    assert how(pipeline, "video/chunk") == "full: no kept increment yet"
    pipeline.apply(("write", ["v2"], 10.0, "b"), ())
    assert how(pipeline, "video/chunk") == "maintained (1 keys touched)"
    rows = {r["feature"]: r["last_resolve"] for r in pipeline.store.status()}
    assert rows == {"video/raw": None, "video/chunk": "maintained (1 keys touched)",
                    "video/faces": "maintained (0 keys touched)", "video/summary": None, "video/report": None}
    pipeline.store.close()


def test_materialize_reads_the_maintained_increment(duck: Pipeline) -> None:
    """materialize brings the kept increment up to date and expands it (its cost follows the
    change); a full recompute where the kept one cannot be maintained."""
    assert how(duck, "video/chunk").startswith("maintained")
    last = lambda: {r["feature"]: r["last_resolve"] for r in duck.store.status()}["video/chunk"]  # noqa: E731
    duck.apply(("write", ["v2"], 10.0, "b"), ())
    duck.apply(("materialize",), ())  # asserts chunk settled
    assert last() == "maintained (1 keys touched)"
    assert how(duck, "video/chunk") == "maintained (1 keys touched)"  # its own write, settled
    duck.apply(("delete", "video/raw", "v3", True), ())  # a new generation: materialize recomputes in full
    duck.apply(("materialize",), ())
    assert last() == "maintained (1 keys touched)"  # untouched: the next resolve says why it is full
    assert how(duck, "video/chunk") == "full: video__raw was hard-deleted, compacted, migrated or changed outside sqlxy"


def test_a_version_change_resolves_in_full(duck: Pipeline) -> None:
    duck.apply(("variant", 2), ())  # the aggregation's code version: summary and report change
    assert how(duck, "video/summary") == "full: the feature version changed (code, definition or an upstream field)"
    assert how(duck, "video/summary").startswith("maintained")
    assert how(duck, "video/chunk").startswith("maintained")  # its version did not change


def test_an_edited_definition_resolves_in_full(duck: Pipeline) -> None:
    duck.apply(("variant", 3), ())  # report's dep filter: same versions, other SQL
    assert how(duck) == "full: the compiled resolve changed (spec, settings or sqlxy)"
    assert how(duck).startswith("maintained")


def test_stale_if_resolves_in_full_and_keeps_the_kept_increment(duck: Pipeline) -> None:
    assert how(duck, stale_if="video_id = 'v1'") == "full: a stale_if predicate reads every current row"
    assert how(duck) == "maintained (0 keys touched)"


def test_a_root_resolves_in_full(duck: Pipeline) -> None:
    increment = duck.store.resolve("video/raw", samples=samples(list(VIDEOS), 25.0, "a"))
    assert increment.how == "full: a root feature's samples are given or read from its source"


@pytest.mark.parametrize("change", ["compact", "hard delete", "outside"])
def test_rows_removed_or_written_outside_resolve_in_full(duck: Pipeline, change: str) -> None:
    if change == "compact":
        duck.apply(("compact", "video/faces"), ())
        reason = "full: video__faces was hard-deleted, compacted, migrated or changed outside sqlxy"
    elif change == "hard delete":
        duck.apply(("delete", "video/faces", "v2", True), ())
        reason = "full: video__faces was hard-deleted, compacted, migrated or changed outside sqlxy"
    else:
        duck.apply(("outside",), ())
        reason = "full: video__faces has rows written outside sqlxy"
    assert how(duck, "video/summary") == reason
    assert how(duck, "video/summary") == "maintained (0 keys touched)"


def test_a_large_increment_is_not_kept(duck: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlxy.store import maintained

    monkeypatch.setattr(maintained, "KEEP_LIMIT", 1)
    duck.apply(("write", list(VIDEOS), 10.0, "c"), ())  # four stale reports
    duck.apply(("variant", 3), ())
    assert how(duck) == "full: the compiled resolve changed (spec, settings or sqlxy)"
    assert how(duck) == "full: the last increment had more than 1 rows, which are not kept"


def test_a_lost_change_log_resolves_in_full(duck: Pipeline) -> None:
    run_native(duck.store, "DELETE FROM sqlxy_state WHERE feature_table = 'video__raw'")
    assert how(duck) == "full: no change log for video__raw yet"


@pytest.mark.parametrize("engine", ["clickhouse", "spark"])
def test_engines_without_transactions_resolve_in_full(engine: str, request: pytest.FixtureRequest,
                                                      tmp_path: Path) -> None:
    pipeline = Pipeline([make_project(tmp_path / "p", VARIANTS[0], target_config(engine, request, tmp_path))])
    for step in SETUP:
        pipeline.apply(step, SETUP)
    assert how(pipeline) == f"full: {pipeline.store.adapter.dialect} has no transactions to keep a change log in"
    assert pipeline.store.status()[-1]["last_resolve"] is None
    pipeline.store.close()
