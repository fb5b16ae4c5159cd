"""Spark SQL through pyspark: a local session (`master`), a cluster, or Spark Connect (`remote`).

Tables are Parquet datasource tables in the session's catalog (a Hive metastore in the project's
target/ folder for local sessions, so tables outlive the process). Spark has no multi-statement
transactions (`SUPPORTS_TRANSACTIONS = False`): every write is one INSERT job, which Spark commits
whole or not at all, except `materialize` (two, ordered: docs/design.md, "Engine capabilities")
and a hard delete (Parquet tables cannot DELETE: the dialect runs it as four statements).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pyarrow as pa

from sqlxy.engines import ENGINES
from sqlxy.errors import SqlxyError, TargetError

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
        self.unstage(name)
        self.execute(f"CACHE TABLE `{name}` AS {sql}")  # eager: later statements change the sources

    def unstage(self, name: str) -> None:
        self.execute(f"UNCACHE TABLE IF EXISTS `{name}`")
        self.session.catalog.dropTempView(name)

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        database = schema or self.session.catalog.currentDatabase()
        if not self.session.catalog.tableExists(f"`{database}`.`{table}`"):
            return None
        return self.session.table(f"`{database}`.`{table}`").columns

    def transaction(self) -> AbstractContextManager[None]:
        """Refused rather than a no-op, which would make several statements look atomic; the store
        reads SUPPORTS_TRANSACTIONS and never asks."""
        raise NotImplementedError("Spark has no multi-statement transactions")

    def close(self) -> None:
        if self.owned:
            self.session.stop()
