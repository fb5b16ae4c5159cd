"""Checks and types user rows in an in-process DuckDB before they reach any engine.

User rows are already in Python memory as Arrow; DuckDB reads them without a copy, runs the
validation query of `staging.py` (every check over every row, in one pass) and returns the typed
rows as Arrow. The target engine then receives rows that are known to be valid, whatever its
SQL dialect can or cannot check (PostgreSQL, for one, has no TRY_CAST).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from sqlxy.errors import InputError
from sqlxy.store.staging import Staging, validation_query

RAW_RELATION = "sqlxy_raw_rows"


def prepare_rows(rows: pa.Table, staging: Staging, key: str, what: str) -> pa.Table:
    """The typed rows of `staging.select`, or InputError naming the first problem found."""
    connection = duckdb.connect()
    try:
        connection.register(RAW_RELATION, rows)
        _check(connection, staging, key, what)
        return connection.sql(staging.select).to_arrow_table()
    finally:
        connection.close()


def _check(connection: duckdb.DuckDBPyConnection, staging: Staging, key: str, what: str) -> None:
    rejected = f"{key}: {what} rejected, nothing written:"
    if staging.checks:
        result = connection.execute(validation_query(staging.checks, f'"{RAW_RELATION}"')).fetchall()[0]
        for i, check in enumerate(staging.checks):
            bad, example = result[2 * i], result[2 * i + 1]
            if bad:
                raise InputError(f"{rejected} {check.label} in {bad} row(s) (e.g. {example!r})")
    twice, example = connection.execute(staging.duplicate_ids).fetchall()[0]
    if twice:
        raise InputError(f"{rejected} {twice} id(s) appear more than once (e.g. {example!r})")
