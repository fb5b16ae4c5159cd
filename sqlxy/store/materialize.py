"""materialize: a SQL-defined feature made to match its definition inside the database, its
computed rows checked (as `write` checks user rows) before anything is written."""

from __future__ import annotations

from sqlxy.compiler import MaterializeParams, Query, WriteParams
from sqlxy.compiler.model import INCREMENT_RELATION, INPUT_RELATION
from sqlxy.errors import InputError
from sqlxy.store import history, maintained
from sqlxy.store.resolve import check_input_versions
from sqlxy.store.runner import Runner, naming
from sqlxy.store.tables import Tables


def materialize(tables: Tables, key: str, run_id: str | None = None) -> dict[str, int]:
    """(Re)write a SQL-defined feature entirely in the database; retire orphaned samples.
    Returns the samples `written`, the parents recorded `empty` and the rows `retired`."""
    runner = tables.runner
    node = runner.compiler.graph[key]
    if Query.MATERIALIZE not in runner.compiler.queries(key):
        raise InputError(f"{key} is not SQL-defined: only roots with source.table/source.query and "
                         "expansions with generate can be materialized")
    tables.ensure_lineage(key)
    if node.is_root:
        runner.step("checking the source's input versions")
        check_input_versions(runner, key)
    before = tables.rows(key)
    runner.step("staging the increment")
    # the increment the maintained way where it can be (its kept rows brought up to date), else
    # the full resolve query; either is computed in the database and staged once
    increment_sql = maintained.increment_query(runner, key)
    staged = MaterializeParams(staged=True, run_id=run_id, stamped=runner.keeps_change_log)
    (rows_sql,) = runner.statements(key, Query.MATERIALIZE, staged)
    try:  # unstaged after the transaction: inside a failed one, any statement fails again
        with naming(key, "materialize"):
            runner.adapter.stage_query(INCREMENT_RELATION, increment_sql)  # computed once, read twice
            runner.step("computing the rows")
            runner.adapter.stage_query(INPUT_RELATION, rows_sql)
        runner.step("checking the rows")
        counts = _check_computed(runner, key)  # nothing is written before the checks passed
        runner.step("checking the rows", counts["written"] + counts["empty"])
        # retire, then insert: without transactions a run cut short is completed by the next
        # (docs/design.md, "Engine capabilities")
        with runner.recorded("materialize", key, counts["written"] + counts["empty"], statements=2):
            history.record_graph(tables)  # in the write's transaction, where there is one
            runner.step("retiring orphaned samples")
            runner.run(key, Query.RETIRE_ORPHANED, staged)
            runner.step("inserting", counts["written"] + counts["empty"])
            runner.run(key, Query.INSERT, WriteParams(run_id=run_id, stamped=runner.keeps_change_log))
    finally:
        runner.adapter.unstage(INPUT_RELATION)
        runner.adapter.unstage(INCREMENT_RELATION)
    counts["retired"] = tables.rows(key) - before - counts["written"] - counts["empty"]
    return counts


def _check_computed(runner: Runner, key: str) -> dict[str, int]:
    """The rows materialize computed, checked as `write` checks user rows (SPEC §6): ids
    present and unique (an expansion's child ids also against the current children of the
    parents this run leaves alone). A violation writes nothing and names the column and an
    example."""
    (row,) = runner.fetch(key, Query.MATERIALIZE_CHECKS, MaterializeParams(staged=True)).to_pylist()
    model = runner.compiler.model(key)
    rejected = f"{key}: materialize computed rows that cannot be stored, nothing written:"
    for i, name in enumerate(runner.compiler.graph[key].spec.id_columns):
        if row[f"null_{i}"]:
            raise InputError(f"{rejected} id column '{name}' is NULL in {row[f'null_{i}']} row(s) "
                             f"(e.g. the row with {model.example_column} = {row[f'null_example_{i}']!r})")
    for i, (name, wrong, _) in enumerate(model.value_checks):
        if row[f"bad_value_{i}"]:
            raise InputError(f"{rejected} column '{name}' holds {wrong} in {row[f'bad_value_{i}']} row(s) "
                             f"(e.g. {row[f'bad_value_example_{i}']!r}); check the source or generate")
    if row["sqlxy_duplicates"]:
        raise InputError(f"{rejected} {row['sqlxy_duplicates']} id(s) appear more than once "
                         f"(e.g. {row['sqlxy_duplicate_example']!r}); check the source or "
                         "generate.columns of the id columns")
    if row["sqlxy_taken"]:
        raise InputError(f"{rejected} {row['sqlxy_taken']} computed id(s) already belong to another "
                         f"parent's current children (e.g. {row['sqlxy_taken_example']!r}); child ids "
                         "must be unique across parents (include the parent key in generate.columns)")
    return {"written": row["sqlxy_samples"] or 0, "empty": row["sqlxy_empty_parents"] or 0}
