"""The embedded DuckDB engine, and the in-process DuckDB connections sqlxy opens for itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sqlxy.compiler.sqlparts import literal
from sqlxy.errors import SqlxyError, TargetError

#: Settings of a DuckDB session rather than of the database: `duckdb.connect(config=...)` refuses
#: them, so those a target's `config` gives are SET on the connection instead.
SESSION_SETTINGS = ("enable_progress_bar", "enable_progress_bar_print", "progress_bar_time")


def quiet_connection(path: str = ":memory:", config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection without DuckDB's progress bar, which it draws on stdout (the user's data:
    `--json`, programs embedding sqlxy) once a query runs for 2 s; sqlxy's CLI shows its own on
    stderr. A target `config` that sets `enable_progress_bar` itself is obeyed."""
    settings = {k: str(v) for k, v in (config or {}).items()}
    session = {"enable_progress_bar": "false"} | {k: settings.pop(k) for k in SESSION_SETTINGS if k in settings}
    connection = duckdb.connect(path, config=settings)
    try:
        for name, value in session.items():  # names from SESSION_SETTINGS only
            connection.execute(f"SET {name} = {literal(value)}")
    except duckdb.Error:
        connection.close()
        raise
    return connection


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C during a DuckDB query surfaces as RuntimeError('Query interrupted') (or, from
    `interrupt()`, InterruptException) instead of KeyboardInterrupt."""
    if isinstance(exc, duckdb.InterruptException):
        return True
    return type(exc) is RuntimeError and str(exc) == "Query interrupted"


class DuckDBAdapter:
    dialect = "duckdb"
    SUPPORTS_TRANSACTIONS = True
    BYPASS_CHECK = "row_count"

    def __init__(self, connection: duckdb.DuckDBPyConnection, owned: bool) -> None:
        self.connection, self.owned = connection, owned
        self._temp_tables: set[str] = set()

    @classmethod
    def connect(cls, name: str, settings: dict[str, Any], root: Path, create: bool = True) -> DuckDBAdapter:
        """`create=False`: a file that does not exist is not created; an empty in-memory database
        stands in for it (commands that only read see no tables)."""
        try:
            return cls._open(settings, root, create)
        except TargetError as exc:  # name the target, as the other engines do
            raise TargetError(f"target '{name}': {exc}") from None

    @classmethod
    def _open(cls, settings: dict[str, Any], root: Path, create: bool) -> DuckDBAdapter:
        path = shown = settings.get("path", "target/sqlxy.duckdb")  # shown: the file configured
        if path != ":memory:":
            full = Path(path) if Path(path).is_absolute() else root / path
            shown = str(full)
            if not create and not full.exists():
                full = Path(":memory:")
            else:
                full.parent.mkdir(parents=True, exist_ok=True)
            path = str(full)
        try:
            return cls(quiet_connection(path, settings.get("config")), owned=True)
        except duckdb.Error as exc:
            raise TargetError(f"cannot open DuckDB database {shown}: {exc}") from None

    def execute(self, sql: str) -> None:
        with _errors():
            self.connection.execute(sql).fetchall()  # DuckDB keeps a pending result until it is consumed

    def fetch_arrow(self, sql: str) -> pa.Table:
        with _errors():
            return self.connection.sql(sql).to_arrow_table()

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


@contextmanager
def _errors() -> Iterator[None]:
    """A rejected query is a user error naming DuckDB's reason; Ctrl-C stays a KeyboardInterrupt."""
    try:
        yield
    except (duckdb.Error, RuntimeError) as exc:
        if is_interrupt(exc):
            raise KeyboardInterrupt from None
        if not isinstance(exc, duckdb.Error):
            raise
        raise SqlxyError(f"DuckDB rejected a query: {str(exc).splitlines()[0]}") from exc
