"""Engine registry: target type → adapter, imported only when used (drivers are optional)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlxy.errors import SqlxyError, TargetError
from sqlxy.store.adapter import Adapter


def open_adapter(name: str, settings: dict[str, Any], root: Path, create: bool = True) -> Adapter:
    """`create=False`: do not create a database file that does not exist (see `Store.open`)."""
    kind = settings["type"]
    if kind == "duckdb":
        from sqlxy.store.duckdb import DuckDBAdapter

        try:
            return DuckDBAdapter.connect(settings, root, create)
        except TargetError as exc:  # name the target, as the other engines do
            raise TargetError(f"target '{name}': {exc}") from None
    if kind == "postgres":
        from sqlxy.store.postgres import PostgresAdapter

        return PostgresAdapter.connect(name, settings)
    if kind == "clickhouse":
        from sqlxy.store.clickhouse import ClickHouseAdapter

        return ClickHouseAdapter.connect(name, settings, root)
    if kind == "spark":
        from sqlxy.store.spark import SparkAdapter

        return SparkAdapter.connect(name, settings, root)
    raise TargetError(f"target '{name}': engine '{kind}' is not available in this version of sqlxy")


def wrap_connection(connection: Any) -> Adapter:
    """An adapter around a connection the caller already holds (closing it stays the caller's job)."""
    module = type(connection).__module__
    if module.startswith(("duckdb", "_duckdb")):
        from sqlxy.store.duckdb import DuckDBAdapter

        return DuckDBAdapter(connection, owned=False)
    if module.startswith("psycopg"):
        from sqlxy.store.postgres import PostgresAdapter

        return PostgresAdapter(connection, owned=False)
    raise SqlxyError(f"cannot use a {type(connection).__name__} connection; pass a duckdb or psycopg one")
