"""ClickHouse: embedded through chDB (`path`), or a server through clickhouse-connect (`url`).

ClickHouse has no multi-statement transactions (`SUPPORTS_TRANSACTIONS = False`). sqlxy keeps
every write a single INSERT statement (tombstones of superseded children included), so a write
lands whole or not at all; `materialize` runs two, ordered so that a rerun completes a run cut short
between them (docs/design.md, "Engine capabilities").

Table layout (docs/design.md, "Table layout per engine"): a new feature table is sorted by (ids,
sqlxy_updated_at) with non-Nullable ids. A MergeTree's sorting key cannot change, so `sqlxy
migrate` rebuilds an older table: a copy with the new layout, the rows inserted, the two swapped
(EXCHANGE TABLES, atomic), the old one dropped. Rows written meanwhile would stay in the old one:
run it while nothing writes.
"""

from __future__ import annotations

import tempfile
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sqlxy.compiler.model import FeatureModel
from sqlxy.engines import ENGINES
from sqlxy.errors import SqlxyError, TargetError
from sqlxy.store.adapter import LayoutGap

#: The copy `migration` builds; a run cut short leaves it, the next one drops it.
MIGRATING = "{table}__sqlxy_migrating"


def _ident(*parts: str | None) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts if part)


def _sorting_key(model: FeatureModel) -> str:
    """The sorting key of a new table, as system.tables spells it: the `latest` index's columns."""
    return ", ".join([*model.indexes[0].columns, "sqlxy_updated_at"])


def _naive_utc(table: pa.Table) -> pa.Table:
    """Timestamps as naive UTC, as every other engine returns them."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = table.column(i).cast(pa.timestamp(field.type.unit, "UTC")).cast(pa.timestamp(field.type.unit))
            table = table.set_column(i, field.name, column)
    return table


#: Set on every session sqlxy opens: UTC, as every engine stamps rows; and for tables sorted by
#: (ids, sqlxy_updated_at) (docs/design.md, "Table layout per engine"): joins merge their sides
#: where they can (`latest` comes out sorted by the ids, so an identity feature's resolve sorts
#: nothing more: 27-37 % faster, an expansion's -9 to +8 %), hash elsewhere; windows ranking by
#: the ids read the table in key order (`compact`'s).
SESSION_SETTINGS = {"session_timezone": "'UTC'", "join_algorithm": "'full_sorting_merge,hash'",
                    "optimize_read_in_window_order": "1"}


class ClickHouseAdapter:
    dialect = "clickhouse"
    SUPPORTS_TRANSACTIONS = False
    BYPASS_CHECK = ""

    def __init__(self, query: Any, close: Any = None) -> None:
        self._query, self._close = query, close
        self._scratch = Path(tempfile.mkdtemp(prefix="sqlxy-ch-"))
        self._for_delete: dict[str, str] = {}  # copies for a DELETE: name → qualified table
        self._left: set[str] = set()  # copies whose DROP failed: dropped before the next copy
        for name, value in SESSION_SETTINGS.items():
            self.execute(f"SET {name} = {value}")

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

    def copy_for_delete(self, staged: str, schema: str | None) -> str:
        """A copy of the staged relation for a DELETE of a table in `schema` to read: a Memory table
        of that database. A DELETE is a mutation, run outside the session: it cannot see the
        session's temporary tables (it fails, and the failed mutation blocks every later one of
        the table until killed), and it reads a bare name in the deleted table's database. The
        name is this adapter's own, so two clients of one server never share it."""
        for left in sorted(self._left):  # copies a failed DROP left: they hold deleted ids
            self.unstage(left)
        unique = f"{staged}_{uuid.uuid4().hex[:12]}"
        self._for_delete[unique] = f'"{schema}"."{unique}"' if schema else f'"{unique}"'
        self.execute(f'CREATE TABLE {self._for_delete[unique]} ENGINE = Memory AS SELECT * FROM "{staged}"')
        return unique

    def unstage(self, name: str) -> None:
        """Drops a temporary table, or a `copy_for_delete` table in its database (remembered until
        its DROP succeeds: the next copy, or closing the adapter, tries again)."""
        table = self._for_delete.get(name) or f'"{name}"'
        try:
            self.execute(f"DROP TABLE IF EXISTS {table}")
        except Exception:
            if name in self._for_delete:
                self._left.add(name)
            raise
        self._for_delete.pop(name, None)
        self._left.discard(name)

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        found = self.fetch_arrow(f"SELECT name FROM system.columns WHERE {self._where(table, schema)} "
                                 "ORDER BY position")
        return found.column(0).to_pylist() or None

    def layout_gaps(self, table: str, schema: str | None, model: FeatureModel) -> list[LayoutGap]:
        key, nullable, leftover = self._layout(table, schema, model)
        wanted = _sorting_key(model)
        gaps = [] if key == wanted else [LayoutGap(f"sorted by ({key or 'tuple()'}), not ({wanted})")]
        gaps += [LayoutGap(f"{', '.join(nullable)} Nullable")] if nullable else []
        return gaps + ([LayoutGap(f"{leftover} left by a migration cut short")] if leftover else [])

    def migration(self, table: str, schema: str | None, model: FeatureModel, create: list[str]) -> list[str]:
        """A copy made by `create` under another name, with the columns only the old table has
        (a removed field's stay), filled with every row, swapped in, the old one dropped."""
        key, nullable, leftover = self._layout(table, schema, model)
        old, new = _ident(schema, table), _ident(schema, MIGRATING.format(table=table))
        if key != _sorting_key(model) or nullable:
            (created,) = [statement.replace(old, new, 1) for statement in create]
            found = self.fetch_arrow(f"SELECT name, type FROM system.columns WHERE {self._where(table, schema)} "
                                     "ORDER BY position").to_pylist()
            names = ", ".join(_ident(c["name"]) for c in found)
            extra = [f"ALTER TABLE {new} ADD COLUMN {_ident(c['name'])} {c['type']}" for c in found
                     if c["name"] not in model.table_column_names]
            return [f"DROP TABLE IF EXISTS {new}", created, *extra,
                    f"INSERT INTO {new} ({names}) SELECT {names} FROM {old}",
                    f"EXCHANGE TABLES {old} AND {new}", f"DROP TABLE {new}"]
        return [f"DROP TABLE IF EXISTS {new}"] if leftover else []

    def _layout(self, table: str, schema: str | None, model: FeatureModel) -> tuple[str, list[str], str | None]:
        """The table's sorting key, its never-NULL columns that are Nullable, and the copy a
        migration cut short left (or None)."""
        copy = MIGRATING.format(table=table)
        tables = self.fetch_arrow(f"SELECT name, sorting_key FROM system.tables WHERE "
                                  f"{self._where(table, schema, 'name')} OR {self._where(copy, schema, 'name')}")
        keys = dict(zip(tables["name"].to_pylist(), tables["sorting_key"].to_pylist(), strict=True))
        nullable = self.fetch_arrow(f"SELECT name FROM system.columns WHERE {self._where(table, schema)} AND "
                                    "startsWith(type, 'Nullable(') ORDER BY position").column(0).to_pylist()
        return keys.get(table, ""), [c for c in nullable if c in model.never_null], copy if copy in keys else None

    @staticmethod
    def _where(table: str, schema: str | None, column: str = "table") -> str:
        database = f"'{schema}'" if schema else "currentDatabase()"
        return f"(database = {database} AND {column} = '{table}')"

    def transaction(self) -> AbstractContextManager[None]:
        """Refused rather than a no-op, which would make several statements look atomic; the store
        reads SUPPORTS_TRANSACTIONS and never asks."""
        raise NotImplementedError("ClickHouse has no multi-statement transactions")

    def close(self) -> None:
        try:
            for left in list(self._for_delete):  # copies not dropped yet: they hold deleted ids
                self.unstage(left)
        finally:
            if self._close is not None:
                self._close()
