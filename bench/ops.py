"""The measured operations. Each runs in a fresh child process (see run.py) so the peak RSS it
reports (`ru_maxrss`) belongs to that operation alone: Python, sqlxy, pyarrow and, on DuckDB, the
engine itself, which allocates inside the same process (a PostgreSQL server's memory is not
counted: it is another process)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from handwritten import EXPERT

import sqlxy
from sqlxy.compiler import IncrementParams, Query
from sqlxy.store import Store
from sqlxy.store.increment import Increment, split_changes

DB_FILE = Path("target") / "sqlxy.duckdb"  # sqlxy's default duckdb target, relative to the project

# One row per video; durations in [20.5, 50.0] s give CEIL(duration_s / 10) = 3-5 chunks. The
# `salt` gives other audio input versions (a changed decode of the same videos).
SAMPLES_SQL = """
SELECT 'video_' || i AS video_id,
  's3://bench/videos/video_' || i || '.mp4' AS path,
  20.5 + CAST(hash(i) % 2951 AS DOUBLE) / 100.0 AS duration_s,
  md5('audio:' || i || ?) AS audio_version,
  md5('frames:' || i) AS frames_version
FROM range(?, ?) AS t(i)
"""

Result = dict[str, Any]


@dataclass(frozen=True)
class Job:
    """What a child process is asked to do (run.py's hidden `--_measure` arguments)."""

    op: str
    project: Path
    key: str
    videos: int
    engine: str                    # "duckdb" or "postgres"
    config: dict[str, str]         # DuckDB settings for the hand-written queries' connections
    round: int = 0                 # which slice of videos a `change` rewrites


def samples(videos: int, start: int = 0, salt: str = "") -> pa.Table:
    """Videos start..videos-1, generated in DuckDB (deterministic: a rerun gives the same rows)."""
    with duckdb.connect() as connection:
        return connection.sql(SAMPLES_SQL, params=[salt, start, videos]).to_arrow_table()


def changed(videos: int) -> int:
    """How many videos a `change` rewrites: 0.1 % of them, at least one."""
    return max(1, videos // 1000)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def cpu_timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall time, CPU time (all threads of this process, user + system) and value of a call."""
    cpu = time.process_time()
    wall, value = timed(fn)
    return wall, time.process_time() - cpu, value


@contextmanager
def open_store(project_dir: Path) -> Iterator[Store]:
    """The project's store on its default target, whose sqlxy.yaml carries the DuckDB config
    (memory_limit, threads) the hand-written queries' connections get too, or PostgreSQL's DSN."""
    with sqlxy.load_project(project_dir).store() as store:
        yield store


def counts_of(change: pa.ChunkedArray) -> dict[str, int]:
    found = {row["values"]: row["counts"] for row in pc.value_counts(change).to_pylist()}
    return {c: found.get(c, 0) for c in ("new", "stale", "orphaned")}


def op_idle(store: Store, job: Job) -> Result:
    """Baseline: interpreter, imports, project load and an open store, no query."""
    return {"times": {}}


def op_resolve(store: Store, job: Job) -> Result:
    """`store.resolve` twice in one process: the first (cold: what a fresh pipeline step pays,
    one-time costs included) does whatever work the last writes left, keeping its increment; the
    second finds the state it left, so it is idle (warm)."""
    first, first_cpu, increment = cpu_timed(lambda: store.resolve(job.key))
    rss = peak_rss_mb()
    second, _, again = cpu_timed(lambda: store.resolve(job.key))
    assert again.counts() == increment.counts(), f"second resolve {again.counts()} vs {increment.counts()}"
    return {"times": {"first": first, "first_cpu": first_cpu, "second": second}, "rss_mb": rss,
            "counts": increment.counts(), "how": increment.how, "how_second": again.how}


def full_resolve(store: Store, key: str) -> Increment:
    """The full resolve query, split as `store.resolve` splits it, without reading or keeping a
    maintained increment: what `resolve` runs when it cannot maintain one."""
    rows = store._runner.fetch(key, Query.RESOLVE, IncrementParams())
    return split_changes(rows, list(store.graph[key].compare_keys), "full: bench")


def op_full(store: Store, job: Job) -> Result:
    """The full resolve twice in one process, cold and warm (it keeps no state, so both do the
    same work); then the compiled SQL alone, i.e. the full resolve minus the Python around it."""
    cold, increment = timed(lambda: full_resolve(store, job.key))
    rss = peak_rss_mb()
    warm, warm_cpu, _ = cpu_timed(lambda: full_resolve(store, job.key))
    sql = store.sql(job.key, "resolve")
    compiled, rows = timed(lambda: store.adapter.fetch_arrow(sql))
    assert counts_of(rows.column("sqlxy_change")) == increment.counts()
    return {"times": {"cold": cold, "warm": warm, "warm_cpu": warm_cpu, "compiled": compiled},
            "rss_mb": rss, "counts": increment.counts()}


def op_root(store: Store, job: Job) -> Result:
    """Resolve the root with all its samples, then write the increment."""
    return _root(store, job.key, samples(job.videos))


def op_change(store: Store, job: Job) -> Result:
    """0.1 % of the videos get a new audio input version: slice `round` of them (another slice,
    and another version string, each round), resolved with just those samples and written (the
    others come back orphaned, which the root's write ignores)."""
    size = changed(job.videos)
    start = job.round * size
    assert start + size <= job.videos, f"round {job.round}: not enough videos for another 0.1 % slice"
    return _root(store, job.key, samples(start + size, start, f":change {job.round}"))


def _root(store: Store, key: str, table: pa.Table) -> Result:
    resolve_s, increment = timed(lambda: store.resolve(key, samples=table))
    rows = increment.to_write()
    write_s, written = timed(lambda: store.write(key, rows))
    return {"times": {"resolve": resolve_s, "write": write_s}, "rows": written,
            "counts": increment.counts(), "how": increment.how}


def op_materialize(store: Store, job: Job) -> Result:
    seconds, result = timed(lambda: store.materialize(job.key))
    return {"times": {"write": seconds}, "rows": result["written"], "retired": result["retired"]}


def op_compute(store: Store, job: Job) -> Result:
    """Resolve a computed feature, add its value column (vectorised) and write the rows (none
    written when nothing is new or stale)."""
    resolve_s, increment = timed(lambda: store.resolve(job.key))
    rows = increment.to_write()
    faces = np.random.default_rng(0).integers(0, 6, rows.num_rows)
    rows = rows.append_column("num_faces", pa.array(faces, pa.int64()))
    write_s, written = timed(lambda: store.write(job.key, rows) if rows.num_rows else 0)
    return {"times": {"resolve": resolve_s, "write": write_s}, "rows": written,
            "counts": increment.counts(), "how": increment.how}


def op_compact(store: Store, job: Job) -> Result:
    """The feature table rewritten to its current rows (no history kept)."""
    seconds, result = timed(lambda: store.compact(job.key))
    return {"times": {"write": seconds}, "rows": result["rows_before"], "rows_after": result["rows_after"]}


STORE_OPS: dict[str, Callable[[Store, Job], Result]] = {
    "idle": op_idle, "resolve": op_resolve, "full": op_full, "root": op_root,
    "change": op_change, "materialize": op_materialize, "compute": op_compute, "compact": op_compact,
}


def op_handwritten(job: Job) -> Result:
    """The hand-written full query, cold then warm: on DuckDB a plain connection with the same
    settings; on PostgreSQL through sqlxy's adapter (its Arrow fetch, as sqlxy's resolve pays)."""
    sql = EXPERT[job.engine][job.key]
    if job.engine == "duckdb":
        with duckdb.connect(str(job.project / DB_FILE), config=job.config) as connection:
            return _twice(lambda: connection.sql(sql).to_arrow_table())
    with open_store(job.project) as store:
        return _twice(lambda: store.adapter.fetch_arrow(sql))


def _twice(fetch: Callable[[], pa.Table]) -> Result:
    cold, cold_cpu, rows = cpu_timed(fetch)
    rss = peak_rss_mb()
    warm, warm_cpu, _ = cpu_timed(fetch)
    return {"times": {"cold": cold, "cold_cpu": cold_cpu, "warm": warm, "warm_cpu": warm_cpu},
            "rss_mb": rss, "counts": counts_of(rows.column("sqlxy_change"))}


def measure(job: Job) -> Result:
    if job.op == "handwritten":
        result = op_handwritten(job)
    else:
        with open_store(job.project) as store:
            result = STORE_OPS[job.op](store, job)
    return {"rss_mb": peak_rss_mb(), **result}
