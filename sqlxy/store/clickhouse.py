"""ClickHouse: embedded through chDB (`path`), or a server through clickhouse-connect (`url`).

ClickHouse has no multi-statement transactions (`SUPPORTS_TRANSACTIONS = False`). sqlxy keeps
every write a single INSERT statement (tombstones of superseded children included), so a write
lands whole or not at all; `materialize` runs two, ordered so that a rerun completes a run cut short
between them (docs/design.md, "Engine capabilities").
"""

from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sqlxy.engines import ENGINES
from sqlxy.errors import SqlxyError, TargetError


def _naive_utc(table: pa.Table) -> pa.Table:
    """Timestamps as naive UTC, as every other engine returns them."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = table.column(i).cast(pa.timestamp(field.type.unit, "UTC")).cast(pa.timestamp(field.type.unit))
            table = table.set_column(i, field.name, column)
    return table


class ClickHouseAdapter:
    dialect = "clickhouse"
    SUPPORTS_TRANSACTIONS = False

    def __init__(self, query: Any, close: Any = None) -> None:
        self._query, self._close = query, close
        self._scratch = Path(tempfile.mkdtemp(prefix="sqlxy-ch-"))
        self.execute("SET session_timezone = 'UTC'")

    @classmethod
    def connect(cls, name: str, settings: dict[str, Any], root: Path, create: bool = True) -> ClickHouseAdapter:
        """`create` is not read: chDB keeps its data in a folder it creates when it opens."""
        if settings.get("url"):
            return cls._server(name, settings["url"])
        try:
            from chdb import session
        except ImportError:
            raise ENGINES["clickhouse"].not_installed(name) from None
        path = Path(settings.get("path", "target/chdb"))
        path = path if path.is_absolute() else root / path
        path.mkdir(parents=True, exist_ok=True)
        try:
            chdb_session = session.Session(str(path))
        except Exception as exc:  # chDB raises plain RuntimeErrors
            raise TargetError(f"cannot open target '{name}' (chDB at {path}): {exc}") from None
        return cls(lambda sql, fmt: chdb_session.query(sql, fmt), chdb_session.close)

    @classmethod
    def _server(cls, name: str, url: str) -> ClickHouseAdapter:
        try:
            import clickhouse_connect
        except ImportError:
            raise ENGINES["clickhouse"].not_installed(name, "a ClickHouse server", "clickhouse-connect") from None
        try:
            client = clickhouse_connect.get_client(dsn=url)
        except Exception as exc:
            raise TargetError(f"cannot connect to target '{name}' (ClickHouse at {url}): {exc}") from None

        def query(sql: str, fmt: str) -> Any:
            return client.query_arrow(sql) if fmt == "ArrowTable" else client.command(sql)

        return cls(query, client.close)

    def _run(self, sql: str, fmt: str = "CSV") -> Any:
        try:
            return self._query(sql, fmt)
        except Exception as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SqlxyError(f"ClickHouse rejected a query: {message[:400]}") from exc

    def execute(self, sql: str) -> None:
        self._run(sql)

    def fetch_arrow(self, sql: str) -> pa.Table:
        return _naive_utc(self._run(sql, "ArrowTable"))

    def stage(self, name: str, rows: pa.Table) -> None:
        path = self._scratch / f"{name}.parquet"
        pq.write_table(rows, path)
        self.unstage(name)
        self.execute(f"CREATE TEMPORARY TABLE \"{name}\" ENGINE = Memory AS "
                     f"SELECT * FROM file('{path}', Parquet)")

    def stage_query(self, name: str, sql: str) -> None:
        self.unstage(name)
        self.execute(f'CREATE TEMPORARY TABLE "{name}" ENGINE = Memory AS {sql}')

    def unstage(self, name: str) -> None:
        self.execute(f'DROP TEMPORARY TABLE IF EXISTS "{name}"')

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        database = f"'{schema}'" if schema else "currentDatabase()"
        found = self.fetch_arrow(f"SELECT name FROM system.columns WHERE database = {database} "
                                 f"AND table = '{table}' ORDER BY position")
        return found.column(0).to_pylist() or None

    def transaction(self) -> AbstractContextManager[None]:
        """Refused rather than a no-op, which would make several statements look atomic; the store
        reads SUPPORTS_TRANSACTIONS and never asks."""
        raise NotImplementedError("ClickHouse has no multi-statement transactions")

    def close(self) -> None:
        if self._close is not None:
            self._close()
