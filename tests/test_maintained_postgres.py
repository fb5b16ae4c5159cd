"""Maintained increments on PostgreSQL under real concurrency (docs/design.md, "Maintained
increments"), each checked against the full recompute of the same moment:

- a resolve that runs while a writer of a dep is inside its transaction (rows inserted and
  stamped, not committed) neither blocks nor sees the write, and the next resolve does not miss it;
- a write that commits while a resolve computes (after it read its marks) is read by the next one;
- two writers of one feature are serialized by the change log's row lock, so their stamps follow
  their commit order;
- a statement changing a feature table outside sqlxy makes the next resolve full (the trigger);
- a soft delete is maintained, a hard delete starts a new generation (a full resolve).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

import sqlxy
from sqlxy.compiler import IncrementParams, Query, state
from sqlxy.store.increment import CHANGES, Increment, split_changes

from .conftest import REPO, SEED_VIDEOS, write_videos
from .engines import postgres_dsn, target_config  # noqa: F401  (fixture)

CHUNK, RAW = "video/chunk", "video/raw"
#: Seconds any step may take before the test calls it blocked (a hang fails, never stalls the run).
PATIENCE = 30.0


@pytest.fixture
def project_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The seed project on a fresh PostgreSQL database."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    config = target_config("postgres", request, tmp_path)
    (tmp_path / "sqlxy.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


@pytest.fixture
def store(project_dir: Path) -> Iterator[sqlxy.Store]:
    """The resolving store, with three videos written and chunked; nothing resolved yet."""
    with sqlxy.load_project(project_dir).store() as opened:
        write_videos(opened, [30.0, 45.0, 50.0])
        opened.materialize(CHUNK)
        yield opened


def keep(store: sqlxy.Store) -> None:
    """The first resolve of video/chunk: full, it keeps the increment the next ones maintain."""
    first = store.resolve(CHUNK)
    assert first.how == "full: no kept increment yet"
    assert first.counts() == {"new": 0, "stale": 0, "orphaned": 0}


@pytest.fixture
def open_writer(project_dir: Path) -> Iterator[Callable[[], sqlxy.Store]]:
    """Opens further stores on the same database (their own connections), closed at the end."""
    opened: list[sqlxy.Store] = []

    def open_one() -> sqlxy.Store:
        opened.append(sqlxy.load_project(project_dir).store())
        return opened[-1]

    yield open_one
    for writer in opened:
        writer.close()


class Paused:
    """Holds a store's write of `table` inside its transaction, right after its INSERT ran."""

    def __init__(self, writer: sqlxy.Store, table: str) -> None:
        self.writer, self.table = writer, table
        self.inserted, self.release = threading.Event(), threading.Event()
        self.in_transaction = False
        self._execute = writer.adapter.execute
        writer.adapter.execute = self._paused_execute  # type: ignore[method-assign]

    def _paused_execute(self, sql: str) -> None:
        self._execute(sql)
        if f'INSERT INTO "{self.table}"' in sql and not self.inserted.is_set():
            from psycopg.pq import TransactionStatus

            status = self.writer.adapter.connection.info.transaction_status  # type: ignore[attr-defined]
            self.in_transaction = status == TransactionStatus.INTRANS
            self.inserted.set()
            self.release.wait(PATIENCE)

    def wait_inserted(self) -> None:
        assert self.inserted.wait(PATIENCE), "the paused writer never reached its INSERT"
        assert self.in_transaction, "the INSERT did not run inside the write's transaction"


def changed_video(store: sqlxy.Store, video_id: str, audio: str) -> pa.Table:
    """The rows that write a new audio input version for one seed video (computed up front, so
    the writer threads only write)."""
    index = SEED_VIDEOS["video_id"].to_pylist().index(video_id)
    sample = SEED_VIDEOS.slice(index, 1)
    sample = sample.set_column(sample.schema.get_field_index("audio_version"), "audio_version",
                               pa.array([audio]))
    return store.resolve(RAW, samples=sample).to_write()


def full_increment(store: sqlxy.Store, key: str) -> Increment:
    """The full recompute of the feature's increment, now (keeps nothing)."""
    rows = store._runner.fetch(key, Query.RESOLVE, IncrementParams())
    return split_changes(rows, list(store.graph[key].compare_keys))


def _sorted_rows(table: pa.Table) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in table.to_pylist())


def assert_equals_full(store: sqlxy.Store, key: str, increment: Increment) -> None:
    """Every part of `increment`, and the kept pending rows, equal the full recompute's."""
    full = full_increment(store, key)
    for part in CHANGES:
        assert _sorted_rows(getattr(increment, part)) == _sorted_rows(getattr(full, part)), part
    table = store.compiler.table_name(key)
    pending = store.adapter.fetch_arrow(f'SELECT * FROM "{table}:pending"')
    assert pending.num_rows == sum(full.counts().values())


def stale_ids(increment: Increment) -> list[str]:
    return sorted(increment.stale["video_id"].to_pylist())


def stamps(store: sqlxy.Store, video_id: str) -> list[int]:
    """The change-log stamps of a video's rows in video__raw, in the order they were written."""
    rows = store.adapter.fetch_arrow(f"SELECT sqlxy_commit FROM video__raw WHERE video_id = '{video_id}' "
                                     "ORDER BY sqlxy_updated_at")
    return [int(stamp) for stamp in rows["sqlxy_commit"].to_pylist()]


def seq(store: sqlxy.Store, table: str) -> int:
    """The committed change-log seq of a feature table, as a resolve reads it."""
    rows = store.adapter.fetch_arrow(f"SELECT seq FROM sqlxy_state WHERE feature_table = '{table}'")
    return int(rows["seq"][0].as_py())


def test_a_write_committed_after_a_resolve_read_the_marks_is_not_missed(
        store: sqlxy.Store, open_writer: Callable[[], sqlxy.Store]) -> None:
    keep(store)
    assert store.resolve(CHUNK).how == "maintained (0 keys touched)"
    rows, writer = changed_video(store, "v1", "changed"), open_writer()
    committed_seq = seq(store, "video__raw")
    paused = Paused(writer, "video__raw")
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            write = pool.submit(writer.write, RAW, rows)
            paused.wait_inserted()
            during = pool.submit(store.resolve, CHUNK).result(timeout=PATIENCE)  # must not block
            assert not write.done()
            assert seq(store, "video__raw") == committed_seq  # the uncommitted bump is not seen
            assert during.how == "maintained (0 keys touched)"
            assert stale_ids(during) == []
            assert_equals_full(store, CHUNK, during)
        finally:
            paused.release.set()
        assert write.result(timeout=PATIENCE) == 1
    assert stamps(store, "v1")[-1] == committed_seq + 1  # stamped with a seq the resolve had not seen
    after = store.resolve(CHUNK)
    assert after.how == "maintained (1 keys touched)"
    assert stale_ids(after) == ["v1"]
    assert_equals_full(store, CHUNK, after)


class WriteDuring:
    """Commits `writer`'s write of `rows` (another connection) right after the store's adapter
    ran the statement `matches` picks out by its `method`'s arguments: inside a resolve, after it
    read its marks and before it kept the increment."""

    def __init__(self, store: sqlxy.Store, method: str, matches: Callable[..., bool],
                 writer: sqlxy.Store, rows: pa.Table) -> None:
        self.matches, self.writer, self.rows, self.written = matches, writer, rows, 0
        self._original = getattr(store.adapter, method)
        setattr(store.adapter, method, self._hooked)

    def _hooked(self, *args: object) -> object:
        result = self._original(*args)
        if not self.written and self.matches(*args):
            self.written = self.writer.write(RAW, self.rows)
        return result


def _kept_read(store: sqlxy.Store) -> tuple[str, Callable[..., bool]]:
    """A maintained resolve's moment: it read the marks, then its kept record (before it counts
    the rows written since)."""
    kept_sql = state.read_increment("video__chunk", None, "postgres")
    return "fetch_arrow", lambda sql: sql == kept_sql


def _full_fetched(store: sqlxy.Store) -> tuple[str, Callable[..., bool]]:
    """A full resolve's moment: the full increment is fetched, not kept yet."""
    (full_sql,) = store._runner.statements(CHUNK, Query.RESOLVE, IncrementParams())
    return "fetch_arrow", lambda sql: sql == full_sql


@pytest.mark.parametrize("moment", [_kept_read, _full_fetched], ids=["maintained", "full"])
def test_a_write_committed_while_a_resolve_computes_is_read_by_the_next(
        store: sqlxy.Store, open_writer: Callable[[], sqlxy.Store],
        moment: Callable[[sqlxy.Store], tuple[str, Callable[..., bool]]]) -> None:
    if moment is _kept_read:
        keep(store)
    rows = changed_video(store, "v1", "changed")
    during = WriteDuring(store, *moment(store), open_writer(), rows)
    interrupted = store.resolve(CHUNK)
    assert during.written == 1
    # read after the marks: the maintained resolve already recomputes v1, the full one not; both
    # keep the marks they read first, so the next resolve reads v1's write again
    assert interrupted.how == ("maintained (1 keys touched)" if moment is _kept_read
                               else "full: no kept increment yet")
    if moment is _kept_read:
        assert stale_ids(interrupted) == ["v1"]
        assert_equals_full(store, CHUNK, interrupted)
    after = store.resolve(CHUNK)
    assert after.how == "maintained (1 keys touched)"
    assert stale_ids(after) == ["v1"]
    assert_equals_full(store, CHUNK, after)


def _lock_wait(store: sqlxy.Store, writer: sqlxy.Store) -> tuple[str | None, str | None, str]:
    """What the writer's backend waits on (type and event), and the statement it runs."""
    pid = writer.adapter.connection.info.backend_pid  # type: ignore[attr-defined]
    rows = store.adapter.fetch_arrow("SELECT wait_event_type, wait_event, query FROM pg_stat_activity "
                                     f"WHERE pid = {pid}")
    (row,) = rows.to_pylist()
    return row["wait_event_type"], row["wait_event"], row["query"]


def wait_until_blocked(store: sqlxy.Store, writer: sqlxy.Store, write: Future[int]) -> str:
    """Polls until the writer waits on a lock; returns the statement it waits in, once it is
    known to wait for another transaction (a row lock)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        assert not write.done(), "the second writer finished while the first held its transaction open"
        waiting, event, query = _lock_wait(store, writer)
        if waiting == "Lock":
            assert event == "transactionid", f"the second writer waits on a {event} lock in {query}"
            return query
        time.sleep(0.05)
    raise AssertionError("the second writer never waited on a lock")


def test_writers_of_one_feature_commit_in_stamp_order(
        store: sqlxy.Store, open_writer: Callable[[], sqlxy.Store]) -> None:
    keep(store)
    first_rows, second_rows = changed_video(store, "v1", "first"), changed_video(store, "v2", "second")
    first, second = open_writer(), open_writer()
    paused = Paused(first, "video__raw")
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            first_write = pool.submit(first.write, RAW, first_rows)
            paused.wait_inserted()
            second_write = pool.submit(second.write, RAW, second_rows)
            blocked_in = wait_until_blocked(store, second, second_write)
            assert blocked_in.startswith('UPDATE "sqlxy_state"') and "'video__raw'" in blocked_in
            time.sleep(0.5)
            assert not second_write.done()
        finally:
            paused.release.set()
        assert first_write.result(timeout=PATIENCE) == 1
        assert second_write.result(timeout=PATIENCE) == 1
    assert stamps(store, "v1")[-1] < stamps(store, "v2")[-1] == seq(store, "video__raw")
    increment = store.resolve(CHUNK)
    assert increment.how == "maintained (2 keys touched)"
    assert stale_ids(increment) == ["v1", "v2"]
    assert_equals_full(store, CHUNK, increment)


# A statement outside sqlxy, the rows it reports changed, the table it changes, and the new and
# stale videos the full resolve then finds.
BYPASSES = {
    "duplicate chunk": ("INSERT INTO video__chunk SELECT * FROM video__chunk LIMIT 1", 1, "video__chunk", [], []),
    "deleted chunk": ("DELETE FROM video__chunk WHERE video_chunk_id = 'v1_1'", 1, "video__chunk", [], ["v1"]),
    "edited provenance": ("UPDATE video__chunk SET sqlxy_provenance__audio = 'x' WHERE video_chunk_id = 'v2_0'",
                          1, "video__chunk", [], ["v2"]),
    "truncated": ("TRUNCATE video__chunk", -1, "video__chunk", ["v1", "v2", "v3"], []),
    "edited dep": ("UPDATE video__raw SET sqlxy_data_version__audio = 'x' WHERE video_id = 'v3'", 1,
                   "video__raw", [], ["v3"]),
}


def run_outside_sqlxy(project_dir: Path, statement: str) -> int:
    """The statement on a plain psycopg connection (autocommit); the rows it reports changed."""
    import psycopg

    dsn = yaml.safe_load((project_dir / "sqlxy.yaml").read_text(encoding="utf-8"))["targets"]["it"]["dsn"]
    with psycopg.connect(dsn, autocommit=True) as connection:
        return connection.execute(statement).rowcount


@pytest.mark.parametrize("statement, changed, table, new, stale", list(BYPASSES.values()), ids=list(BYPASSES))
def test_a_change_outside_sqlxy_makes_the_next_resolve_full(
        store: sqlxy.Store, project_dir: Path, statement: str, changed: int, table: str,
        new: list[str], stale: list[str]) -> None:
    keep(store)
    assert store.resolve(CHUNK).how == "maintained (0 keys touched)"
    assert run_outside_sqlxy(project_dir, statement) == changed
    bypassed = store.resolve(CHUNK)
    assert bypassed.how == f"full: {table} was hard-deleted, compacted, migrated or changed outside sqlxy"
    assert (sorted(bypassed.new["video_id"].to_pylist()), stale_ids(bypassed)) == (new, stale)
    assert_equals_full(store, CHUNK, bypassed)
    again = store.resolve(CHUNK)
    assert again.how == "maintained (0 keys touched)"
    assert_equals_full(store, CHUNK, again)


def test_soft_delete_is_maintained_and_hard_delete_resolves_in_full(store: sqlxy.Store) -> None:
    keep(store)
    assert store.delete(RAW, "video_id = 'v2'") == 1
    soft = store.resolve(CHUNK)
    assert soft.how == "maintained (1 keys touched)"
    assert soft.orphaned["video_id"].to_pylist() == ["v2"]
    assert_equals_full(store, CHUNK, soft)
    assert store.delete(RAW, "video_id = 'v3'", hard=True) == 1
    hard = store.resolve(CHUNK)
    assert hard.how == "full: video__raw was hard-deleted, compacted, migrated or changed outside sqlxy"
    assert sorted(hard.orphaned["video_id"].to_pylist()) == ["v2", "v3"]
    assert_equals_full(store, CHUNK, hard)
    again = store.resolve(CHUNK)
    assert again.how == "maintained (0 keys touched)"
    assert_equals_full(store, CHUNK, again)


def test_writes_leave_no_block_range_of_the_commit_index_unsummarized(store: sqlxy.Store) -> None:
    """An unsummarized block range is read by every resolve's scan for new rows: each write
    summarizes the ranges it added (else a table loaded since autovacuum last ran is read whole)."""
    def unsummarized(table: str) -> int:
        found = store.adapter.fetch_arrow(f"SELECT brin_summarize_new_values('\"{table}:commit\"'::regclass) AS n")
        return found.column(0)[0].as_py()

    many = 20_000  # rows over more than one block range (128 pages)
    ids = [f"w{i}" for i in range(many)]
    videos = pa.table({"video_id": ids, "path": ids, "duration_s": [30.0] * many,
                       "audio_version": ["a"] * many, "frames_version": ["f"] * many})
    store.write(RAW, store.resolve(RAW, samples=videos).to_write())
    pages = store.adapter.fetch_arrow("SELECT pg_relation_size('video__raw') / 8192 AS n").column(0)[0].as_py()
    assert pages > 128
    assert unsummarized("video__raw") == 0


def test_concurrent_resolves_of_one_feature_take_turns(store: sqlxy.Store,
                                                       open_writer: Callable[[], sqlxy.Store]) -> None:
    """A second resolve waits for the first one's kept rows to commit, then replaces the rows of
    the keys it touched: no key is kept twice."""
    keep(store)
    store.write(RAW, changed_video(store, "v1", "changed"))
    other = open_writer()
    inserted, release = threading.Event(), threading.Event()
    original = store.adapter.execute

    def paused(sql: str) -> None:
        original(sql)
        if sql.startswith('INSERT INTO "video__chunk:pending"') and not inserted.is_set():
            inserted.set()
            release.wait(30)

    store.adapter.execute = paused  # type: ignore[method-assign]
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(store.resolve, CHUNK)
        assert inserted.wait(30)
        second = pool.submit(other.resolve, CHUNK)
        time.sleep(0.5)
        assert not second.done(), "the second resolve did not wait for the first one's kept rows"
        release.set()
        results = first.result(30), second.result(30)
    store.adapter.execute = original  # type: ignore[method-assign]
    assert [stale_ids(r) for r in results] == [["v1"], ["v1"]]
    pending = store.adapter.fetch_arrow('SELECT "video_id" FROM "video__chunk:pending"').column(0).to_pylist()
    assert pending == ["v1"]
    after = store.resolve(CHUNK)
    assert after.how.startswith("maintained") and stale_ids(after) == ["v1"]
    assert_equals_full(store, CHUNK, after)
