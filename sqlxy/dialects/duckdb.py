"""DuckDB: the source dialect of the templates and the default engine.

DuckDB's `md5`/`sha256` return lowercase hex of the UTF-8 bytes and its default collation is
binary, so the SPEC §5 formulas need no overrides here; the class exists so every dialect is
reached the same way and DuckDB-only fixes have a home.
"""

from __future__ import annotations

from sqlglot.dialects.duckdb import DuckDB

TYPES = {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN",
         "timestamp": "TIMESTAMP", "date": "DATE", "json": "JSON"}


class SqlxyDuckDB(DuckDB):
    pass
