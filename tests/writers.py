"""The many-writers pattern, as a user writes it (tests/test_many_writers.py runs it in 8 processes).

Every worker resolves the feature's increment itself and keeps the samples whose compare keys
hash to its shard (the ids; for an expansion the parent keys, so one worker owns all of a parent's
children), computes them and writes them. The hash is `zlib.crc32`, the same in every process:
Python's `hash()` of a string is salted per process (PYTHONHASHSEED), so `hash(id) % 8` would give
each worker a different split, with samples done twice and others never.
"""

from __future__ import annotations

import math
import traceback
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

import sqlxy

FACES, CLIPS, RAW, CHUNK = "video/faces", "video/clip", "video/raw", "video/chunk"
VIDEOS = 48
#: The upstream change committed while the workers write: new frames for three videos (every
#: feature reads frames), new audio for two (video/faces reads no audio), one video added.
NEW_FRAMES, NEW_AUDIO, ADDED = ["v03", "v10", "v17"], ["v05", "v12"], f"v{VIDEOS:02d}"


def shard(rows: pa.Table, keys: list[str], worker: int, workers: int) -> pa.Table:
    """The rows whose keys hash to `worker` out of `workers`: the same split in every process."""
    values = zip(*(rows.column(key).to_pylist() for key in keys))
    mine = [zlib.crc32("\x1f".join(map(str, value)).encode()) % workers == worker for value in values]
    return rows.filter(pa.array(mine, pa.bool_()))


def videos_worker(store: sqlxy.Store, worker: int, workers: int, wait: Callable[[], None]) -> int:
    """A root: each worker brings its share of the samples (here all of them, split by id)."""
    mine = shard(videos(), ["video_id"], worker, workers)
    todo = store.resolve(RAW, samples=mine).to_write()
    wait()
    return store.write(RAW, todo, run_id=f"worker-{worker}") if todo.num_rows else 0


def faces_worker(store: sqlxy.Store, worker: int, workers: int, wait: Callable[[], None]) -> int:
    """An identity feature: resolve, keep this worker's share, compute, write it in one call."""
    todo = store.resolve(FACES).to_write()
    mine = shard(todo, ["video_chunk_id"], worker, workers)
    wait()  # the test holds every worker here until all have resolved
    if mine.num_rows == 0:
        return 0
    faces = [len(chunk) % 4 for chunk in mine["video_chunk_id"].to_pylist()]  # "detect faces"
    return store.write(FACES, mine.append_column("num_faces", pa.array(faces, pa.int64())),
                       run_id=f"worker-{worker}")


def clips_worker(store: sqlxy.Store, worker: int, workers: int, wait: Callable[[], None]) -> int:
    """A user-written expansion: one row per parent in the increment; each parent's complete set of
    children goes in one write (which retires the children it no longer has), a parent without
    children as `empty_parents`."""
    todo = store.resolve(CLIPS).to_write()
    mine = shard(todo, ["video_id"], worker, workers)
    wait()
    written = 0
    for index in range(mine.num_rows):
        parent = mine.slice(index, 1)
        count = clip_count(parent["duration_s"][0].as_py())
        if count == 0:
            written += store.write(CLIPS, None, empty_parents=parent, run_id=f"worker-{worker}")
            continue
        video = parent["video_id"][0].as_py()
        children = parent.take([0] * count).append_column(
            "clip_id", pa.array([f"{video}/{i}" for i in range(count)]))
        written += store.write(CLIPS, children, run_id=f"worker-{worker}")
    return written


def clip_count(duration: float | None) -> int:
    """The clips of a video: one per started 20 s, none for an empty video."""
    return 0 if not duration else math.ceil(duration / 20)


def videos(changed: bool = False) -> pa.Table:
    """The root's samples: 48 videos of 0 to 59 s (a few empty), and after the change the new input
    versions and one video more."""
    ids = [f"v{i:02d}" for i in range(VIDEOS + changed)]
    return pa.table({
        "video_id": ids, "path": [f"{v}.mp4" for v in ids],
        "duration_s": [0.0 if i % 16 == 7 else float(i * 23 % 60) for i in range(len(ids))],
        "audio_version": ["a2" if changed and v in NEW_AUDIO else "a1" for v in ids],
        "frames_version": ["f2" if changed and v in NEW_FRAMES else "f1" for v in ids]})


def write_videos(store: sqlxy.Store, changed: bool = False) -> int:
    return store.write(RAW, store.resolve(RAW, samples=videos(changed)).to_write())


def change_videos(store: sqlxy.Store) -> None:
    """The upstream writer of video/clip: the changed and added videos, in one write."""
    assert write_videos(store, changed=True) == len(NEW_FRAMES) + len(NEW_AUDIO) + 1


def change_chunks(store: sqlxy.Store) -> None:
    """The upstream writer of video/faces: the videos, then their chunks (two commits)."""
    change_videos(store)
    store.materialize(CHUNK)


WORKERS: dict[str, Callable[[sqlxy.Store, int, int, Callable[[], None]], int]] = {
    RAW: videos_worker, FACES: faces_worker, CLIPS: clips_worker}


def run_worker(project: Path, feature: str, worker: int, workers: int, start: Any, resolved: Any,
               results: Any) -> None:
    """A worker process (multiprocessing, spawn): once every worker has started (`start`), it opens
    its own store, resolves, waits for `resolved` and writes; the rows it wrote (or its traceback)
    go on `results`."""
    try:
        start.wait(60)
        with sqlxy.load_project(project).store() as store:
            written = WORKERS[feature](store, worker, workers, lambda: resolved.wait(60))
        results.put((worker, written, None))
    except BaseException:  # the parent reports it
        results.put((worker, 0, traceback.format_exc()))
        start.abort()
        resolved.abort()


def run_upstream(project: Path, barrier: Any, results: Any, write: Callable[[sqlxy.Store], None]) -> None:
    """The upstream writer: once every worker has resolved, it commits while they write."""
    try:
        with sqlxy.load_project(project).store() as store:
            barrier.wait(60)
            write(store)
        results.put(("upstream", 0, None))
    except BaseException:  # the parent reports it
        results.put(("upstream", 0, traceback.format_exc()))
        barrier.abort()


def hold_duckdb(project: Path, ready: Any, release: Any) -> None:
    """A process that wrote to the project's DuckDB file and keeps its store open (its lock held)
    until `release`."""
    with sqlxy.load_project(project).store() as store:
        write_videos(store)
        ready.set()
        release.wait(120)


def write_share(project: Path, worker: int, start: Any, hold: Any, results: Any) -> None:
    """One of two processes writing their shares of the videos to one DuckDB file at once: the one
    that opened the file keeps it open until the other has tried (`hold`)."""
    start.wait(60)
    try:
        with sqlxy.load_project(project).store() as store:
            mine = shard(videos(), ["video_id"], worker, 2)
            results.put((worker, store.write(RAW, store.resolve(RAW, samples=mine).to_write()), None))
            hold.wait(60)
    except sqlxy.SqlxyError as exc:
        results.put((worker, 0, str(exc)))
        hold.wait(60)
