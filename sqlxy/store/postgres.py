"""PostgreSQL through psycopg 3. Rows cross as CSV streams parsed by Arrow (no row loops)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from sqlxy.engines import ENGINES
from sqlxy.errors import SqlxyError, TargetError

# type OID → Arrow type for results; anything else arrives as text
_ARROW_TYPES = {16: pa.bool_(), 20: pa.int64(), 21: pa.int64(), 23: pa.int64(), 700: pa.float64(),
                701: pa.float64(), 1700: pa.float64(), 1114: pa.timestamp("us"),
                1184: pa.timestamp("us", tz="UTC"), 1082: pa.date32()}


def _pg_type(arrow_type: pa.DataType) -> str:
    if isinstance(arrow_type, pa.ExtensionType):
        arrow_type = arrow_type.storage_type
    checks = [(pa.types.is_boolean, "BOOLEAN"), (pa.types.is_integer, "BIGINT"),
              (pa.types.is_floating, "DOUBLE PRECISION"), (pa.types.is_timestamp, "TIMESTAMP"),
              (pa.types.is_date, "DATE")]
    return next((name for check, name in checks if check(arrow_type)), "TEXT")


class PostgresAdapter:
    dialect = "postgres"
    SUPPORTS_TRANSACTIONS = True

    def __init__(self, connection: Any, owned: bool) -> None:
        self.connection, self.owned = connection, owned

    @classmethod
    def connect(cls, name: str, settings: dict[str, Any], root: Path, create: bool = True) -> PostgresAdapter:
        """`root`, `create`: a server database, neither a file of the project nor created here."""
        try:
            import psycopg
        except ImportError:
            raise ENGINES["postgres"].not_installed(name) from None
        dsn = settings.get("dsn")
        if not dsn:
            raise TargetError(f"target '{name}' needs a dsn (e.g. dsn: \"${{SQLXY_PG_DSN}}\")")
        try:
            return cls(psycopg.connect(dsn, autocommit=True), owned=True)
        except psycopg.Error as exc:
            raise TargetError(f"cannot connect to target '{name}' (PostgreSQL): "
                              f"{str(exc).strip().splitlines()[0]}; check the dsn and that the server "
                              "is running") from None

    def execute(self, sql: str) -> None:
        with self._cursor() as cursor:
            cursor.execute(sql)

    def fetch_arrow(self, sql: str) -> pa.Table:
        with self._cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({sql}) AS described LIMIT 0")
            columns = [(d.name, _ARROW_TYPES.get(d.type_code, pa.string())) for d in cursor.description]
            buffer = io.BytesIO()
            with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
        schema = pa.schema(columns)
        if buffer.tell() == 0:
            return schema.empty_table()
        buffer.seek(0)
        return pacsv.read_csv(
            buffer, read_options=pacsv.ReadOptions(column_names=schema.names),
            convert_options=pacsv.ConvertOptions(
                column_types=schema, null_values=[""], strings_can_be_null=True,
                quoted_strings_can_be_null=False, true_values=["t"], false_values=["f"]))

    def stage(self, name: str, rows: pa.Table) -> None:
        columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in rows.schema)
        self.execute(f'DROP TABLE IF EXISTS "{name}"')
        self.execute(f'CREATE TEMPORARY TABLE "{name}" ({columns})')
        if rows.num_rows == 0:
            return
        buffer = io.BytesIO()
        pacsv.write_csv(rows, buffer, pacsv.WriteOptions(include_header=False, quoting_style="all_valid"))
        with self._cursor() as cursor, cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy:
            copy.write(buffer.getvalue())

    def stage_query(self, name: str, sql: str) -> None:
        self.execute(f'DROP TABLE IF EXISTS "{name}"')
        self.execute(f'CREATE TEMPORARY TABLE "{name}" AS {sql}')

    def unstage(self, name: str) -> None:
        self.execute(f'DROP TABLE IF EXISTS "{name}"')

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        with self._cursor() as cursor:
            cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                           "AND table_schema = COALESCE(%s, current_schema()) ORDER BY ordinal_position",
                           (table, schema))
            names = [row[0] for row in cursor.fetchall()]
        return names or None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            yield

    def close(self) -> None:
        if self.owned:
            self.connection.close()

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        import psycopg

        try:
            with self.connection.cursor() as cursor:
                yield cursor
        except psycopg.Error as exc:
            raise SqlxyError(f"PostgreSQL rejected a query: {str(exc).strip().splitlines()[0]}") from exc
