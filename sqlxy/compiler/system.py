"""The SQL that is not per feature: row counts, the engine's clock, stand-in relations, schema
creation and the graph history table.

Each statement is built as a sqlglot expression in the source dialect (identifiers quoted and
literals escaped by sqlglot, types read as DuckDB names) and generated for the target dialect,
so the per-dialect fixes of `sqlxy.dialects` apply to it as to the templates (ClickHouse's
MergeTree engine and `CREATE DATABASE`, Spark's UTC `now()`, ...).
"""

from __future__ import annotations

from functools import reduce

import sqlglot
from sqlglot import exp

from sqlxy import dialects
from sqlxy.compiler.params import NOW_UTC

HISTORY_TABLE = "sqlxy_graph_history"
#: The history table's columns, in the order its INSERT gives them (the push time last).
HISTORY_COLUMNS = {"project_version": "VARCHAR", "feature_key": "VARCHAR", "feature_version": "VARCHAR",
                   "spec_hash": "VARCHAR", "spec_json": "VARCHAR", "pushed_at": "TIMESTAMP"}


def for_dialect(expression: exp.Expression, dialect: str) -> str:
    """One statement in `dialect`, formatted as `compiler.transpile` formats the templates."""
    return expression.sql(dialect=dialects.get(dialect), pretty=True)


def row_count(query: str | exp.Query, dialect: str) -> str:
    """`SELECT COUNT(*) AS n` over the rows of `query` (source dialect: text or expression)."""
    rows = exp.maybe_parse(query, dialect=dialects.SOURCE)
    counted = exp.select(exp.alias_(exp.Count(this=exp.Star()), "n")).from_(rows.subquery("counted"))
    return for_dialect(counted, dialect)


def table_rows(table: str, schema: str | None, dialect: str) -> str:
    """Every row of a table, history and tombstones included."""
    return row_count(exp.select("*").from_(_table(table, schema)), dialect)


def current_time(dialect: str) -> str:
    """The engine's clock (UTC), the one that stamps rows: `SELECT … AS now`."""
    now = sqlglot.parse_one(NOW_UTC, read=dialects.SOURCE)
    return for_dialect(exp.select(exp.alias_(now, "now")), dialect)


def create_schema(schema: str, dialect: str) -> str:
    create = exp.Create(this=exp.Table(db=_name(schema)), kind="SCHEMA", exists=True)
    return for_dialect(create, dialect)


def missing_table(typed: list[tuple[str, str]]) -> exp.Select:
    """Stands in for a table that does not exist: its columns (name, DuckDB type), no rows."""
    return exp.select(*_nulls(typed)).where(exp.false())


def extended_table(table: str, schema: str | None, typed: list[tuple[str, str]]) -> exp.Select:
    """Stands in for a table that lacks columns a spec change added: NULL in those."""
    return exp.select(exp.Star(), *_nulls(typed)).from_(_table(table, schema))


def create_history(schema: str | None, dialect: str) -> str:
    columns = [exp.ColumnDef(this=_name(name), kind=_type(kind)) for name, kind in HISTORY_COLUMNS.items()]
    create = exp.Create(this=exp.Schema(this=_table(HISTORY_TABLE, schema), expressions=columns),
                        kind="TABLE")
    return for_dialect(create, dialect)


def history_of_version(schema: str | None, project_version: str, dialect: str) -> str:
    """Counts the history rows of one project version (0: not pushed yet)."""
    recorded = exp.column("project_version", quoted=True).eq(exp.Literal.string(project_version))
    return row_count(exp.select("*").from_(_table(HISTORY_TABLE, schema)).where(recorded), dialect)


def history_specs(schema: str | None, project_version: str, dialect: str) -> str:
    """The recorded specs of one project version: `feature_key`, `spec_json`."""
    recorded = exp.column("project_version", quoted=True).eq(exp.Literal.string(project_version))
    return for_dialect(exp.select(_name("feature_key"), _name("spec_json")).from_(_table(HISTORY_TABLE, schema))
                       .where(recorded), dialect)


def insert_history(schema: str | None, rows: list[list[str]], dialect: str) -> str:
    """One history row per feature: the text values of `HISTORY_COLUMNS` but the last, then the
    push time (UTC now), in one INSERT (atomic where there are no transactions)."""
    now = sqlglot.parse_one(NOW_UTC, read=dialects.SOURCE)
    selects = [exp.select(*(exp.Literal.string(value) for value in row), now.copy()) for row in rows]
    union = reduce(lambda left, right: exp.union(left, right, distinct=False), selects)
    return for_dialect(exp.insert(union, _table(HISTORY_TABLE, schema)), dialect)


def _nulls(typed: list[tuple[str, str]]) -> list[exp.Alias]:
    return [exp.alias_(exp.cast(exp.null(), _type(kind)), _name(name)) for name, kind in typed]


def _table(name: str, schema: str | None) -> exp.Table:
    return exp.table_(name, db=schema, quoted=True)


def _name(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _type(kind: str) -> exp.DataType:
    return exp.DataType.build(kind, dialect=dialects.SOURCE)
