"""Dialect registry: every SQL difference between engines lives in one module per dialect.

Templates are written in the source dialect (DuckDB); `transpile` parses the rendered SQL and
generates it with the target's `Dialect` subclass, whose generator overrides fix the constructs
sqlglot's stock transpiler gets wrong for sqlxy's purposes.
"""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect

from sqlxy.dialects import bigquery as _bigquery
from sqlxy.dialects import clickhouse as _clickhouse
from sqlxy.dialects import databricks as _databricks
from sqlxy.dialects import duckdb as _duckdb
from sqlxy.dialects import postgres as _postgres
from sqlxy.dialects import redshift as _redshift
from sqlxy.dialects import snowflake as _snowflake
from sqlxy.dialects import spark as _spark
from sqlxy.dialects import trino as _trino
from sqlxy.engines import ENGINES
from sqlxy.errors import SqlxyError

#: The dialect templates, store-built SQL and user snippets are written in (the one definition).
SOURCE = "duckdb"

_DIALECTS: dict[str, type[Dialect]] = {
    "duckdb": _duckdb.SqlxyDuckDB,
    "postgres": _postgres.SqlxyPostgres,
    "clickhouse": _clickhouse.SqlxyClickHouse,
    "spark": _spark.SqlxySpark,
    "bigquery": _bigquery.SqlxyBigQuery,
    "snowflake": _snowflake.SqlxySnowflake,
    "trino": _trino.SqlxyTrino,
    "databricks": _databricks.SqlxyDatabricks,
    "redshift": _redshift.SqlxyRedshift,
}
#: The dialects of the engines sqlxy runs (`sqlxy.engines`); the others are compiled only.
EXECUTABLE = tuple(dict.fromkeys(engine.dialect for engine in ENGINES.values()))


def names() -> list[str]:
    return sorted(_DIALECTS)


def get(name: str) -> Dialect:
    if name not in _DIALECTS:
        raise SqlxyError(f"unknown dialect '{name}' (known: {', '.join(names())})")
    return _DIALECTS[name]()
