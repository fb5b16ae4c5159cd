"""write and delete: user rows checked and typed before they reach the engine, then one
statement in one recorded transaction."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlglot import exp

from sqlxy.compiler import DeleteParams, ErrorParams, MaterializeParams, Query, ReadParams, WriteParams
from sqlxy.compiler.model import INCREMENT_RELATION, INPUT_RELATION
from sqlxy.dialects import SOURCE
from sqlxy.errors import InputError
from sqlxy.store import errors, history
from sqlxy.store.adapter import readable_by_delete
from sqlxy.store.conditions import checked_condition
from sqlxy.store.inputs import feature_rows
from sqlxy.store.prepare import RAW_RELATION, check_disjoint, prepare_rows
from sqlxy.store.staging import empty_parents_staging, write_staging
from sqlxy.store.tables import Tables

#: A hard delete's samples, staged for their records of failure to go too.
DELETED_KEYS = "sqlxy_deleted_keys"


def write(tables: Tables, key: str, rows: Any, partial: bool = False, run_id: str | None = None,
          empty_parents: Any = None) -> int:
    """Append rows atomically (see `Store.write`); returns the number of rows written."""
    runner = tables.runner
    node = runner.compiler.graph[key]
    runner.step("reading the input")
    table = feature_rows(key, rows) if rows is not None or empty_parents is None else pa.table({})
    runner.step("reading the input", table.num_rows)
    model = runner.compiler.model(key)
    runner.step("checking the input", table.num_rows)
    staged = [] if table.num_rows == 0 else [
        prepare_rows(table, write_staging(node, model, table.column_names, RAW_RELATION, run_id),
                     key, "input")]
    if empty_parents is not None:
        runner.step("checking the empty parents")
        staged += _empty_parents(tables, key, empty_parents, partial, run_id, staged)
    if not staged:
        return 0
    rows_in = pa.concat_tables(staged)
    runner.step("staging", rows_in.num_rows)
    tables.ensure_lineage(key)
    ends_errors = tables.has_errors(key, extend=True)
    runner.adapter.stage(INPUT_RELATION, rows_in)
    try:
        # the rows first: without transactions, a write cut short leaves a record whose provenance
        # is now the current one, which holds nothing back until that provenance is expected again
        with runner.recorded("write", key, rows_in.num_rows, statements=2 if ends_errors else 1):
            history.record_graph(tables)  # in the write's transaction, where there is one
            runner.step("appending", rows_in.num_rows)
            runner.run(key, Query.INSERT, WriteParams(run_id=run_id, partial=partial, stamped=runner.keeps_change_log))
            if ends_errors:
                errors.end(runner, key, run_id)
    finally:
        runner.adapter.unstage(INPUT_RELATION)
    return rows_in.num_rows


def _empty_parents(tables: Tables, key: str, rows: Any, partial: bool, run_id: str | None,
                   children: list[pa.Table]) -> list[pa.Table]:
    """The typed rows recording expansion parents without children, checked against the
    children written with them (a parent cannot be both)."""
    compiler = tables.runner.compiler
    node = compiler.graph[key]
    if partial:
        raise InputError(f"{key}: empty_parents record complete (empty) child sets; write them "
                         "without partial")
    table = feature_rows(key, rows)
    if table.num_rows == 0:
        return []
    staging = empty_parents_staging(node, compiler.model(key), table.column_names, RAW_RELATION, run_id)
    prepared = prepare_rows(table, staging, key, "empty_parents")
    if children:
        check_disjoint(children[0], prepared, node.compare_keys, key)
    return [prepared]


def delete(tables: Tables, key: str, where: str, hard: bool = False) -> int:
    """Soft delete appends tombstones; hard delete removes every row of the matching samples.
    Returns the rows appended (soft) or removed (hard)."""
    runner = tables.runner
    condition = checked_condition(runner.compiler, key, where, "where")
    tables.ensure(key)
    before = tables.rows(key)
    query = Query.HARD_DELETE if hard else Query.SOFT_DELETE
    params = DeleteParams(where=condition, stamped=runner.keeps_change_log)
    # one statement, except where the dialect expands DELETE (Spark: three, not atomic there)
    statements = len(runner.statements(key, query, params))
    # a hard delete leaves nothing of the samples: their records of failure go too
    deleted = stage_deleted_keys(tables, key, condition) if hard and tables.has_errors(key, extend=True) else None
    if deleted is not None:
        statements += len(runner.statements(key, Query.ERRORS_FORGET, ErrorParams(keys=deleted)))
    try:
        with runner.recorded("hard delete" if hard else "soft delete", key, statements=statements):
            history.record_graph(tables)  # in the write's transaction, where there is one
            if deleted is not None:  # first: without transactions, a delete cut short is completed by the next
                errors.forget(tables, key, deleted)
            runner.run(key, query, params)
    finally:
        if deleted is not None:
            unstage_deleted_keys(tables, deleted)
    after = tables.rows(key)
    return before - after if hard else after - before


def stage_deleted_keys(tables: Tables, key: str, condition: str, hard: bool = True) -> str:
    """The compare keys none of whose current rows (`hard`: tombstones too) is left by a delete of
    the rows `condition` matches (a parent keeps its records while one of its children stays),
    and, where the condition names compare keys only, those of the records it matches (a sample
    that failed and was never written), staged for a DELETE of their records of failure to read;
    returns the name it reads them by (`readable_by_delete`)."""
    runner = tables.runner
    model = runner.compiler.model(key)
    (current,) = runner.compiler.statements(key, Query.CURRENT, SOURCE, ReadParams(include_deleted=hard))
    keys = list(model.keys)
    matched = exp.paren(exp.maybe_parse(condition, dialect=SOURCE))

    def keys_where(where: exp.Expression, *extra: exp.Expression) -> exp.Select:
        rows = exp.maybe_parse(current, dialect=SOURCE).subquery("cur")
        return exp.select(*(exp.column(k, quoted=True) for k in keys), *extra).distinct().from_(rows).where(where)

    kept = keys_where(exp.not_(exp.func("COALESCE", matched.copy(), exp.false())), exp.alias_(exp.Literal.number(1),
                                                                                            "sqlxy_listed"))
    on = exp.and_(*(exp.column(k, "gone", quoted=True).eq(exp.column(k, "kept", quoted=True)) for k in keys))
    # ClickHouse fills an unmatched side with defaults, not NULL: the flag is coalesced
    unmatched = exp.func("COALESCE", exp.column("sqlxy_listed", "kept"), exp.Literal.number(0)).eq(0)
    doomed: exp.Query = exp.select(*(exp.column(k, "gone", quoted=True) for k in keys)) \
        .from_(keys_where(matched).subquery("gone")).join(kept.subquery("kept"), on=on, join_type="left") \
        .where(unmatched)
    if {c.name for c in matched.find_all(exp.Column)} <= set(keys):
        recorded = exp.select(*(exp.column(k, quoted=True) for k in keys)).from_(model.errors.copy()) \
            .where(matched.copy())
        doomed = exp.union(doomed, recorded, distinct=True)
    runner.adapter.stage_query(DELETED_KEYS, runner.native(doomed.sql(SOURCE)))
    return readable_by_delete(runner.adapter, DELETED_KEYS, runner.schema)


def unstage_deleted_keys(tables: Tables, deleting: str) -> None:
    """Drop what `stage_deleted_keys` staged (and the copy a DELETE read, where there is one)."""
    for name in dict.fromkeys([deleting, DELETED_KEYS]):
        tables.runner.adapter.unstage(name)


def retire(tables: Tables, key: str, orphaned: pa.Table, run_id: str | None = None) -> int:
    """Tombstones for the current samples whose compare keys `orphaned` lists (resolve's orphaned
    rows; an expansion's: every child of those parents), as materialize retires them: the keys are
    staged and joined in the database, however many. Returns the rows appended."""
    runner = tables.runner
    keys = list(runner.compiler.graph[key].compare_keys)
    missing = [k for k in keys if k not in orphaned.column_names]
    if missing:
        raise InputError(f"{key}: the orphaned rows lack compare key column(s) {', '.join(missing)}")
    if orphaned.num_rows == 0:
        return 0
    staged = orphaned.select(keys).append_column("sqlxy_change", pa.array(["orphaned"] * orphaned.num_rows))
    tables.ensure(key)
    before = tables.rows(key)
    runner.adapter.stage(INCREMENT_RELATION, staged)
    try:
        with runner.recorded("retire", key):
            history.record_graph(tables)  # in the write's transaction, where there is one
            runner.run(key, Query.RETIRE_ORPHANED,
                       MaterializeParams(run_id=run_id, staged=True, stamped=runner.keeps_change_log))
    finally:
        runner.adapter.unstage(INCREMENT_RELATION)
    return tables.rows(key) - before
