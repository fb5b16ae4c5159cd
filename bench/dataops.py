"""The data operations on a large table: N videos (3-5 chunks each: 4M chunk rows and faces at
1M videos). Prints one table: per operation, what it did and its wall time, in one process.

- records of failed samples: 1,000 faces recorded as failed; resolve of video/faces with them,
  next to the same resolve before (maintained, and the full query with and without the flags);
- cascading deletes of one video from video/raw: dry run, soft, hard;
- rebase: video/raw's audio code_version 1 → 2, rebased (dry run, then for real), next to the
  recompute it saves (write raw, materialize the chunks).

    python bench/dataops.py --videos 1000000 [--engine postgres]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
from ops import open_store, samples
from run import engine_target, project_dir, table

from sqlxy import Store
from sqlxy.compiler import IncrementParams, Query

FAILED = 1_000


def populate(path: Path, videos: int) -> None:
    with open_store(path) as store:
        store.write("video/raw", store.resolve("video/raw", samples=samples(videos)).to_write())
        store.materialize("video/chunk")
        rows = store.resolve("video/faces").to_write()
        rows = rows.slice(0, rows.num_rows - FAILED)  # the rest fail (`failures`)
        store.write("video/faces", rows.append_column("num_faces", pa.array([1] * rows.num_rows, pa.int64())))
        store.resolve("video/faces")  # the kept increment a maintained resolve starts from


def timed(rows: list[list[str]], label: str, work: Callable[[], Any], show: Callable[[Any], str] = str) -> Any:
    start = time.perf_counter()
    out = work()
    rows.append([label, show(out), f"{time.perf_counter() - start:.3f}"])
    return out


def full_resolve(store: Store, errors: bool) -> int:
    return store._runner.fetch("video/faces", Query.RESOLVE, IncrementParams(errors=errors)).num_rows


def failures(store: Store, rows: list[list[str]]) -> None:
    counts = lambda inc: f"{inc.counts()['new']:,} new, {inc.errored.num_rows:,} held back"  # noqa: E731
    timed(rows, "resolve video/faces (maintained, no records yet)", lambda: store.resolve("video/faces"), counts)
    timed(rows, "full resolve query of video/faces", lambda: full_resolve(store, False), lambda n: f"{n:,} rows")
    failed = store.resolve("video/faces").new
    timed(rows, f"write_errors ({failed.num_rows:,} samples)",
          lambda: store.write_errors("video/faces", failed, message="OOM"), lambda n: f"{n:,} records")
    timed(rows, "resolve video/faces (maintained, with records)", lambda: store.resolve("video/faces"), counts)
    timed(rows, "full resolve query of video/faces, flagged", lambda: full_resolve(store, True),
          lambda n: f"{n:,} rows")
    timed(rows, "errors video/faces", lambda: store.errors("video/faces"), lambda t: f"{t.num_rows:,} open")


def cascades(store: Store, rows: list[list[str]]) -> None:
    per = lambda c: ", ".join(f"{k.split('/')[1]} {v['samples']}/{v['rows']}" for k, v in c.items())  # noqa: E731
    for video, hard, dry in (("video_7", False, True), ("video_7", False, False), ("video_8", True, False)):
        label = f"cascade {'hard' if hard else 'soft'} delete of one video{' (dry run)' if dry else ''}"
        timed(rows, label, lambda v=video, h=hard, d=dry: store.cascade_delete("video/raw", f"video_id = '{v}'",
                                                                              hard=h, dry_run=d), per)


def bump(raw: Path, old: str, new: str) -> None:
    """video/raw's audio code_version old → new (the seed's bump)."""
    field = '- key: audio\n    code_version: "{}"'
    raw.write_text(raw.read_text().replace(field.format(old), field.format(new)))


def rebase(path: Path, videos: int, rows: list[list[str]]) -> None:
    raw = path / "features/video/raw.yaml"
    bump(raw, "1", "2")
    given = samples(videos)
    with open_store(path) as store:
        show = lambda r: f"{r['rebased']:,} rebased, {r['data_changed']:,} data changed"  # noqa: E731
        timed(rows, "rebase video/raw (dry run)", lambda: store.rebase("video/raw", samples=given, dry_run=True),
              show)
        timed(rows, "rebase video/raw", lambda: store.rebase("video/raw", samples=given), show)
        timed(rows, "resolve video/chunk after the rebase", lambda: store.resolve("video/chunk"),
              lambda inc: f"{inc.counts()['stale']:,} stale")
    bump(raw, "2", "3")
    with open_store(path) as store:  # what the rebase saves: recomputing raw and the chunks
        todo = timed(rows, "recompute instead: resolve video/raw",
                     lambda: store.resolve("video/raw", samples=given), lambda inc: f"{inc.counts()['stale']:,} stale")
        timed(rows, "recompute instead: write video/raw", lambda: store.write("video/raw", todo.to_write()),
              lambda n: f"{n:,} rows")
        timed(rows, "recompute instead: materialize video/chunk", lambda: store.materialize("video/chunk"),
              lambda c: f"{c['written']:,} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--engine", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args()
    config = {"memory_limit": args.memory_limit} if args.engine == "duckdb" else {}
    rows: list[list[str]] = []
    with engine_target(args.engine, config) as (target, settings), project_dir(None, target) as path:
        start = time.perf_counter()
        populate(path, args.videos)
        sys.stderr.write(f"populated in {time.perf_counter() - start:.0f} s\n")
        with open_store(path) as store:
            failures(store, rows)
            cascades(store, rows)
        rebase(path, args.videos, rows)
    print(f"data operations, {args.videos:,} videos · {settings} · one process\n")
    print(table(["operation", "result", "seconds"], rows))


if __name__ == "__main__":
    main()
