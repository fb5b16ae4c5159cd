"""sqlxy on every executing engine: the video project at N videos (default 100,000), the same
operations on DuckDB, PostgreSQL, ClickHouse (chDB) and Spark (local), one markdown table.

    python bench/engines.py --videos 100000 [--engines duckdb,postgres,clickhouse,spark] [--repeats 3]

PostgreSQL is a throwaway server started in a temp dir (as the tests do); Spark is a local
session with 2 cores. Each engine starts from empty tables; writes are wall seconds of one run,
resolves the best of `--repeats`, then the same for the engine's hand-written query
(`handwritten.EXPERT`, where there is one), whose counts must match sqlxy's.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlxy  # noqa: E402
from bench.handwritten import EXPERT  # noqa: E402
from tests.engines import throwaway_postgres  # noqa: E402

OPERATIONS = ("write raw", "materialize chunk", "write faces", "resolve chunk (unchanged)",
              "resolve faces (unchanged)", "resolve chunk (audio bump)", "resolve faces (audio bump)")
RESOLVES = [op for op in OPERATIONS if op.startswith("resolve")]


def videos(n: int) -> pa.Table:
    """N videos lasting 20.5–50 s (3–5 chunks each), made in DuckDB, no Python loop."""
    return duckdb.sql(f"""
        SELECT 'v' || i AS video_id, 's3://videos/' || i || '.mp4' AS path,
               20.5 + (hash(i) % 2950) / 100.0 AS duration_s,
               'a' || i AS audio_version, 'f' || i AS frames_version
        FROM range({n}) AS t(i)""").to_arrow_table()


@contextmanager
def target(engine: str, stack: ExitStack, folder: Path) -> Iterator[dict[str, object]]:
    if engine == "postgres":
        yield {"type": "postgres", "dsn": stack.enter_context(throwaway_postgres())}
    elif engine == "clickhouse":
        yield {"type": "clickhouse", "path": str(folder / "chdb")}
    elif engine == "spark":
        yield {"type": "spark", "master": "local[2]", "path": str(folder / "spark"),
               "conf": {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "4"}}
    else:
        yield {"type": "duckdb", "path": str(folder / "bench.duckdb")}


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def counts_of(change: pa.ChunkedArray) -> dict[str, int]:
    found = {row["values"]: row["counts"] for row in pc.value_counts(change).to_pylist()}
    return {c: found.get(c, 0) for c in ("new", "stale", "orphaned")}


def best_of(repeats: int, fn: Callable[[], dict[str, int]]) -> tuple[float, dict[str, int]]:
    """The best wall time of `repeats` calls, and the counts the last one returned."""
    best, counts = float("inf"), {}
    for _ in range(repeats):
        start = time.perf_counter()
        counts = fn()
        best = min(best, time.perf_counter() - start)
    return best, counts


def resolves(store: sqlxy.Store, engine: str, label: str, repeats: int, times: dict[str, float]) -> dict:
    """Best of `repeats` for each feature's resolve and then its hand-written query (stored as
    "<operation> expert"); returns sqlxy's counts per feature."""
    counts = {}
    for key in ("video/chunk", "video/faces"):
        operation = f"resolve {key.split('/')[1]} ({label})"
        times[operation], counts[key] = best_of(repeats, partial(lambda k: store.resolve(k).counts(), key))
        expert = EXPERT.get(engine, {}).get(key)
        if expert:
            times[f"{operation} expert"], found = best_of(repeats, partial(
                lambda sql: counts_of(store.adapter.fetch_arrow(sql)["sqlxy_change"]), expert))
            assert found == counts[key], f"{engine} {key}: hand-written {found} vs sqlxy {counts[key]}"
    return counts


def run_engine(engine: str, n: int, data: pa.Table, repeats: int) -> dict[str, float]:
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=f"sqlxy-{engine}-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        shutil.copytree(ROOT / "features", folder / "features")
        with target(engine, stack, folder) as settings:
            (folder / "sqlxy.yaml").write_text(yaml.safe_dump({"targets": {"it": settings},
                                                              "default_target": "it"}))
            with sqlxy.load_project(folder).store() as store:
                raw = store.resolve("video/raw", samples=data).to_write()
                times["write raw"] = timed(lambda: store.write("video/raw", raw))
                times["materialize chunk"] = timed(lambda: store.materialize("video/chunk"))
                faces = store.resolve("video/faces").to_write()
                faces = faces.append_column("num_faces", pc.cast(pc.utf8_length(faces["video_chunk_id"]), pa.int64()))
                times["write faces"] = timed(lambda: store.write("video/faces", faces))
                resolves(store, engine, "unchanged", repeats, times)
            raw_yaml = folder / "features/video/raw.yaml"
            raw_yaml.write_text(re.sub(r'(key: audio\n\s+code_version: )"1"', r'\1"2"', raw_yaml.read_text()))
            with sqlxy.load_project(folder).store() as store:
                store.write("video/raw", store.resolve("video/raw", samples=data).to_write())
                counts = resolves(store, engine, "audio bump", repeats, times)
                assert counts["video/chunk"]["stale"] == n
                assert counts["video/faces"] == {"new": 0, "stale": 0, "orphaned": 0}
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--engines", default="duckdb,postgres,clickhouse,spark")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each resolve (best kept)")
    args = parser.parse_args()
    engines = args.engines.split(",")
    data = videos(args.videos)
    results = {}
    for engine in engines:
        print(f"running {engine} …", file=sys.stderr)
        results[engine] = run_engine(engine, args.videos, data, args.repeats)
    print(f"## sqlxy on every engine: {args.videos:,} videos\n")
    print("| operation (s) | " + " | ".join(engines) + " |")
    print("|---|" + "---|" * len(engines))
    for operation in OPERATIONS:
        print(f"| {operation} | " + " | ".join(f"{results[e][operation]:.2f}" for e in engines) + " |")
    experts = [e for e in engines if f"{RESOLVES[0]} expert" in results[e]]
    if experts:
        print("\n| resolve: sqlxy / hand-written (s) | " + " | ".join(experts) + " |")
        print("|---|" + "---|" * len(experts))
        for operation in RESOLVES:
            cells = [f"{results[e][operation]:.3f} / {results[e][operation + ' expert']:.3f} = "
                     f"{results[e][operation] / results[e][operation + ' expert']:.2f}×" for e in experts]
            print(f"| {operation} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
