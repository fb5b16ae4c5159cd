"""PostgreSQL through psycopg 3. Rows cross as CSV streams parsed by Arrow (no row loops).

Table layout (docs/design.md, "Table layout per engine"): a new feature table has its indexes and
bytewise (`COLLATE "C"`) id, key and provenance columns. An older table gets a missing index from
the next write or resolve (`Tables.ensure`); its columns' collation changes only through `sqlxy
migrate`, because ALTER COLUMN … COLLATE takes the table's exclusive lock and rebuilds its indexes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlglot import exp

from sqlxy.compiler import state
from sqlxy.compiler.model import FeatureModel
from sqlxy.compiler.names import index_name
from sqlxy.engines import ENGINES
from sqlxy.errors import SqlxyError, TargetError
from sqlxy.store.adapter import LayoutGap

# type OID → Arrow type for results; anything else arrives as text
_ARROW_TYPES = {16: pa.bool_(), 20: pa.int64(), 21: pa.int64(), 23: pa.int64(), 700: pa.float64(),
                701: pa.float64(), 1700: pa.float64(), 1114: pa.timestamp("us"),
                1184: pa.timestamp("us", tz="UTC"), 1082: pa.date32()}


# Each index of a table with its columns in order.
_INDEXES = """
SELECT i.relname::text, array_agg(a.attname::text ORDER BY k.ord)
FROM pg_index x
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class i ON i.oid = x.indexrelid
CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE t.relname = %s AND n.nspname = COALESCE(%s, current_schema())
GROUP BY i.relname
"""
# The named columns that do not compare bytewise: neither "C"/"POSIX" nor the database default
# when that is the C locale of libc.
_LOCALE_COLUMNS = """
SELECT a.attname::text
FROM pg_attribute a
JOIN pg_class t ON t.oid = a.attrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_collation c ON c.oid = a.attcollation
JOIN pg_database d ON d.datname = current_database()
WHERE t.relname = %s AND n.nspname = COALESCE(%s, current_schema()) AND a.attnum > 0
  AND NOT a.attisdropped AND a.attname = ANY(%s) AND c.collname NOT IN ('C', 'POSIX')
  AND NOT (c.collname = 'default' AND d.datcollate IN ('C', 'POSIX')
           AND COALESCE(to_jsonb(d) ->> 'datlocprovider', 'c') = 'c')
ORDER BY a.attnum
"""


# The change log's bypass check (docs/design.md, "Maintained increments"): a statement that changes
# a feature table outside a sqlxy write (whose transaction sets `sqlxy.writer`) starts a new
# generation of the table's counters, so no kept increment trusts it. Per statement, not per row.
_BYPASS_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $sqlxy$
BEGIN
  IF current_setting('sqlxy.writer', true) IS DISTINCT FROM 'on' THEN
    EXECUTE format('UPDATE %I.sqlxy_state SET generation = generation + 1, seq = seq + 1 '
                   'WHERE feature_table = %L', TG_TABLE_SCHEMA, TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END
$sqlxy$
"""
_BYPASS_TRIGGER = ("CREATE OR REPLACE TRIGGER {trigger} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
_TRIGGERS = """
SELECT t.tgname::text FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = %s AND n.nspname = COALESCE(%s, current_schema())
"""


def _ident(*parts: str | None) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts if part)


def _pg_type(arrow_type: pa.DataType) -> str:
    if isinstance(arrow_type, pa.ExtensionType):
        arrow_type = arrow_type.storage_type
    checks = [(pa.types.is_boolean, "BOOLEAN"), (pa.types.is_integer, "BIGINT"),
              (pa.types.is_floating, "DOUBLE PRECISION"), (pa.types.is_timestamp, "TIMESTAMP"),
              (pa.types.is_date, "DATE")]
    return next((name for check, name in checks if check(arrow_type)), "TEXT")


def _trigger_name(table: str) -> str:
    return index_name(table, "bypass")


class PostgresAdapter:
    dialect = "postgres"
    SUPPORTS_TRANSACTIONS = True
    BYPASS_CHECK = "trigger"

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
        # a block must hold a whole row: 64 MiB blocks read long text values (pyarrow's 1 MiB
        # default failed on a 3 MB message), and a large result is still read in parallel
        return pacsv.read_csv(
            buffer, read_options=pacsv.ReadOptions(column_names=schema.names, block_size=64 << 20),
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

    def analyze(self, name: str) -> None:
        """Statistics for a staged key set: autovacuum never analyzes temporary tables, and without
        them the planner takes a key set for 1,360 rows and may join it by nested loops (a
        maintained resolve of 20,000 touched keys took minutes). Only where asked: with them,
        materialize's checks over a staged increment of 600,000 chunks chose a plan that ran for
        minutes instead of 2 s."""
        self.execute(f'ANALYZE "{name}"')

    def unstage(self, name: str) -> None:
        self.execute(f'DROP TABLE IF EXISTS "{name}"')

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        with self._cursor() as cursor:
            cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                           "AND table_schema = COALESCE(%s, current_schema()) ORDER BY ordinal_position",
                           (table, schema))
            names = [row[0] for row in cursor.fetchall()]
        return names or None

    def layout_gaps(self, table: str, schema: str | None, model: FeatureModel) -> list[LayoutGap]:
        missing, other, locale = self._layout(table, schema, model)
        gaps = [LayoutGap(f"no index {name}", automatic=True) for name in missing]
        if not self._guarded(table, schema):
            gaps.append(LayoutGap("no trigger noticing writes outside sqlxy", automatic=True))
        gaps += [LayoutGap(f"index {name} is not on ({', '.join(columns)})") for name, columns in other.items()]
        if locale:
            gaps.append(LayoutGap(f"{', '.join(locale)} compare by the database's locale, not bytewise"))
        return gaps

    def migration(self, table: str, schema: str | None, model: FeatureModel, create: list[str]) -> list[str]:
        """Indexes on other columns dropped, bytewise columns altered (in one ALTER: the indexes
        are rebuilt once), then the `create` statements (CREATE … IF NOT EXISTS) add the indexes."""
        missing, other, locale = self._layout(table, schema, model)
        statements = [f"DROP INDEX IF EXISTS {_ident(schema, name)}" for name in other]
        if locale:
            alter = ", ".join(f'ALTER COLUMN {_ident(c)} TYPE TEXT COLLATE "C"' for c in locale)
            statements.append(f"ALTER TABLE {_ident(schema, table)} {alter}")
        return statements + create if statements or missing else []

    def after_commit(self, table: str, schema: str | None, rows: int | None) -> None:
        """Outside the write's transaction: summarize the block ranges it added to the commit
        index (which locks the table against VACUUM, not against writers), and analyze the table
        when the write added more than a tenth of its rows, as autovacuum would at its next visit.
        Until then the planner lacks the statistics that make "rows stamped since" a small range
        and takes it for a third of the table: an idle resolve right after a load read it all."""
        self.execute(state.summarize_commit_index(table, schema, self.dialect))
        if rows:
            with self._cursor() as cursor:
                found = cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                                       (_ident(schema, table),)).fetchone()
            if found is not None and rows * 10 > found[0]:  # reltuples is -1 before a first analyze
                self.execute(f"ANALYZE {_ident(schema, table)}")

    def guard(self, table: str, schema: str | None) -> list[str]:
        """The statements that make a statement changing `table` outside sqlxy noticed."""
        function = _ident(schema, "sqlxy_bypassed")
        return [_BYPASS_FUNCTION.format(function=function),
                _BYPASS_TRIGGER.format(trigger=_ident(_trigger_name(table)), table=_ident(schema, table),
                                       function=function)]

    def _guarded(self, table: str, schema: str | None) -> bool:
        with self._cursor() as cursor:
            names = {row[0] for row in cursor.execute(_TRIGGERS, (table, schema))}
        return _trigger_name(table) in names

    def _layout(self, table: str, schema: str | None,
                model: FeatureModel) -> tuple[list[str], dict[str, list[str]], list[str]]:
        """The table's missing indexes, those on other columns (with the columns wanted), and its
        bytewise columns that compare by the locale."""
        with self._cursor() as cursor:
            found = dict(cursor.execute(_INDEXES, (table, schema)).fetchall())
            locale = [r[0] for r in cursor.execute(_LOCALE_COLUMNS, (table, schema, sorted(model.bytewise)))]
        wanted = {index.name: index.key for index in model.indexes}
        missing = [name for name in wanted if name not in found]
        other = {name: columns for name, columns in wanted.items() if name in found and found[name] != columns}
        return missing, other, locale

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """sqlxy's own transaction: its writes are not mistaken for writes outside sqlxy."""
        with self.connection.transaction():
            self.execute("SELECT set_config('sqlxy.writer', 'on', true)")
            yield

    @contextmanager
    def serialized(self, name: str) -> Iterator[None]:
        """One sqlxy connection at a time past this point, per database and `name`, until the
        transaction ends: a transaction-level advisory lock, in the caller's transaction (a
        savepoint inside it) or in one of its own. Concurrent workers otherwise race where sqlxy
        creates or records things once: two `CREATE TABLE IF NOT EXISTS` of one table, or of
        sqlxy's own, fail on the catalog's unique index; two first resolves of a feature each
        kept a record of their increment (docs/design.md, "Many writers")."""
        key = int.from_bytes(hashlib.sha256(f"sqlxy:{name}".encode()).digest()[:8], "big", signed=True)
        with self.connection.transaction():
            self.execute(exp.select(exp.func("pg_advisory_xact_lock", exp.Literal.number(key))).sql("postgres"))
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
