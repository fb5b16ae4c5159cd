"""Many writers on PostgreSQL (issue 11): 8 worker processes share a feature's increment and write
it with nothing lost and nothing duplicated (the pattern: `tests/writers.py`).

Each worker is a real process (multiprocessing, spawn) with its own project and store. The workers
start together (a barrier), each resolves the increment itself and keeps the samples whose compare
keys hash to its shard (crc32 % 8), waits until every worker has resolved (a second barrier, so the
increment every worker saw is known), then writes its share. Checked afterwards, on the tables:
every expected sample is current exactly once, the table holds one row per sample written (no
write landed twice, none was lost), each sample was written by the worker its shard names, each
write has its own change-log stamp, and the next resolve is empty, as the full recompute
(`status`) is. With an upstream writer committing while the workers write, the next resolve
holds exactly the samples that change touched, and one more round settles them.

Covered: a root ingested by 8 workers into a fresh database (sqlxy's tables created
concurrently), an identity feature (video/faces) whose table does not exist yet when the workers
start (8 first resolves at once), and a user-written expansion (video/clip, no `generate`) whose
workers write each parent's children in one call, parents without children as `empty_parents`.
"""

from __future__ import annotations

import multiprocessing
import shutil
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml

import sqlxy

from . import writers
from .conftest import REPO, write_features
from .engines import postgres_dsn, target_config  # noqa: F401  (fixture)
from .writers import ADDED, CHUNK, CLIPS, FACES, NEW_AUDIO, NEW_FRAMES, RAW

WORKERS = 8
#: Seconds a round of workers may take before the test calls it hung.
PATIENCE = 120

CLIP_SPEC = """
key: video/clip
description: Clips of a video, cut by the user's code (no generate)
id_columns: [clip_id]
columns: {video_id: string, clip_id: string}
deps:
  - feature: video/raw
    lineage: {expansion: {on: [video_id]}}
    select: [duration_s]
"""


@pytest.fixture
def project_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The seed project plus video/clip, on a fresh PostgreSQL database."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    write_features(tmp_path, {"video/clip.yaml": CLIP_SPEC})
    config = target_config("postgres", request, tmp_path)
    (tmp_path / "sqlxy.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


def run_round(project: Path, feature: str, upstream: Callable[[sqlxy.Store], None] | None = None) -> dict[int, int]:
    """8 worker processes on `feature` (and the upstream writer, which commits once they have all
    resolved, while they write); the rows each worker wrote."""
    context = multiprocessing.get_context("spawn")
    start, resolved = context.Barrier(WORKERS), context.Barrier(WORKERS + (upstream is not None))
    results = context.Queue()
    processes = [context.Process(target=writers.run_worker,
                                 args=(project, feature, worker, WORKERS, start, resolved, results))
                 for worker in range(WORKERS)]
    if upstream is not None:
        processes.append(context.Process(target=writers.run_upstream, args=(project, resolved, results, upstream)))
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=PATIENCE) for _ in processes]
        for process in processes:
            process.join(PATIENCE)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
    failures = [f"{who}:\n{error}" for who, _, error in reports if error]
    assert not failures, "\n".join(failures)
    assert [p.exitcode for p in processes] == [0] * len(processes)
    return {who: written for who, written, _ in reports if who != "upstream"}


def worker_of(*key: str) -> str:
    """The run id of the worker whose shard holds these compare keys (writers.shard's hash)."""
    return f"worker-{zlib.crc32(chr(0x1f).join(key).encode()) % WORKERS}"


def all_rows(store: sqlxy.Store, key: str) -> pa.Table:
    """Every row of the feature's table: history, tombstones and records of empty parents too."""
    return store.adapter.fetch_arrow(f'SELECT * FROM "{store.compiler.table_name(key)}"')


def assert_settled(store: sqlxy.Store, key: str) -> None:
    """The next resolve has nothing to do, and neither has the full recompute (`status`)."""
    assert store.resolve(key).counts() == {"new": 0, "stale": 0, "orphaned": 0}
    (row,) = store.status([key])
    assert (row["new"], row["stale"], row["orphaned"]) == (0, 0, 0)


def assert_written_once(store: sqlxy.Store, key: str, id_column: str, expected: list[str],
                        writes: Counter[str]) -> None:
    """The current samples are `expected`, each once; the table holds, per sample, exactly the
    rows written for it (`writes`): none lost, none landed twice."""
    current = store.read(key)[id_column].to_pylist()
    assert len(current) == len(set(current)), "a sample is current twice"
    assert sorted(current) == sorted(expected)
    rows = all_rows(store, key)
    assert rows.filter(pc.is_valid(rows["sqlxy_deleted_at"])).num_rows == 0  # nothing retired
    on_table = Counter(rows[id_column].to_pylist())
    on_table.pop(None, None)  # records of parents without children (expansions)
    assert on_table == writes


def assert_stamped_per_write(store: sqlxy.Store, key: str, writes: int) -> None:
    """Each write committed under its own change-log stamp (the row lock orders a feature's
    writers), and the feature's seq counted every one."""
    rows = all_rows(store, key)
    per_stamp = {}
    for stamp, run in zip(rows["sqlxy_commit"].to_pylist(), rows["sqlxy_run_id"].to_pylist(), strict=True):
        per_stamp.setdefault(stamp, set()).add(run)
    assert all(len(runs) == 1 for runs in per_stamp.values()), "two writes share a stamp"
    assert sorted(per_stamp) == list(range(1, writes + 1))


def test_eight_workers_ingest_a_root_into_a_fresh_database(project_dir: Path) -> None:
    """Nothing exists yet: the workers' first resolves create sqlxy's tables and the feature's
    concurrently, each once; their writes record the graph once (the seq's row lock orders the
    writers of one feature, so the second finds it recorded)."""
    written = run_round(project_dir, RAW)
    ids = writers.videos()["video_id"].to_pylist()
    assert sum(written.values()) == len(ids)
    with sqlxy.load_project(project_dir).store() as store:
        assert_written_once(store, RAW, "video_id", ids, Counter(ids))
        runs = dict(zip(*(store.read(RAW)[c].to_pylist() for c in ("video_id", "sqlxy_run_id")), strict=True))
        assert runs == {video: worker_of(video) for video in ids}
        assert_stamped_per_write(store, RAW, sum(1 for rows in written.values() if rows))
        history = store.adapter.fetch_arrow("SELECT feature_key FROM sqlxy_graph_history")
        assert sorted(history["feature_key"].to_pylist()) == sorted(store.graph.order)  # recorded once
        for table in ("sqlxy_state", "sqlxy_increments"):
            keys = store.adapter.fetch_arrow(f"SELECT feature_table FROM {table}")["feature_table"].to_pylist()
            assert len(keys) == len(set(keys)), f"{table} holds a feature twice"
        assert store.resolve(RAW, samples=writers.videos()).counts() == {"new": 0, "stale": 0, "orphaned": 0}


def _chunk_ids(store: sqlxy.Store, videos: list[str] | None = None) -> list[str]:
    chunks = store.read(CHUNK)
    return sorted(c for c, v in zip(chunks["video_chunk_id"].to_pylist(), chunks["video_id"].to_pylist(),
                                    strict=True) if videos is None or v in videos)


def test_eight_workers_share_an_identity_feature(project_dir: Path) -> None:
    """video/faces: its table does not exist when the 8 workers resolve at once. While they write,
    the upstream writer commits new frames (and new audio, which faces does not read) for some
    videos and adds one, then re-materializes the chunks."""
    with sqlxy.load_project(project_dir).store() as store:
        writers.write_videos(store)
        store.materialize(CHUNK)
        chunks = _chunk_ids(store)
    written = run_round(project_dir, FACES, upstream=writers.change_chunks)
    assert sum(written.values()) == len(chunks)
    with sqlxy.load_project(project_dir).store() as store:
        assert_written_once(store, FACES, "video_chunk_id", chunks, Counter(chunks))
        faces = store.read(FACES)
        assert dict(zip(faces["video_chunk_id"].to_pylist(), faces["sqlxy_run_id"].to_pylist(), strict=True)) == {
            chunk: worker_of(chunk) for chunk in chunks}
        assert_stamped_per_write(store, FACES, sum(1 for rows in written.values() if rows))
        # the change committed mid-run: exactly the chunks of the changed frames are stale, the
        # added video's are new; the audio change is not read by faces
        increment = store.resolve(FACES)
        changed, added = _chunk_ids(store, NEW_FRAMES), _chunk_ids(store, [ADDED])
        assert sorted(increment.stale["video_chunk_id"].to_pylist()) == changed
        assert {tuple(f) for f in increment.stale["sqlxy_stale_fields"].to_pylist()} == {("faces",)}
        assert sorted(increment.new["video_chunk_id"].to_pylist()) == added
        assert increment.orphaned.num_rows == 0
        assert not set(_chunk_ids(store, NEW_AUDIO)) & set(increment.stale["video_chunk_id"].to_pylist())
    again = run_round(project_dir, FACES)
    assert sum(again.values()) == len(changed) + len(added)
    with sqlxy.load_project(project_dir).store() as store:
        assert_written_once(store, FACES, "video_chunk_id", chunks + added, Counter(chunks + added + changed))
        assert_settled(store, FACES)


def test_eight_workers_share_an_expansion_one_write_per_parent(project_dir: Path) -> None:
    """video/clip, written by the user's code: each worker writes each of its parents' complete
    set of children in one call (a parent without children as empty_parents). While they write,
    the upstream writer commits new inputs for five videos and adds one."""
    with sqlxy.load_project(project_dir).store() as store:
        writers.write_videos(store)
    before = writers.videos()
    durations = dict(zip(before["video_id"].to_pylist(), before["duration_s"].to_pylist(), strict=True))

    def clips(videos: list[str]) -> list[str]:
        return [f"{v}/{i}" for v in videos for i in range(writers.clip_count(durations[v]))]

    videos = list(durations)
    empty = [v for v in videos if writers.clip_count(durations[v]) == 0]
    assert len(empty) == 4
    written = run_round(project_dir, CLIPS, upstream=writers.change_videos)
    assert sum(written.values()) == len(clips(videos)) + len(empty)
    with sqlxy.load_project(project_dir).store() as store:
        assert_written_once(store, CLIPS, "clip_id", clips(videos), Counter(clips(videos)))
        rows = all_rows(store, CLIPS)
        records = [v for v, c in zip(rows["video_id"].to_pylist(), rows["clip_id"].to_pylist(), strict=True)
                   if c is None]
        assert sorted(records) == empty  # one record per parent without children
        runs = {(v, r) for v, r in zip(rows["video_id"].to_pylist(), rows["sqlxy_run_id"].to_pylist(), strict=True)}
        assert runs == {(v, worker_of(v)) for v in videos}  # a parent's children: one worker
        assert_stamped_per_write(store, CLIPS, len(videos))  # one write, and one stamp, per parent
        increment = store.resolve(CLIPS)
        assert sorted(increment.stale["video_id"].to_pylist()) == sorted(NEW_FRAMES + NEW_AUDIO)
        assert increment.new["video_id"].to_pylist() == [ADDED]
        assert increment.orphaned.num_rows == 0
    durations[ADDED] = writers.videos(changed=True)["duration_s"][-1].as_py()
    assert writers.clip_count(durations[ADDED]) > 0
    again = run_round(project_dir, CLIPS)
    redone = NEW_FRAMES + NEW_AUDIO + [ADDED]
    assert sum(again.values()) == len(clips(redone))
    with sqlxy.load_project(project_dir).store() as store:
        everything = clips(videos + [ADDED])
        assert_written_once(store, CLIPS, "clip_id", everything, Counter(everything + clips(NEW_FRAMES + NEW_AUDIO)))
        assert_settled(store, CLIPS)


def test_first_resolves_at_once_create_and_keep_everything_once(project_dir: Path) -> None:
    """The race the processes above meet by chance, every time: 8 connections (threads) released
    together on a database holding only the videos resolve video/faces for the first time. Each
    creates the missing tables (chunk, faces) and keeps its increment; before sqlxy serialized
    these (PostgreSQL advisory locks), most failed on the catalog's unique index ("duplicate key
    value violates unique constraint pg_type_typname_nsp_index", "tuple concurrently updated",
    "relation video__faces:pending already exists") and the survivors left several records of the
    feature's increment."""
    import threading

    with sqlxy.load_project(project_dir).store() as store:
        writers.write_videos(store)
    stores = [sqlxy.load_project(project_dir).store() for _ in range(WORKERS)]
    start, found = threading.Barrier(WORKERS), {}

    def first_resolve(index: int) -> None:
        start.wait(PATIENCE)
        try:
            found[index] = stores[index].resolve(FACES).counts()
        except sqlxy.SqlxyError as exc:
            found[index] = str(exc)

    threads = [threading.Thread(target=first_resolve, args=(i,)) for i in range(WORKERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE)
        assert found == {i: {"new": 0, "stale": 0, "orphaned": 0} for i in range(WORKERS)}
        kept = stores[0].adapter.fetch_arrow("SELECT feature_table FROM sqlxy_increments")
        assert kept["feature_table"].to_pylist() == ["video__faces"]
        state = stores[0].adapter.fetch_arrow("SELECT feature_table FROM sqlxy_state")["feature_table"].to_pylist()
        assert sorted(state) == ["video__chunk", "video__faces", "video__raw"]
    finally:
        for store in stores:
            store.close()


# DuckDB: one process per file while any writes (docs/design.md, "Many writers"). The second
# process gets a clear error at once, never a wait.


@pytest.fixture
def duckdb_dir(tmp_path: Path) -> Path:
    """The seed project on its default target, target/sqlxy.duckdb."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    return tmp_path


def assert_held_message(message: str, project: Path, holder: int | None) -> None:
    assert f"DuckDB database {project / 'target' / 'sqlxy.duckdb'} is open in another process" in message
    if holder is not None:
        assert f"(PID {holder}," in message
    assert "Write from one process" in message and "(type: postgres)" in message


def test_a_duckdb_file_another_process_holds_is_a_clear_error(duckdb_dir: Path) -> None:
    import subprocess
    import sys
    import time

    import pyarrow.parquet as pq

    todo = duckdb_dir / "todo.parquet"
    pq.write_table(writers.videos(), todo)
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=writers.hold_duckdb, args=(duckdb_dir, ready, release))
    holder.start()
    try:
        assert ready.wait(PATIENCE), "the holding process never opened the file"
        for command in (["resolve", "video/faces"], ["write", "video/raw", "--input", str(todo)], ["status"]):
            began = time.monotonic()
            run = subprocess.run([sys.executable, "-m", "sqlxy", *command, "--project", str(duckdb_dir)],
                                 capture_output=True, text=True, timeout=PATIENCE)
            assert time.monotonic() - began < 30, "the CLI waited for the lock"
            assert (run.returncode, run.stdout) == (1, ""), run.stderr
            (line,) = run.stderr.strip().splitlines()
            assert line.startswith("error: target 'dev': ")
            assert_held_message(line, duckdb_dir, holder.pid)
        began = time.monotonic()
        with pytest.raises(sqlxy.SqlxyError) as raised:
            sqlxy.load_project(duckdb_dir).store()
        assert time.monotonic() - began < 30, "the store waited for the lock"
        assert isinstance(raised.value, sqlxy.TargetError)
        assert_held_message(str(raised.value), duckdb_dir, holder.pid)
    finally:
        release.set()
        holder.join(PATIENCE)
        if holder.is_alive():
            holder.kill()
    assert holder.exitcode == 0
    with sqlxy.load_project(duckdb_dir).store() as store:  # released: the next process writes
        assert store.resolve(RAW, samples=writers.videos()).counts() == {"new": 0, "stale": 0, "orphaned": 0}
        assert store.read(RAW).num_rows == writers.VIDEOS


def test_two_processes_writing_one_duckdb_file_at_once(duckdb_dir: Path) -> None:
    """Both open the file at the same moment: one gets it and writes its share, the other is
    refused at once with the message (nothing half-written); run again alone, it writes."""
    context = multiprocessing.get_context("spawn")
    start, hold, results = context.Barrier(2), context.Barrier(2), context.Queue()
    processes = [context.Process(target=writers.write_share, args=(duckdb_dir, worker, start, hold, results))
                 for worker in range(2)]
    for process in processes:
        process.start()
    try:
        reports = sorted(results.get(timeout=PATIENCE) for _ in processes)
        for process in processes:
            process.join(PATIENCE)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0, 0]
    (winner, wrote, _), = [r for r in reports if r[2] is None]
    (loser, _, error), = [r for r in reports if r[2] is not None]
    assert_held_message(error, duckdb_dir, None)
    videos = writers.videos()
    with sqlxy.load_project(duckdb_dir).store() as store:
        assert sorted(store.read(RAW)["video_id"].to_pylist()) == sorted(
            writers.shard(videos, ["video_id"], winner, 2)["video_id"].to_pylist())
        assert wrote == store.read(RAW).num_rows
        mine = writers.shard(videos, ["video_id"], loser, 2)
        store.write(RAW, store.resolve(RAW, samples=mine).to_write())
        assert store.resolve(RAW, samples=videos).counts() == {"new": 0, "stale": 0, "orphaned": 0}
