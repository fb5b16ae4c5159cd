"""The measured operations. Each runs in a fresh child process (see run.py) so the peak RSS it
reports (`ru_maxrss`) belongs to that operation alone: Python, sqlxy, pyarrow and DuckDB
included, since DuckDB allocates inside the same process."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from handwritten import QUERIES

import sqlxy
from sqlxy.store import Store

DB_FILE = Path("target") / "sqlxy.duckdb"  # sqlxy's default duckdb target, relative to the project

# One row per video; durations in [20.5, 50.0] s give CEIL(duration_s / 10) = 3-5 chunks.
SAMPLES_SQL = """
SELECT 'video_' || i AS video_id,
  's3://bench/videos/video_' || i || '.mp4' AS path,
  20.5 + CAST(hash(i) % 2951 AS DOUBLE) / 100.0 AS duration_s,
  md5('audio:' || i) AS audio_version,
  md5('frames:' || i) AS frames_version
FROM range(?) AS t(i)
"""

Result = dict[str, Any]


def samples(videos: int) -> pa.Table:
    """The root samples, generated in DuckDB (deterministic: a rerun gives the same rows)."""
    with duckdb.connect() as connection:
        return connection.sql(SAMPLES_SQL, params=[videos]).to_arrow_table()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def cpu_timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall time and CPU time (all threads, user + system) of a call."""
    cpu = time.process_time()
    wall, _ = timed(fn)
    return wall, time.process_time() - cpu


def connect(project_dir: Path, config: dict[str, str]) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(project_dir / DB_FILE), config=config)


@contextmanager
def open_store(project_dir: Path, config: dict[str, str]) -> Iterator[Store]:
    """The project's store on its default target, whose sqlxy.yaml carries the DuckDB `config`
    (memory_limit, threads) the hand-written queries' connections get too."""
    with sqlxy.load_project(project_dir).store() as store:
        yield store


def counts_of(change: pa.ChunkedArray) -> dict[str, int]:
    found = {row["values"]: row["counts"] for row in pc.value_counts(change).to_pylist()}
    return {c: found.get(c, 0) for c in ("new", "stale", "orphaned")}


def op_idle(store: Store, videos: int, key: str) -> Result:
    """Baseline: interpreter, imports, project load and an open store, no query."""
    return {"times": {}}


def op_resolve(store: Store, videos: int, key: str) -> Result:
    """Resolve twice in one process: cold (what a fresh pipeline step pays, one-time costs
    included) and warm; then the compiled SQL alone, i.e. resolve minus the Python around it."""
    cold, increment = timed(lambda: store.resolve(key))
    rss = peak_rss_mb()
    warm, warm_cpu = cpu_timed(lambda: store.resolve(key))
    sql = store.sql(key, "resolve")
    compiled, rows = timed(lambda: store.adapter.fetch_arrow(sql))
    assert counts_of(rows.column("sqlxy_change")) == increment.counts()
    return {"times": {"cold": cold, "warm": warm, "warm_cpu": warm_cpu, "compiled": compiled},
            "rss_mb": rss, "counts": increment.counts()}


def op_root(store: Store, videos: int, key: str) -> Result:
    """Resolve the root with its samples, then write the increment."""
    table = samples(videos)
    resolve_s, increment = timed(lambda: store.resolve(key, samples=table))
    rows = increment.to_write()
    write_s, written = timed(lambda: store.write(key, rows))
    return {"times": {"resolve": resolve_s, "write": write_s}, "rows": written,
            "counts": increment.counts()}


def op_materialize(store: Store, videos: int, key: str) -> Result:
    seconds, result = timed(lambda: store.materialize(key))
    return {"times": {"write": seconds}, "rows": result["written"], "retired": result["retired"]}


def op_compute(store: Store, videos: int, key: str) -> Result:
    """Resolve a computed feature, add its value column (vectorised) and write the rows."""
    resolve_s, increment = timed(lambda: store.resolve(key))
    rows = increment.to_write()
    faces = np.random.default_rng(0).integers(0, 6, rows.num_rows)
    rows = rows.append_column("num_faces", pa.array(faces, pa.int64()))
    write_s, written = timed(lambda: store.write(key, rows))
    return {"times": {"resolve": resolve_s, "write": write_s}, "rows": written,
            "counts": increment.counts()}


STORE_OPS: dict[str, Callable[[Store, int, str], Result]] = {
    "idle": op_idle, "resolve": op_resolve, "root": op_root,
    "materialize": op_materialize, "compute": op_compute,
}


def op_handwritten(project_dir: Path, key: str, config: dict[str, str]) -> Result:
    """The hand-written query on a plain DuckDB connection, cold then warm like op_resolve."""
    with connect(project_dir, config) as connection:
        cold, rows = timed(lambda: connection.sql(QUERIES[key]).to_arrow_table())
        rss = peak_rss_mb()
        warm, warm_cpu = cpu_timed(lambda: connection.sql(QUERIES[key]).to_arrow_table())
    return {"times": {"cold": cold, "warm": warm, "warm_cpu": warm_cpu}, "rss_mb": rss,
            "counts": counts_of(rows.column("sqlxy_change"))}


def measure(op: str, project_dir: Path, key: str, videos: int, config: dict[str, str]) -> Result:
    if op == "handwritten":
        result = op_handwritten(project_dir, key, config)
    else:
        with open_store(project_dir, config) as store:
            result = STORE_OPS[op](store, videos, key)
    return {"rss_mb": peak_rss_mb(), **result}
