"""Throwaway engines for the tests: PostgreSQL 15 from Debian's package, chDB, local Spark.

Locally a missing engine skips with the reason; under CI (CI=true) it fails the test instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pytest

from sqlxy.engines import ENGINES as REGISTRY

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"engine missing in CI: {reason}")
    pytest.skip(reason)


def _pg_bin(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / tool).exists():
            return str(base / tool)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EngineMissing(RuntimeError):
    """An engine the caller asked for cannot be started here; the message says why."""


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root; run them as the postgres user then."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise EngineMissing("running as root without runuser to start PostgreSQL as another user")
    return [runuser, "-u", "postgres", "--", *command]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server in a temp dir on a free port (the tests' and the benchmark's)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise EngineMissing("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql-15")
    folder = Path(tempfile.mkdtemp(prefix="sqlxy-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run(_as_postgres_user([initdb, "-D", str(data), "-A", "trust", "-U", "postgres",
                                      "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                      "-w", "start"]), check=True, capture_output=True)
    try:
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The session's PostgreSQL server, stopped at the end of the session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed: pip install 'sqlxy[postgres]'")
    try:
        server = throwaway_postgres()
        dsn = server.__enter__()
    except EngineMissing as exc:
        unavailable(str(exc))
    try:
        yield dsn
    finally:
        server.__exit__(None, None, None)


def postgres_database(admin_dsn: str) -> str:
    """A fresh database on the session's server, so every test starts empty."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_dsn.replace("dbname=postgres", f"dbname={name}")


#: Every target type sqlxy runs (`sqlxy.engines`): each needs a builder in `TARGETS` below.
ENGINES = list(REGISTRY)


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One local Spark session for the whole test run (UI off, few shuffle partitions)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        unavailable("pyspark is not installed: pip install 'sqlxy[spark]'")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        unavailable("Spark needs Java 17+ (no java on PATH, no JAVA_HOME)")
    home = tmp_path_factory.mktemp("spark")
    session = (SparkSession.builder.master("local[2]").appName("sqlxy-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.sql.warehouse.dir", str(home / "warehouse"))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home}")
               .config("spark.sql.session.timeZone", "UTC").enableHiveSupport().getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def target_config(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    """The sqlxy.yaml settings for `engine` in a fresh, empty database: targets, default_target, and a
    schema of its own where the engine is shared by the whole test session (Spark)."""
    target = TARGETS[engine](request, tmp_path)
    config: dict[str, object] = {"targets": {"it": target}, "default_target": "it"}
    if engine == "spark":
        import uuid

        config["schema"] = f"t_{uuid.uuid4().hex[:12]}"
    return config


def _duckdb(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    return {"type": "duckdb", "path": str(tmp_path / "engine.duckdb")}


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    return {"type": "postgres", "dsn": postgres_database(request.getfixturevalue("postgres_dsn"))}


def _clickhouse(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    try:
        import chdb  # noqa: F401
    except ImportError:
        unavailable("chdb is not installed: pip install 'sqlxy[clickhouse]'")
    return {"type": "clickhouse", "path": str(tmp_path / "chdb")}


def _spark(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    request.getfixturevalue("spark_session")
    return {"type": "spark", "master": "local[2]"}


#: The settings of a fresh, empty database per engine; `test_targets` holds these keys to the registry.
TARGETS: dict[str, Callable[[pytest.FixtureRequest, Path], dict[str, object]]] = {
    "duckdb": _duckdb, "postgres": _postgres, "clickhouse": _clickhouse, "spark": _spark}


def run_native(store: object, sql: str) -> None:
    """Source-dialect SQL (e.g. a source table a test needs) run on the store's engine."""
    from sqlxy.compiler import transpile

    for statement in transpile(sql, store.adapter.dialect):  # type: ignore[attr-defined]
        store.adapter.execute(statement)  # type: ignore[attr-defined]


def fetch_native(store: object, sql: str) -> pa.Table:
    """The rows of one source-dialect query on the store's engine."""
    from sqlxy.compiler import transpile

    (statement,) = transpile(sql, store.adapter.dialect)  # type: ignore[attr-defined]
    return store.adapter.fetch_arrow(statement)  # type: ignore[attr-defined]
