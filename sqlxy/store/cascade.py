"""Cascading deletes (`delete K --where SQL --cascade`): K's samples matching the condition go, and
so does what was derived from them downstream, soft (tombstones) or hard (every row).

Every doomed set is computed in the database and staged (`<table>:doomed`) before anything is
deleted, in topological order: K's are its samples matching the condition (`cascade_start`); a
downstream feature's are its compare keys that its expected rows hold now and would no longer hold
without its deps' doomed samples (`cascade_doomed`): identity and expansion children go, an
aggregation group only once no member is left, a sample that loses an optional dep stays (stale).
Where every dep traces its keys, only the keys reached by the deps' doomed rows are computed
(`cascade_reach`), so the cost follows what is deleted.

Then the features are deleted most downstream first, K last: in one transaction where the engine
has them, each feature's change log kept; elsewhere (ClickHouse, Spark) a run cut short leaves K's
samples in place, and running it again recomputes the doomed sets and finishes the job. A hard
cascade also removes the deleted samples' records of failure and every kept increment of the
features (docs/design.md, "Cascading deletes").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from sqlxy import selectors
from sqlxy.compiler import Query, state, system
from sqlxy.compiler.doomed import Doomed, doomed_relation
from sqlxy.compiler.params import CascadeParams
from sqlxy.dialects import SOURCE
from sqlxy.store import errors, history
from sqlxy.store.adapter import readable_by_delete, serialized
from sqlxy.store.conditions import checked_condition
from sqlxy.store.readonly import as_is, source_as_is
from sqlxy.store.runner import naming
from sqlxy.store.tables import Tables
from sqlxy.store.writes import stage_deleted_keys, unstage_deleted_keys

Counts = dict[str, dict[str, int]]


def cascade_delete(tables: Tables, key: str, where: str, hard: bool = False, dry_run: bool = False,
                   run_id: str | None = None) -> Counts:
    """Per feature in topological order (K first), the samples deleted and the rows appended
    (soft) or removed (hard); with `dry_run`, the samples that would be, and nothing written."""
    runner = tables.runner
    condition = checked_condition(runner.compiler, key, where, "where")
    order = selectors.select(runner.compiler.graph, [f"{key}+"])
    doomed: list[Doomed] = []
    staging = _Staging(tables, for_delete=hard and not dry_run)
    try:
        for feature in order:
            runner.step(f"finding what goes of {feature}")
            doomed.append(_stage_doomed(staging, feature, key, condition, hard, doomed))
        counts = {d.feature: {"samples": _counted(tables, exp.table_(d.relation, quoted=True)), "rows": 0}
                  for d in doomed}
        if not dry_run:  # the tables are made once every doomed set is known (missing ones read as empty)
            for feature in order:
                tables.ensure(feature)
            for feature, rows in _delete(tables, condition, hard, run_id, doomed).items():
                counts[feature]["rows"] = rows
    finally:
        staging.drop()
    return counts


def matching(tables: Tables, key: str, where: str, hard: bool = False) -> int:
    """The samples `delete` would delete (hard: tombstoned ones too), counted; writes nothing."""
    condition = checked_condition(tables.runner.compiler, key, where, "where")
    sql = source_as_is(tables, key, Query.CASCADE_START, CascadeParams(hard=hard, where=condition))
    with naming(key, Query.CASCADE_START):
        return _counted(tables, exp.maybe_parse(sql, dialect=SOURCE).subquery("matching"))


@dataclass
class _Staging:
    """The relations a cascade stages, kept until its end (later ones and the deletes read them)."""

    tables: Tables
    for_delete: bool  # a hard cascade's doomed sets are read by DELETEs (`readable_by_delete`)
    names: list[str] = field(default_factory=list)

    def stage(self, key: str, query: Query, params: CascadeParams, relation: str) -> str:
        """The query's rows as `relation` (a missing table, which a dry run creates none of, read
        as empty)."""
        adapter = self.tables.runner.adapter
        with naming(key, query):
            adapter.stage_query(relation, as_is(self.tables, key, query, params))
        self.names.append(relation)
        analyze = getattr(adapter, "analyze", None)  # PostgreSQL: statistics of the staged key set
        if analyze is not None:
            analyze(relation)
        return relation

    def doomed(self, feature: str, query: Query, params: CascadeParams, relation: str,
               columns: tuple[str, ...]) -> Doomed:
        """A feature's doomed samples, staged; for a hard cascade, also as its DELETEs read them."""
        self.stage(feature, query, params, relation)
        if not self.for_delete:
            return Doomed(feature, relation, columns)
        deleting = readable_by_delete(self.tables.runner.adapter, relation, self.tables.runner.schema)
        if deleting != relation:
            self.names.append(deleting)
        return Doomed(feature, relation, columns, deleting)

    def drop(self) -> None:
        """Every staged relation, even when one DROP fails (the first failure is raised last)."""
        failed: list[Exception] = []
        for name in reversed(self.names):
            try:
                self.tables.runner.adapter.unstage(name)
            except Exception as exc:  # the others are dropped all the same
                failed.append(exc)
        if failed:
            raise failed[0]


def _stage_doomed(staging: _Staging, feature: str, start: str, condition: str, hard: bool,
                  upstream: list[Doomed]) -> Doomed:
    """The feature's doomed samples, staged: the start's by ids (with its compare keys), a
    downstream feature's by compare keys, computed from its deps' staged ones."""
    model = staging.tables.runner.compiler.model(feature)
    relation = doomed_relation(model.table.name)
    if feature == start:
        params = CascadeParams(hard=hard, where=condition)
        return staging.doomed(feature, Query.CASCADE_START, params, relation, model.ids)
    deps = {dep.feature for dep in model.deps}
    params = CascadeParams(hard=hard, deps=tuple(d for d in upstream if d.feature in deps),
                           reached=doomed_relation(model.table.name, "reached"),
                           restricted=staging.tables.restrictable(feature))
    staging.stage(feature, Query.CASCADE_REACH, params, params.reached)
    return staging.doomed(feature, Query.CASCADE_DOOMED, params, relation, model.keys)


def _counted(tables: Tables, rows: exp.Expression) -> int:
    """The samples among staged doomed rows (an expansion's records of parents without
    children, and a hard cascade's keys without a stored row, are not)."""
    counted = exp.select("*").from_(rows).where(exp.column("sqlxy_counted").eq(1))
    return tables.runner.count(system.row_count(counted, tables.runner.adapter.dialect))


def _delete(tables: Tables, condition: str, hard: bool, run_id: str | None, doomed: list[Doomed]) -> dict[str, int]:
    """Delete the staged doomed samples, most downstream first, as one recorded write; the rows
    each feature's table gained (soft) or lost (hard)."""
    runner = tables.runner
    start, *downstream = [d.feature for d in doomed]
    steps = [(d, *_query(d, start, hard, run_id, runner.keeps_change_log)) for d in reversed(doomed)]
    # one statement each, except where the dialect expands DELETE (Spark: three); not atomic there
    statements = sum(len(runner.statements(d.feature, query, params)) for d, query, params in steps)
    statements += sum(hard and tables.has_errors(d.feature) for d in doomed)  # their records of failure
    before = {d.feature: tables.rows(d.feature) for d in doomed}
    operation = "cascade hard delete" if hard else "cascade soft delete"
    # the start's records of failure go as a plain hard delete's do: a parent keeps its records
    # while one of its children stays; downstream, every doomed key is gone whole
    records = stage_deleted_keys(tables, start, condition, hard) if hard and tables.has_errors(start, extend=True) \
        else None
    try:
        with runner.recorded(operation, start, statements=statements, also=tuple(downstream)):
            history.record_graph(tables)  # in the write's transaction, where there is one
            for staged, query, params in steps:
                runner.step(f"deleting from {staged.feature}")
                if hard:  # first, as a hard delete does
                    _forget(tables, staged.feature, records if staged.feature == start else staged.for_delete)
                runner.run(staged.feature, query, params)
    finally:
        if records is not None:
            unstage_deleted_keys(tables, records)
    after = {d.feature: tables.rows(d.feature) for d in doomed}
    return {k: before[k] - after[k] if hard else after[k] - before[k] for k in before}


def _query(staged: Doomed, start: str, hard: bool, run_id: str | None, stamped: bool) -> tuple[Query, CascadeParams]:
    """Every feature's delete reads what was staged, the start's by ids, a downstream feature's by
    compare keys: the start's condition is never run again (on the clock, or after a writer, it
    could match samples whose downstream was not staged)."""
    return Query.CASCADE_DELETE, CascadeParams(hard=hard, doomed=staged.for_delete, run_id=run_id, stamped=stamped,
                                               start=staged.feature == start)


def _forget(tables: Tables, key: str, relation: str | None) -> None:
    """Nothing of a hard-deleted sample stays: its records of failure (those of the compare keys
    in `relation`; None: the feature has none) go, and the feature's kept increment (its new,
    stale and orphaned rows), which the next resolve recomputes in full."""
    if relation is not None:
        errors.forget(tables, key, relation)
    runner = tables.runner
    if not runner.keeps_change_log:
        return  # no increment is kept where there is no change log
    table, schema, dialect = tables.name(key), runner.schema, runner.adapter.dialect
    with serialized(runner.adapter, f"increment {schema or ''}.{table}"):  # as a resolve keeps one
        runner.adapter.execute(state.drop_pending(table, schema, dialect))
        runner.adapter.execute(state.forget_increment(table, schema, dialect))
