"""Checks and types user rows in an in-process DuckDB before they reach any engine.

User rows are already in Python memory as Arrow; DuckDB reads them without a copy, runs the
validation query of `staging.py` (every check over every row, in one pass) and returns the typed
rows as Arrow. The target engine then receives rows that are known to be valid, whatever its
SQL dialect can or cannot check (PostgreSQL, for one, has no TRY_CAST).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
from sqlglot import exp

from sqlxy.dialects import SOURCE
from sqlxy.errors import InputError
from sqlxy.store.duckdb import quiet_connection
from sqlxy.store.staging import Staging, validation_query

RAW_RELATION = "sqlxy_raw_rows"


def prepare_rows(rows: pa.Table, staging: Staging, key: str, what: str) -> pa.Table:
    """The typed rows of `staging.select`, or InputError naming the first problem found."""
    connection = quiet_connection()
    try:
        connection.register(RAW_RELATION, rows)
        _check(connection, staging, key, what)
        return connection.sql(staging.select.sql(SOURCE)).to_arrow_table()
    finally:
        connection.close()


def _check(connection: duckdb.DuckDBPyConnection, staging: Staging, key: str, what: str) -> None:
    rejected = f"{key}: {what} rejected, nothing written:"
    if staging.checks:
        result = connection.execute(validation_query(staging.checks, RAW_RELATION).sql(SOURCE)).fetchall()[0]
        for i, check in enumerate(staging.checks):
            bad, example = result[2 * i], result[2 * i + 1]
            if bad:
                raise InputError(f"{rejected} {check.label} in {bad} row(s) (e.g. {example!r})")
    twice, example = connection.execute(staging.duplicate_ids.sql(SOURCE)).fetchall()[0]
    if twice:
        raise InputError(f"{rejected} {twice} id(s) appear more than once (e.g. {example!r})")


def check_disjoint(children: pa.Table, empty_parents: pa.Table, keys: tuple[str, ...], key: str) -> None:
    """A parent given both children and as a parent without children is a contradiction."""
    on = exp.and_(*(exp.column(k, "c", quoted=True).eq(exp.column(k, "e", quoted=True)) for k in keys))
    both_sql = exp.select(exp.cast(exp.column(keys[0], "e", quoted=True), "VARCHAR", dialect=SOURCE)) \
        .from_(exp.table_("children").as_("c")).join(exp.table_("empty_parents").as_("e"), on=on).limit(1)
    connection = quiet_connection()
    try:
        connection.register("children", children)
        connection.register("empty_parents", empty_parents)
        both = connection.execute(both_sql.sql(SOURCE)).fetchall()
    finally:
        connection.close()
    if both:
        raise InputError(f"{key}: rejected, nothing written: parent {keys[0]}={both[0][0]!r} is given "
                         "both children and as a parent without children")
