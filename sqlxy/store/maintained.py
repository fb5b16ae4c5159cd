"""Maintained increments (docs/design.md, "Maintained increments"): a resolve recomputes only the
compare keys touched since the marks its kept increment was computed at, and merges them into it.

Every write stamps its rows with its feature's change-log seq, raised in the write's own
transaction (`Runner._change_log`), so on PostgreSQL the row lock orders a feature's writers by
commit: once a resolve reads seq N, every row stamped ≤ N is committed and visible. A resolve
reads the marks first, then the rows stamped after the kept marks, so a write that commits in
between is read again by the next resolve, never missed.

A full recompute runs instead whenever the kept increment cannot be trusted; the reason is kept
with the increment and shown by `status`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from sqlxy.compiler import IncrementParams, Query, TouchedParams, state, system
from sqlxy.compiler.model import TOUCHED_RELATION
from sqlxy.compiler.names import pending_table
from sqlxy.store.adapter import serialized
from sqlxy.store.increment import ERROR, ERRORED
from sqlxy.store.runner import Runner, naming

#: A full increment of more rows is not kept: keeping it would cost as much as computing it, and a
#: feature with that much pending work is being recomputed anyway. The next resolve is full again.
#: More touched keys than this are recomputed by the full query too, which reads the whole table
#: faster than a restriction to most of its keys.
KEEP_LIMIT = 100_000
STAGED_PENDING = "sqlxy_pending_rows"
#: Raised when what is kept changes meaning without the compiled resolve changing.
KEPT_FORMAT = "sqlxy kept increment 1"


@dataclass(frozen=True)
class Mark:
    seq: int
    generation: int
    rows: int | None    # the row count recorded by the last write (engines that count)
    actual: int | None  # the row count now (engines that count)


@dataclass(frozen=True)
class Reading:
    """What a resolve reads before it decides: the marks now, and the full resolve query on this
    engine, rendered once for both the full recompute and the signature."""

    marks: dict[str, Mark]
    full_sql: str

    @property
    def signature(self) -> str:
        """What a kept increment is valid for: the compiled full resolve (versions, hash settings,
        lineage and filters are all in it) on this engine, in this format of what is kept."""
        return hashlib.sha256("\n".join([KEPT_FORMAT, self.full_sql]).encode()).hexdigest()


def increment_rows(runner: Runner, key: str, params: IncrementParams) -> tuple[pa.Table, str]:
    """The rows of the feature's `resolve` query, and how they were computed: `maintained (N
    keys touched)` or `full: <reason>`."""
    reason = _always_full(runner, key, params)
    if reason:
        return runner.fetch(key, Query.RESOLVE, params), f"full: {reason}"
    reading, kept, reason = _checked(runner, key)
    outcome = reason or _maintained(runner, key, reading, kept, fetch=True, errors=params.errors)
    if isinstance(outcome, str):
        return _full(runner, key, reading, outcome, params), f"full: {outcome}"
    rows, how = outcome
    assert rows is not None
    return rows, how


def increment_query(runner: Runner, key: str) -> str:
    """materialize's increment, as a query it stages: the kept rows brought up to date in the
    database where the kept increment can be maintained, else the full resolve query (the next
    resolve then keeps it)."""
    if _always_full(runner, key, IncrementParams()):
        (full_sql,) = runner.statements(key, Query.RESOLVE, IncrementParams())
        return full_sql
    reading, kept, reason = _checked(runner, key)
    if reason or isinstance(_maintained(runner, key, reading, kept, fetch=False), str):
        return reading.full_sql
    return state.read_pending(runner.compiler.table_name(key), runner.schema, runner.adapter.dialect)


def _checked(runner: Runner, key: str) -> tuple[Reading, dict[str, list[int]], str | None]:
    """The marks now, those the kept increment was computed at, and why it cannot be maintained
    (None when it can). Rows written outside sqlxy start a new generation here."""
    tables = _tables(runner, key)
    marks = _read_marks(runner, tables)
    bypassed = [t for t, m in marks.items() if m.actual is not None and m.rows != m.actual]
    if bypassed:
        _reset(runner, bypassed)
        marks = _read_marks(runner, tables)
    saved = _read_saved(runner, tables[0])
    (full_sql,) = runner.statements(key, Query.RESOLVE, IncrementParams())
    reading = Reading(marks, full_sql)
    reason = (f"{', '.join(bypassed)} has rows written outside sqlxy" if bypassed
              else _why_full(runner, key, tables, reading, saved))
    return reading, {} if reason or saved is None else json.loads(saved["marks"]), reason


def last_resolve(runner: Runner, key: str) -> str | None:
    """How the feature's last resolve computed its increment, None when none was kept."""
    if runner.adapter.BYPASS_CHECK == "" or runner.adapter.columns(state.INCREMENTS_TABLE, runner.schema) is None:
        return None
    saved = _read_saved(runner, runner.compiler.table_name(key))
    return None if saved is None else saved["how"]


def _always_full(runner: Runner, key: str, params: IncrementParams) -> str | None:
    model = runner.compiler.model(key)
    if params.stale_if is not None:
        return "a stale_if predicate reads every current row"
    if not runner.adapter.SUPPORTS_TRANSACTIONS or runner.adapter.BYPASS_CHECK == "":
        return f"{runner.adapter.dialect} has no transactions to keep a change log in"
    if model.root:
        return "a root feature's samples are given or read from its source"
    if not model.traceable:
        return "a dep's changes cannot be traced to this feature's compare keys"
    return None


def _why_full(runner: Runner, key: str, tables: list[str], reading: Reading,
              saved: dict[str, Any] | None) -> str | None:
    marks = reading.marks
    missing = [t for t in tables if t not in marks]
    if missing:
        return f"no change log for {', '.join(missing)} yet"
    if saved is None:
        return "no kept increment yet"
    if saved["signature"] != reading.signature:
        if saved["feature_version"] != runner.compiler.model(key).version:
            return "the feature version changed (code, definition or an upstream field)"
        return "the compiled resolve changed (spec, settings or sqlxy)"
    if saved["kept"] is None or saved["kept"] < 0:
        return f"the last increment had more than {KEEP_LIMIT} rows, which are not kept"
    kept = json.loads(saved["marks"])
    for table in tables:
        if table not in kept:
            return f"{table} was not in the lineage of the kept increment"
        seq, generation = kept[table]
        if generation != marks[table].generation:
            return f"{table} was hard-deleted, compacted, migrated or changed outside sqlxy"
        if seq > marks[table].seq:
            return f"the change log of {table} went back"
    return None


def _full(runner: Runner, key: str, reading: Reading, how: str, params: IncrementParams) -> pa.Table:
    """The full increment, kept; where records of failure exist it is read with the rows they
    hold back flagged, and kept without the flags (they are read again with the kept rows)."""
    if params.errors:
        rows = runner.fetch(key, Query.RESOLVE, params)
        pending = rows.drop_columns([ERRORED, ERROR])
    else:
        with naming(key, Query.RESOLVE):
            rows = pending = runner.adapter.fetch_arrow(reading.full_sql)
    table, schema, dialect = runner.compiler.table_name(key), runner.schema, runner.adapter.dialect
    kept = rows.num_rows <= KEEP_LIMIT

    def replace() -> int:
        statements = (state.replace_pending(table, schema, STAGED_PENDING, dialect) if kept
                      else [state.drop_pending(table, schema, dialect)])
        for statement in statements:
            runner.adapter.execute(statement)
        return rows.num_rows if kept else -1

    if kept:
        runner.adapter.stage(STAGED_PENDING, pending)
    try:
        _keep(runner, key, reading, f"full: {how}", None, replace)
    finally:
        if kept:
            runner.adapter.unstage(STAGED_PENDING)
    return rows


def _maintained(runner: Runner, key: str, reading: Reading, kept: dict[str, list[int]],
                fetch: bool, errors: bool = False) -> tuple[pa.Table | None, str] | str:
    """The kept increment brought up to date, and how; with `fetch`, its rows read back (flagged
    where records of failure hold them back, `errors`). Returns the reason instead when the
    change is too large to maintain."""
    table, schema, dialect = runner.compiler.table_name(key), runner.schema, runner.adapter.dialect
    since = [(t, kept[t][0]) for t in _tables(runner, key)]
    changed = runner.count(state.changed_rows(since, schema, dialect))
    if changed > KEEP_LIMIT:  # most of a table: the full query reads it faster than by keys
        return f"{changed} rows written since, more than the {KEEP_LIMIT} a maintained resolve reads"
    if changed:
        _stage_touched(runner, key, since)
    try:
        touched = runner.count(system.row_count(
            exp.select("*").from_(exp.table_(TOUCHED_RELATION, quoted=True)), dialect)) if changed else 0
        if touched > KEEP_LIMIT:  # most of the table: the full query reads it faster than by keys
            return f"{touched} keys touched, more than the {KEEP_LIMIT} a maintained resolve recomputes"
        how = f"maintained ({touched} keys touched)"
        found: list[pa.Table] = []

        def merge() -> int:
            if touched:
                runner.adapter.execute(state.retire_touched(table, schema, runner.compiler.model(key).keys, dialect))
                runner.run(key, Query.KEEP, IncrementParams(maintained=True))
            if not fetch:
                kept_rows = exp.select("*").from_(exp.table_(pending_table(table), db=schema, quoted=True))
                return runner.count(system.row_count(kept_rows, dialect))
            found.append(runner.fetch(key, Query.PENDING, IncrementParams(errors=errors)))
            return found[0].num_rows

        _keep(runner, key, reading, how, touched, merge)
    finally:
        if changed:
            runner.adapter.unstage(TOUCHED_RELATION)
    return (found[0] if found else None), how


def _stage_touched(runner: Runner, key: str, since: list[tuple[str, int]]) -> None:
    """The compare keys touched since the marks, as relation TOUCHED_RELATION."""
    with naming(key, Query.TOUCHED):
        (touched_sql,) = runner.statements(key, Query.TOUCHED, TouchedParams(marks=tuple(m for _, m in since)))
        runner.adapter.stage_query(TOUCHED_RELATION, touched_sql)
        analyze = getattr(runner.adapter, "analyze", None)  # PostgreSQL: statistics of the key set
        if analyze is not None:
            analyze(TOUCHED_RELATION)


def _keep(runner: Runner, key: str, reading: Reading, how: str, touched: int | None,
          work: Callable[[], int]) -> None:
    """One transaction that replaces the kept increment (`work`, which returns the rows kept, -1
    for none) and its record. Concurrent resolves of one feature (PostgreSQL) take turns: each
    first takes the feature's advisory lock (which a first resolve, with no record to lock yet,
    needs too: two of them each kept a record and raced to create the kept rows' table), so the
    second one removes the first one's record and reads its kept rows before it changes them."""
    table, schema, dialect = runner.compiler.table_name(key), runner.schema, runner.adapter.dialect
    with runner.adapter.transaction(), naming(key, Query.KEEP), \
            serialized(runner.adapter, f"increment {schema or ''}.{table}"):
        runner.adapter.execute(state.forget_increment(table, schema, dialect))
        kept = work()
        marks = {t: [m.seq, m.generation] for t, m in reading.marks.items()}
        values = {"signature": reading.signature, "feature_version": runner.compiler.model(key).version,
                  "marks": json.dumps(marks, sort_keys=True),
                  "kept": kept, "how": how, "touched": touched}
        runner.adapter.execute(state.save_increment(table, schema, values, dialect))


def _tables(runner: Runner, key: str) -> list[str]:
    """The feature's own table first, then its deps' in the model's order (the marks' order)."""
    model = runner.compiler.model(key)
    return [model.table.name, *(dep.stored.name for dep in model.deps)]


def _read_marks(runner: Runner, tables: list[str]) -> dict[str, Mark]:
    counted = runner.adapter.BYPASS_CHECK == "row_count"
    found = runner.adapter.fetch_arrow(state.marks(sorted(set(tables)), runner.schema, counted,
                                                   runner.adapter.dialect)).to_pylist()
    return {r["feature_table"]: Mark(r["seq"], r["generation"], r["row_count"] if counted else None,
                                     r["actual_rows"] if counted else None) for r in found}


def _read_saved(runner: Runner, table: str) -> dict[str, Any] | None:
    found = runner.adapter.fetch_arrow(state.read_increment(table, runner.schema, runner.adapter.dialect))
    return found.to_pylist()[0] if found.num_rows else None


def _reset(runner: Runner, tables: list[str]) -> None:
    """Rows written outside sqlxy: a new generation for each table, their count taken as known."""
    with runner.adapter.transaction():
        for table in tables:
            runner.adapter.execute(state.reset_rows(table, runner.schema, runner.adapter.dialect))
