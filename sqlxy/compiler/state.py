"""The SQL of maintained increments (docs/design.md, "Maintained increments"): the change log's
counters (`sqlxy_state`, one row per feature table), the record of each feature's last resolve
(`sqlxy_increments`) and its kept pending rows (`<table>:pending`).

Each statement is a sqlglot expression in the source dialect, generated for the target one, as in
`compiler/system.py`; names and values are quoted and escaped by sqlglot.
"""

from __future__ import annotations

from functools import reduce

from sqlglot import exp

from sqlxy.compiler.model import STATE_TABLE, TOUCHED_RELATION
from sqlxy.compiler.names import commit_index, pending_table
from sqlxy.compiler.params import NOW_UTC
from sqlxy.compiler.sqlparts import in_relation
from sqlxy.compiler.system import for_dialect

INCREMENTS_TABLE = "sqlxy_increments"
STATE_COLUMNS = {"feature_table": "VARCHAR", "seq": "BIGINT", "generation": "BIGINT", "row_count": "BIGINT"}
#: One row per feature: what its last resolve computed, at which marks, and how.
INCREMENT_COLUMNS = {"feature_table": "VARCHAR", "signature": "VARCHAR", "feature_version": "VARCHAR",
                     "marks": "VARCHAR", "kept": "BIGINT", "how": "VARCHAR", "touched": "BIGINT",
                     "resolved_at": "TIMESTAMP"}


def create_state(schema: str | None, dialect: str) -> list[str]:
    return [for_dialect(_create(STATE_TABLE, STATE_COLUMNS, schema), dialect),
            for_dialect(_create(INCREMENTS_TABLE, INCREMENT_COLUMNS, schema), dialect)]


def add_state_row(table: str, schema: str | None, counted: bool, dialect: str) -> str:
    """The feature table's counters, once: seq and generation 0, and the rows it holds where
    they are counted (`counted`: the engine checks for rows written outside sqlxy by count)."""
    rows: exp.Expression = (exp.select(exp.Count(this=exp.Star())).from_(_table(table, schema)).subquery()
                            if counted else exp.Literal.number(0))
    absent = exp.Not(this=exp.In(this=exp.Literal.string(table), query=exp.Subquery(
        this=exp.select(_col("feature_table")).from_(_table(STATE_TABLE, schema)))))
    values = exp.select(exp.Literal.string(table), exp.Literal.number(0), exp.Literal.number(0), rows).where(absent)
    insert = exp.insert(values, _table(STATE_TABLE, schema), columns=[_name(c) for c in STATE_COLUMNS])
    return for_dialect(insert, dialect)


def bump(table: str, schema: str | None, reset: bool, dialect: str) -> str:
    """A write's first statement: the feature's seq + 1, which its rows are stamped with. In
    PostgreSQL the row lock it takes orders the writers of a feature by commit; `reset` (hard
    delete, compact, migrate: rows removed or rewritten) also starts a new generation, which no
    kept increment survives."""
    changes = {"seq": exp.Add(this=_col("seq"), expression=exp.Literal.number(1))}
    if reset:
        changes["generation"] = exp.Add(this=_col("generation"), expression=exp.Literal.number(1))
    return for_dialect(_update(table, schema, changes), dialect)


def count_rows(table: str, schema: str | None, dialect: str) -> str:
    """A write's last statement where rows are counted: the table's row count after it."""
    rows = exp.select(exp.Count(this=exp.Star())).from_(_table(table, schema)).subquery()
    return for_dialect(_update(table, schema, {"row_count": rows}), dialect)


def summarize_commit_index(table: str, schema: str | None, dialect: str) -> str:
    """PostgreSQL, after a write commits: its block ranges added to the commit index, which scans
    only the blocks a write added. Unsummarized blocks are read by every resolve, so a table
    loaded since autovacuum last ran would be read whole (1M chunks: 0.3 s an idle resolve)."""
    name = exp.table_(commit_index(table).name, db=schema, quoted=True).sql(dialect)
    found = exp.select(exp.alias_(exp.Anonymous(this="to_regclass", expressions=[exp.Literal.string(name)]), "i"))
    summarize = exp.Anonymous(this="brin_summarize_new_values", expressions=[exp.column("i")])
    # a table of the old layout has no commit index until `sqlxy migrate`: nothing to summarize
    statement = exp.select(summarize).from_(found.subquery("commit_index")).where(
        exp.Not(this=exp.Is(this=exp.column("i"), expression=exp.Null())))
    return for_dialect(statement, dialect)


def reset_rows(table: str, schema: str | None, dialect: str) -> str:
    """Rows written outside sqlxy were seen: a new generation, and their count taken as known."""
    rows = exp.select(exp.Count(this=exp.Star())).from_(_table(table, schema)).subquery()
    changes = {"generation": exp.Add(this=_col("generation"), expression=exp.Literal.number(1)), "row_count": rows}
    return for_dialect(_update(table, schema, changes), dialect)


def marks(tables: list[str], schema: str | None, counted: bool, dialect: str) -> str:
    """Each table's counters and, where rows are counted, its actual row count, in one statement
    (one snapshot)."""
    actual: exp.Expression = exp.Literal.number(0)
    state = exp.select(*(_col(c) for c in STATE_COLUMNS)).from_(_table(STATE_TABLE, schema))
    state = state.where(exp.In(this=_col("feature_table"), expressions=[exp.Literal.string(t) for t in tables]))
    if not counted:
        return for_dialect(state.select(exp.alias_(actual, "actual_rows")), dialect)
    counts = [exp.select(exp.alias_(exp.Literal.string(t), "counted_table"),
                         exp.alias_(exp.Count(this=exp.Star()), "actual_rows")).from_(_table(t, schema))
              for t in tables]
    union = reduce(lambda left, right: exp.union(left, right, distinct=False), counts)
    joined = (exp.select(*(exp.column(c, "s", quoted=True) for c in STATE_COLUMNS),
                         exp.column("actual_rows", "c", quoted=True))
              .from_(state.subquery("s"))
              .join(union.subquery("c"), on=exp.column("feature_table", "s", quoted=True).eq(
                  exp.column("counted_table", "c", quoted=True))))
    return for_dialect(joined, dialect)


def changed_rows(marks: list[tuple[str, int]], schema: str | None, dialect: str) -> str:
    """How many rows were stamped after each table's mark, in all (`n`): an upper bound of the
    keys they touch, read from the commit column's zone maps (DuckDB) or block range index
    (PostgreSQL) without reading the rows."""
    after = [exp.select(exp.alias_(exp.Count(this=exp.Star()), "n")).from_(_table(table, schema))
             .where(exp.GT(this=_col("sqlxy_commit"), expression=exp.Literal.number(mark)))
             for table, mark in marks]
    union = reduce(lambda left, right: exp.union(left, right, distinct=False), after)
    total = exp.select(exp.alias_(exp.Coalesce(this=exp.Sum(this=_col("n")), expressions=[exp.Literal.number(0)]),
                                  "n")).from_(union.subquery("changed"))
    return for_dialect(total, dialect)


def read_increment(table: str, schema: str | None, dialect: str) -> str:
    query = exp.select(*(_col(c) for c in INCREMENT_COLUMNS)).from_(_table(INCREMENTS_TABLE, schema))
    return for_dialect(query.where(_is(table)), dialect)


def forget_increment(table: str, schema: str | None, dialect: str) -> str:
    """The previous record of a resolve goes (first in the transaction that saves the next)."""
    return for_dialect(exp.delete(_table(INCREMENTS_TABLE, schema), where=_is(table)), dialect)


def save_increment(table: str, schema: str | None, values: dict[str, str | int | None], dialect: str) -> str:
    """The record of a resolve (after `forget_increment`, in the same transaction)."""
    values = {**values, "feature_table": table}
    row = [_literal(values.get(c), kind) for c, kind in INCREMENT_COLUMNS.items() if c != "resolved_at"]
    row.append(exp.maybe_parse(NOW_UTC, dialect="duckdb"))
    insert = exp.insert(exp.select(*row), _table(INCREMENTS_TABLE, schema),
                        columns=[_name(c) for c in INCREMENT_COLUMNS])
    return for_dialect(insert, dialect)


def replace_pending(table: str, schema: str | None, staged: str, dialect: str) -> list[str]:
    """The kept pending rows become those of the staged relation."""
    pending = _table(pending_table(table), schema)
    drop = _drop(pending)
    create = exp.Create(this=pending.copy(), kind="TABLE",
                        expression=exp.select("*").from_(exp.table_(staged, quoted=True)))
    return [for_dialect(drop, dialect), for_dialect(create, dialect)]


def drop_pending(table: str, schema: str | None, dialect: str) -> str:
    return for_dialect(_drop(_table(pending_table(table), schema)), dialect)


def retire_touched(table: str, schema: str | None, keys: tuple[str, ...], dialect: str) -> str:
    """The kept pending rows of touched keys go; the maintained resolve recomputes them."""
    where = in_relation(keys, keys, TOUCHED_RELATION)
    return for_dialect(exp.delete(_table(pending_table(table), schema), where=where), dialect)


def read_pending(table: str, schema: str | None, dialect: str) -> str:
    return for_dialect(exp.select("*").from_(_table(pending_table(table), schema)), dialect)


def _drop(table: exp.Table) -> exp.Drop:
    return exp.Drop(tables=[table], kind="TABLE", exists=True)


def _update(table: str, schema: str | None, changes: dict[str, exp.Expression]) -> exp.Update:
    return exp.Update(this=_table(STATE_TABLE, schema),
                      expressions=[exp.EQ(this=_col(name), expression=value) for name, value in changes.items()],
                      where=exp.Where(this=_is(table)))


def _create(name: str, columns: dict[str, str], schema: str | None) -> exp.Create:
    defs = [exp.ColumnDef(this=_name(c), kind=exp.DataType.build(kind, dialect="duckdb"))
            for c, kind in columns.items()]
    return exp.Create(this=exp.Schema(this=_table(name, schema), expressions=defs), kind="TABLE", exists=True)


def _literal(value: str | int | None, kind: str) -> exp.Expression:
    if value is None:
        return exp.cast(exp.Null(), kind)
    return exp.Literal.number(int(value)) if kind == "BIGINT" else exp.Literal.string(str(value))


def _is(table: str) -> exp.Expression:
    return _col("feature_table").eq(exp.Literal.string(table))


def _table(name: str, schema: str | None) -> exp.Table:
    return exp.table_(name, db=schema, quoted=True)


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _name(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)
