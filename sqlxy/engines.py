"""The engines sqlxy runs: one declarative row per target type, and nothing else knows the list.

Config validation (`config.py`), opening a target (`store/engines.py`), the executable dialects
(`dialects.EXECUTABLE`) and the tests' engine fixtures are all derived from `ENGINES`. The adapter
is named as a "module:Class" string, so reading this table imports no driver.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlxy.errors import TargetError


@dataclass(frozen=True)
class Engine:
    type: str                                  # the target's `type:` in sqlxy.yaml
    dialect: str                               # its SQL dialect in `sqlxy.dialects`
    adapter: str                               # "module:Class" of its adapter, imported on use
    title: str                                 # how "not installed" names it ("PostgreSQL")
    texts: frozenset[str] = frozenset()        # the text settings its adapter reads
    mappings: frozenset[str] = frozenset()     # the mapping settings (option → value) it reads
    driver: str | None = None                  # the module "not installed" names
    extra: str | None = None                   # the pip extra that installs the driver
    wraps: tuple[str, ...] = ()                # modules of connections the adapter can wrap

    @property
    def settings(self) -> frozenset[str]:
        return self.texts | self.mappings

    def not_installed(self, target: str, title: str | None = None, driver: str | None = None) -> TargetError:
        """The error for a missing driver, naming the extra that installs it; `title`/`driver` for
        an engine with a second driver (a ClickHouse server through clickhouse-connect)."""
        return TargetError(f"target '{target}' is {title or self.title}, but {driver or self.driver} is "
                           f"not installed: pip install 'sqlxy[{self.extra}]'")


#: The target types sqlxy can run. The settings are exactly those the adapter reads: any other is
#: refused at load, because a typo (`pth:`) would otherwise send the data to the default database.
ENGINES: dict[str, Engine] = {engine.type: engine for engine in (
    Engine("duckdb", "duckdb", "sqlxy.store.duckdb:DuckDBAdapter", "DuckDB",
           texts=frozenset({"path"}), mappings=frozenset({"config"}), driver="duckdb",
           wraps=("duckdb", "_duckdb")),
    Engine("postgres", "postgres", "sqlxy.store.postgres:PostgresAdapter", "PostgreSQL",
           texts=frozenset({"dsn"}), driver="psycopg", extra="postgres", wraps=("psycopg",)),
    Engine("clickhouse", "clickhouse", "sqlxy.store.clickhouse:ClickHouseAdapter", "embedded ClickHouse",
           texts=frozenset({"path", "url"}), driver="chdb", extra="clickhouse"),
    Engine("spark", "spark", "sqlxy.store.spark:SparkAdapter", "Spark",
           texts=frozenset({"master", "remote", "path"}), mappings=frozenset({"conf"}), driver="pyspark",
           extra="spark"),
)}


def wrapping(connection: object) -> Engine | None:
    """The engine whose adapter can wrap this connection object, if any."""
    module = type(connection).__module__
    return next((e for e in ENGINES.values() if e.wraps and module.startswith(e.wraps)), None)
