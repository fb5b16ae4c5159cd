"""Spark SQL through pyspark: a local session (`master`), a cluster, or Spark Connect (`remote`).

Tables are Parquet datasource tables in the session's catalog (a Hive metastore in the project's
target/ folder for local sessions, so tables outlive the process). Spark has no multi-statement
transactions (`SUPPORTS_TRANSACTIONS = False`): every write is one INSERT job, which Spark commits
whole or not at all, except `materialize` (two, ordered: docs/design.md, "Engine capabilities")
and a hard delete (Parquet tables cannot DELETE: the dialect runs it as four statements).

Table layout (docs/design.md, "Table layout per engine"): a new feature table is bucketed by its ids
(`dialects/spark.py`). Bucketing cannot change, so `sqlxy migrate` rebuilds an older table as a
hard delete does: a copy of its rows (`<table>__sqlxy_kept`, created only where none exists, so a
copy left by a rewrite cut short is never overwritten), the table dropped and created bucketed,
the rows inserted back, the copy dropped. A stop in between leaves the rows in the copy, which
`status` reports. Rows written meanwhile could be lost: run it while nothing writes.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from sqlxy.compiler.model import FeatureModel
from sqlxy.dialects.spark import BUCKETS, KEPT_COPY
from sqlxy.engines import ENGINES
from sqlxy.errors import SqlxyError, TargetError
from sqlxy.store.adapter import LayoutGap

#: Rows per Parquet file a write adds (see `SparkAdapter.stage`).
ROWS_PER_FILE = 1_000_000


def _builder(settings: dict[str, Any], root: Path) -> Any:
    from pyspark.sql import SparkSession

    if settings.get("remote"):
        builder = SparkSession.builder.remote(settings["remote"])
    else:
        home = Path(settings.get("path", "target/spark"))
        home = home if home.is_absolute() else root / home
        home.mkdir(parents=True, exist_ok=True)
        builder = (SparkSession.builder.master(settings.get("master", "local[2]")).appName("sqlxy")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.sql.warehouse.dir", str(home / "warehouse"))
                   .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home}")
                   .enableHiveSupport())
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    for key, value in (settings.get("conf") or {}).items():
        builder = builder.config(key, str(value))
    return builder


def _table(schema: str | None, table: str) -> exp.Table:
    return exp.table_(table, db=schema, quoted=True)


def _name(schema: str | None, table: str) -> str:
    return _table(schema, table).sql("spark")


class SparkAdapter:
    dialect = "spark"
    SUPPORTS_TRANSACTIONS = False
    BYPASS_CHECK = ""

    def __init__(self, session: Any, owned: bool) -> None:
        self.session, self.owned = session, owned

    @classmethod
    def connect(cls, name: str, settings: dict[str, Any], root: Path, create: bool = True) -> SparkAdapter:
        """`create` is not read: the session's catalog and warehouse are Spark's to create."""
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise ENGINES["spark"].not_installed(name) from None
        owned = SparkSession.getActiveSession() is None
        try:
            session = _builder(settings, root).getOrCreate()
        except Exception as exc:
            raise TargetError(f"cannot start target '{name}' (Spark): {str(exc).strip()[:300]}; check "
                              "Java 17+ and the master/remote settings") from None
        if owned:
            session.sparkContext.setLogLevel("ERROR")
        return cls(session, owned)

    def _sql(self, sql: str) -> Any:
        from pyspark.errors import PySparkException

        try:
            return self.session.sql(sql)
        except PySparkException as exc:
            message = str(exc).strip().splitlines()[0]
            raise SqlxyError(f"Spark rejected a query: {message[:400]}") from exc

    def execute(self, sql: str) -> None:
        self._sql(sql)  # commands (DDL, INSERT) run eagerly

    def fetch_arrow(self, sql: str) -> pa.Table:
        from pyspark.errors import PySparkException

        try:
            return self._sql(sql).toArrow()
        except PySparkException as exc:
            raise SqlxyError(f"Spark failed a query: {str(exc).strip().splitlines()[0][:400]}") from exc

    def stage(self, name: str, rows: pa.Table) -> None:
        # createDataFrame cuts Arrow rows into partitions of 10,000 and an INSERT writes one file
        # per partition: coalesced, a write adds one file per million rows instead of a hundred
        frame = self.session.createDataFrame(rows)
        frame.coalesce(max(1, -(-rows.num_rows // ROWS_PER_FILE))).createOrReplaceTempView(name)

    def stage_query(self, name: str, sql: str) -> None:
        """The rows of `sql` as they are now. Not a `CACHE TABLE` view, which keeps its plan: Spark
        recomputes it once a later statement overwrites a table it reads, and a view over staged
        views re-plans them whole (a cascading delete's chain of key sets grew exponentially, and
        broke once one was dropped). `localCheckpoint` computes the rows and cuts the plan."""
        from pyspark.errors import PySparkException

        self.unstage(name)
        try:
            frame = self._sql(sql).localCheckpoint()  # eager
        except PySparkException as exc:
            raise SqlxyError(f"Spark failed a query: {str(exc).strip().splitlines()[0][:400]}") from exc
        frame.createOrReplaceTempView(f"`{name}`")  # quoted: a name such as `<table>:doomed`

    def unstage(self, name: str) -> None:
        self.execute(f"UNCACHE TABLE IF EXISTS `{name}`")
        self.session.catalog.dropTempView(name)

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        database = schema or self.session.catalog.currentDatabase()
        if not self.session.catalog.tableExists(f"`{database}`.`{table}`"):
            return None
        return self.session.table(f"`{database}`.`{table}`").columns

    def layout_gaps(self, table: str, schema: str | None, model: FeatureModel) -> list[LayoutGap]:
        wanted, found = list(model.indexes[0].columns), self._buckets(table, schema)
        gaps = [] if found == (wanted, BUCKETS) else [LayoutGap(
            f"bucketed by ({', '.join(found[0]) or 'nothing'}), not ({', '.join(wanted)}) into {BUCKETS} buckets")]
        copy = KEPT_COPY.format(table=table)
        if self.columns(copy, schema) is not None:
            gaps.append(LayoutGap(f"{copy} left by a delete or migration cut short holds rows of the table: "
                                  "put back those it lacks, then drop it"))
        return gaps

    def migration(self, table: str, schema: str | None, model: FeatureModel, create: list[str]) -> list[str]:
        """Copy, drop, create bucketed, insert back, drop the copy (see the module)."""
        copy = KEPT_COPY.format(table=table)
        if self.columns(copy, schema) is not None:
            raise SqlxyError(f"{copy} exists: a delete or migration of {table} was cut short and its rows may "
                             "be only there; put back those the table lacks, drop it, then migrate")
        if self._buckets(table, schema) == (list(model.indexes[0].columns), BUCKETS):
            return []
        old, kept = _table(schema, table), _table(schema, copy)
        found = self.session.table(_name(schema, table)).schema.fields
        extra = [exp.ColumnDef(this=exp.to_identifier(f.name, quoted=True), kind=exp.DataType.build(
            f.dataType.simpleString(), dialect="spark")) for f in found if f.name not in model.table_column_names]
        names = [exp.column(f.name, quoted=True) for f in found]
        parquet = exp.Properties(expressions=[exp.FileFormatProperty(this=exp.var("PARQUET"))])
        copied = exp.Create(this=kept.copy(), kind="TABLE", expression=exp.select("*").from_(old.copy()),
                            properties=parquet)
        adds = [exp.Alter(this=old.copy(), kind="TABLE", actions=extra)] if extra else []
        back = exp.insert(exp.select(*names).from_(kept.copy()), old.copy(), columns=[n.this for n in names])
        return [copied.sql("spark"), exp.Drop(tables=[old.copy()], kind="TABLE").sql("spark"), *create,
                *(a.sql("spark") for a in adds), back.sql("spark"), exp.Drop(tables=[kept], kind="TABLE").sql("spark")]

    def _buckets(self, table: str, schema: str | None) -> tuple[list[str], int]:
        """The table's bucket columns and count ([], 0 when not bucketed)."""
        described = self._sql(f"DESCRIBE TABLE EXTENDED {_name(schema, table)}").collect()
        details = {row[0]: row[1] for row in described}
        columns = details.get("Bucket Columns", "[]").strip("[]")
        return ([c.strip().strip("`") for c in columns.split(",") if c.strip()],
                int(details.get("Num Buckets") or 0))

    def transaction(self) -> AbstractContextManager[None]:
        """Refused rather than a no-op, which would make several statements look atomic; the store
        reads SUPPORTS_TRANSACTIONS and never asks."""
        raise NotImplementedError("Spark has no multi-statement transactions")

    def close(self) -> None:
        if self.owned:
            self.session.stop()
