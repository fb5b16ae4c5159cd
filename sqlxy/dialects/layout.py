"""A feature table's layout, as `create.sql.j2` states it, realized per engine.

The create template says, in the source dialect, what every engine may use: which columns are
never NULL (`NOT NULL`), which compare bytewise (`COLLATE "C"`), and the indexes the merge-on-read
reads by (`CREATE INDEX … (ids, "sqlxy_updated_at" DESC)`; for expansions also a partial one on the
parent keys of the rows recording a parent without children). Each dialect realizes what helps its
engine (`Dialect.realize_layout`): PostgreSQL keeps it all, ClickHouse turns it into non-Nullable
columns and the table's sorting key (`clickhouse.py`), every other dialect drops it (`plain`):
DuckDB, Spark and the warehouses compare bytewise already and keep their tables as before.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

Statements = list[exp.Expression]

#: The column constraints that are layout: kept where an engine realizes them, dropped elsewhere.
LAYOUT_CONSTRAINTS = (exp.CollateColumnConstraint, exp.NotNullColumnConstraint)


def is_index(statement: exp.Expression) -> bool:
    return isinstance(statement, exp.Create) and statement.kind == "INDEX"


def first_full_index(table: exp.Expression, indexes: Statements) -> list[exp.Ordered]:
    """The columns of the first full (not partial, not block range) index on `table`: the ids
    `latest` ranks by, then the write time descending. ClickHouse sorts by them, Spark buckets by
    the ids."""
    for index in indexes:
        params = index.this.args.get("params")
        using = params.args.get("using") if params else None
        if index.this.args.get("table") == table and params and not params.args.get("where") and using is None:
            return list(params.args.get("columns") or [])
    return []


def column_defs(statement: exp.Expression) -> list[exp.ColumnDef]:
    """The column definitions of a CREATE TABLE or of an ALTER TABLE … ADD COLUMN."""
    if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
        return [c for c in statement.this.expressions if isinstance(c, exp.ColumnDef)]
    if isinstance(statement, exp.Alter):
        return [c for c in statement.args.get("actions") or [] if isinstance(c, exp.ColumnDef)]
    return []


def drop_constraints(column: exp.ColumnDef, kinds: tuple[type, ...] = LAYOUT_CONSTRAINTS) -> list[exp.Expression]:
    """Remove the column's constraints of these kinds; returns the kinds it had."""
    constraints = column.args.get("constraints") or []
    dropped = [c.kind for c in constraints if isinstance(c.kind, kinds)]
    column.set("constraints", [c for c in constraints if not isinstance(c.kind, kinds)] or None)
    return dropped


def plain(statements: Statements) -> Statements:
    """The layout dropped: no indexes, no collations, no NOT NULL (the tables sqlxy always made)."""
    kept = [s for s in statements if not is_index(s)]
    for statement in kept:
        for column in column_defs(statement):
            drop_constraints(column)
    return kept


def realize(dialect: Dialect, statements: Statements) -> Statements:
    """The statements as `dialect`'s engine realizes the layout they state."""
    realize_layout: Callable[[Statements], Statements] = getattr(dialect, "realize_layout", plain)
    return realize_layout(statements)
