"""The embedded DuckDB engine, and the in-process DuckDB connections sqlxy opens for itself."""

from __future__ import annotations

import re
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


def quiet_connection(path: str = ":memory:", config: dict[str, Any] | None = None,
                     read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection without DuckDB's progress bar, which it draws on stdout (the user's data:
    `--json`, programs embedding sqlxy) once a query runs for 2 s; sqlxy's CLI shows its own on
    stderr. A target `config` that sets `enable_progress_bar` itself is obeyed."""
    settings = {k: str(v) for k, v in (config or {}).items()}
    session = {"enable_progress_bar": "false"} | {k: settings.pop(k) for k in SESSION_SETTINGS if k in settings}
    connection = duckdb.connect(path, read_only=read_only, config=settings)
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
        read_only = False
        if path != ":memory:":
            full = Path(path) if Path(path).is_absolute() else root / path
            shown = str(full)
            if not create and not full.exists():
                full = Path(":memory:")
            elif not create:  # reads only: a WAL a killed writer left is replayed in memory, not checkpointed
                read_only = True
            else:
                full.parent.mkdir(parents=True, exist_ok=True)
            path = str(full)
        try:
            return cls(quiet_connection(path, settings.get("config"), read_only), owned=True)
        except duckdb.Error as exc:
            if _held_elsewhere(exc):
                raise TargetError(_held_message(shown, exc)) from None
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


def _held_elsewhere(exc: duckdb.Error) -> bool:
    """DuckDB refused the file because another process holds its lock (DuckDB 1.x and 2.x say
    `Could not set lock on file "…": Conflicting lock is held in <program> (PID n)`)."""
    return isinstance(exc, duckdb.IOException) and "Could not set lock on file" in str(exc)


def _held_message(shown: str, exc: duckdb.Error) -> str:
    """One line that says what happened and what to do. sqlxy does not wait for the lock: the
    other process holds it as long as it keeps the file open (a worker's store, a CLI command, a
    notebook), not for one write, so a wait would be a guess that turns a clear error into an
    intermittent one or into a hang (docs/design.md, "Many writers")."""
    holder = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(exc))
    who = f" (PID {holder.group(2)}, {holder.group(1)})" if holder else ""
    return (f"DuckDB database {shown} is open in another process{who}, which holds its lock: "
            "DuckDB admits one process per file while any of them writes. Write from one process "
            "(resolve there, hand the shares to your workers, write their results from it), or use "
            "a target that takes many writers at once (type: postgres)")


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
