"""write and delete: user rows checked and typed before they reach the engine, then one
statement in one recorded transaction."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from sqlxy.compiler import DeleteParams, MaterializeParams, Query, WriteParams
from sqlxy.compiler.model import INCREMENT_RELATION, INPUT_RELATION
from sqlxy.errors import InputError
from sqlxy.store import history
from sqlxy.store.conditions import checked_condition
from sqlxy.store.inputs import feature_rows
from sqlxy.store.prepare import RAW_RELATION, check_disjoint, prepare_rows
from sqlxy.store.staging import empty_parents_staging, write_staging
from sqlxy.store.tables import Tables


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
    runner.adapter.stage(INPUT_RELATION, rows_in)
    try:
        with runner.recorded("write", key, rows_in.num_rows):
            history.record_graph(tables)  # in the write's transaction, where there is one
            runner.step("appending", rows_in.num_rows)
            runner.run(key, Query.INSERT, WriteParams(run_id=run_id, partial=partial, stamped=runner.keeps_change_log))
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
    with runner.recorded("hard delete" if hard else "soft delete", key, statements=statements):
        history.record_graph(tables)  # in the write's transaction, where there is one
        runner.run(key, query, params)
    after = tables.rows(key)
    return before - after if hard else after - before


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
