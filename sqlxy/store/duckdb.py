"""The embedded DuckDB engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sqlxy.errors import SqlxyError, TargetError


class DuckDBAdapter:
    dialect = "duckdb"

    def __init__(self, connection: duckdb.DuckDBPyConnection, owned: bool) -> None:
        self.connection, self.owned = connection, owned
        self._temp_tables: set[str] = set()

    @classmethod
    def connect(cls, settings: dict[str, Any], root: Path) -> DuckDBAdapter:
        path = settings.get("path", "target/sqlxy.duckdb")
        if path != ":memory:":
            full = Path(path) if Path(path).is_absolute() else root / path
            full.parent.mkdir(parents=True, exist_ok=True)
            path = str(full)
        config = {k: str(v) for k, v in (settings.get("config") or {}).items()}
        try:
            return cls(duckdb.connect(path, config=config), owned=True)
        except duckdb.Error as exc:
            raise TargetError(f"cannot open DuckDB database {path}: {exc}") from None

    def execute(self, sql: str) -> None:
        self._run(sql).fetchall()  # DuckDB keeps a pending result until it is consumed

    def fetch_arrow(self, sql: str) -> pa.Table:
        try:
            return self.connection.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise SqlxyError(f"DuckDB rejected a query: {str(exc).splitlines()[0]}") from exc

    def _run(self, sql: str) -> duckdb.DuckDBPyConnection:
        try:
            return self.connection.execute(sql)
        except duckdb.Error as exc:
            raise SqlxyError(f"DuckDB rejected a query: {str(exc).splitlines()[0]}") from exc

    def stage(self, name: str, rows: pa.Table) -> None:
        self.connection.register(name, rows)

    def stage_query(self, name: str, sql: str) -> None:
        self.execute(f'CREATE OR REPLACE TEMPORARY TABLE "{name}" AS {sql}')
        self._temp_tables.add(name)

    def unstage(self, name: str) -> None:
        if name in self._temp_tables:
            self._temp_tables.discard(name)
            self.execute(f'DROP TABLE IF EXISTS "{name}"')
        else:
            self.connection.unregister(name)

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        rows = self.connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = COALESCE(?, current_schema()) ORDER BY ordinal_position",
            [table, schema]).fetchall()
        return [r[0] for r in rows] or None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.connection.begin()
        try:
            yield
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()

    def close(self) -> None:
        if self.owned:
            self.connection.close()
