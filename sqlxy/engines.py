"""The engines sqlxy runs: one declarative row per target type, and nothing else knows the list.

Config validation (`config.py`), opening a target (`store/engines.py`), the executable dialects
(`dialects.EXECUTABLE`) and the tests' engine fixtures are all derived from `ENGINES`. The adapter
is named as a "module:Class" string, so reading this table imports no driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlxy.errors import TargetError


@dataclass(frozen=True)
class Engine:
    type: str                                  # the target's `type:` in sqlxy.yaml
    dialect: str                               # its SQL dialect in `sqlxy.dialects`
    adapter: str                               # "module:Class" of its adapter, imported on use
    title: str                                 # how "not installed" names it ("PostgreSQL")
    texts: Mapping[str, str] = field(default_factory=dict, hash=False)     # text settings it reads → meaning
    mappings: Mapping[str, str] = field(default_factory=dict, hash=False)  # mapping settings (option → value)
    driver: str | None = None                  # the module "not installed" names
    extra: str | None = None                   # the pip extra that installs the driver
    wraps: tuple[str, ...] = ()                # modules of connections the adapter can wrap

    @property
    def settings(self) -> frozenset[str]:
        return frozenset(self.texts) | frozenset(self.mappings)

    def not_installed(self, target: str, title: str | None = None, driver: str | None = None) -> TargetError:
        """The error for a missing driver, naming the extra that installs it; `title`/`driver` for
        an engine with a second driver (a ClickHouse server through clickhouse-connect)."""
        return TargetError(f"target '{target}' is {title or self.title}, but {driver or self.driver} is "
                           f"not installed: pip install 'sqlxy[{self.extra}]'")


#: The target types sqlxy can run. The settings are exactly those the adapter reads: any other is
#: refused at load, because a typo (`pth:`) would otherwise send the data to the default database.
#: What each setting means is what `sqlxy schema project` shows an editor.
ENGINES: dict[str, Engine] = {engine.type: engine for engine in (
    Engine("duckdb", "duckdb", "sqlxy.store.duckdb:DuckDBAdapter", "DuckDB",
           texts={"path": "the database file, relative to the project (default target/sqlxy.duckdb; "
                          ":memory: for one in memory)"},
           mappings={"config": "DuckDB configuration options (option → value) to connect with"},
           driver="duckdb", wraps=("duckdb", "_duckdb")),
    Engine("postgres", "postgres", "sqlxy.store.postgres:PostgresAdapter", "PostgreSQL",
           texts={"dsn": "the connection string (postgresql://user@host/db or key=value pairs); "
                         "${VAR} expands from the environment"},
           driver="psycopg", extra="postgres", wraps=("psycopg",)),
    Engine("clickhouse", "clickhouse", "sqlxy.store.clickhouse:ClickHouseAdapter", "embedded ClickHouse",
           texts={"path": "the folder of the embedded chDB database, relative to the project (default "
                          "target/chdb)",
                  "url": "a ClickHouse server's URL (through clickhouse-connect); path is then not read"},
           driver="chdb", extra="clickhouse"),
    Engine("spark", "spark", "sqlxy.store.spark:SparkAdapter", "Spark",
           texts={"master": "the Spark master (default local[2])",
                  "remote": "a Spark Connect URL (sc://host:15002); master and path are then not read",
                  "path": "the folder of the local warehouse and metastore, relative to the project "
                          "(default target/spark)"},
           mappings={"conf": "Spark configuration (option → value) set on the session"},
           driver="pyspark", extra="spark"),
)}


def wrapping(connection: object) -> Engine | None:
    """The engine whose adapter can wrap this connection object, if any."""
    module = type(connection).__module__
    return next((e for e in ENGINES.values() if e.wraps and module.startswith(e.wraps)), None)
