"""DuckDB-only store behaviour: atomicity under a failing statement, root sources from a table or a
query, input kinds, target config. Operations every engine shares are in test_engines.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import sqlxy

from .conftest import SEED_VIDEOS, write_features


def _run_all(store: sqlxy.Store) -> None:
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    store.materialize("video/chunk")
    faces = store.resolve("video/faces").to_write()
    counts = pc.cast(pc.utf8_length(faces["video_chunk_id"]), pa.int64())
    store.write("video/faces", faces.append_column("num_faces", counts))


def _all_rows(store: sqlxy.Store, key: str) -> int:
    return store.adapter.fetch_arrow(f'SELECT COUNT(*) AS n FROM "{store.compiler.table_name(key)}"')["n"][0].as_py()


def test_write_is_atomic(seed_store: sqlxy.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _run_all(seed_store)
    before = _all_rows(seed_store, "video/chunk")
    chunks = seed_store.read("video/chunk")
    kept = chunks.filter(pc.equal(chunks["chunk_index"], 0))
    rows = kept.select([c for c in kept.column_names if not c.startswith("sqlxy_") or "__" in c])
    execute = seed_store.adapter.execute

    def broken(sql: str) -> None:
        execute(sql)
        if sql.startswith("INSERT"):  # the insert ran, then a statement of the same write fails
            execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(seed_store.adapter, "execute", broken)
    with pytest.raises(sqlxy.SqlxyError):
        seed_store.write("video/chunk", rows)
    assert _all_rows(seed_store, "video/chunk") == before


SOURCED = """
key: media/clip
id_columns: [clip_id]
columns: {{clip_id: string, title: string}}
fields: [audio]
source:
  {kind}
  versions: {{audio: audio_sha}}
"""


@pytest.mark.parametrize("kind", ["table: raw_clips", "query: SELECT * FROM raw_clips WHERE clip_id <> 'skip'"])
def test_materialize_root_from_source(tmp_path: Path, kind: str) -> None:
    project = sqlxy.load_project(write_features(tmp_path, {"clip.yaml": SOURCED.format(kind=kind)}))
    connection = duckdb.connect(str(tmp_path / "db.duckdb"))
    connection.execute("CREATE TABLE raw_clips AS SELECT * FROM (VALUES ('a', 'A', 'x1'), ('b', 'B', 'x2'),"
                       " ('skip', 'S', 'x3')) AS t(clip_id, title, audio_sha)")
    with project.store(connection=connection) as store:
        expected = 2 if "query" in kind else 3
        assert store.resolve("media/clip").counts()["new"] == expected
        assert store.materialize("media/clip")["written"] == expected
        assert store.resolve("media/clip").counts() == {"new": 0, "stale": 0, "orphaned": 0}
        connection.execute("UPDATE raw_clips SET audio_sha = 'x9' WHERE clip_id = 'a'")
        connection.execute("DELETE FROM raw_clips WHERE clip_id = 'b'")
        assert store.resolve("media/clip").stale["sqlxy_stale_fields"].to_pylist() == [["audio"]]
        assert store.materialize("media/clip") == {"written": 1, "empty": 0, "retired": 1}
        assert sorted(store.read("media/clip")["clip_id"].to_pylist()) == \
            (["a"] if "query" in kind else ["a", "skip"])
        connection.execute("UPDATE raw_clips SET audio_sha = 'bad|token' WHERE clip_id = 'a'")
        rows = _all_rows(store, "media/clip")
        with pytest.raises(sqlxy.InputError, match="audio"):
            store.materialize("media/clip")
        assert _all_rows(store, "media/clip") == rows


def test_resolve_root_without_samples_or_source_is_a_clear_error(seed_store: sqlxy.Store) -> None:
    with pytest.raises(sqlxy.InputError, match="pass its samples"):
        seed_store.resolve("video/raw")
    with pytest.raises(sqlxy.InputError, match="not a root feature"):
        seed_store.resolve("video/chunk", samples=SEED_VIDEOS)


@pytest.mark.parametrize("kind", ["arrow", "pandas", "polars", "dicts"])
def test_write_accepts_dataframes_and_dicts(seed_store: sqlxy.Store, kind: str) -> None:
    rows = seed_store.resolve("video/raw", samples=SEED_VIDEOS).to_write()
    converted = {"arrow": lambda t: t, "pandas": lambda t: t.to_pandas(),
                 "polars": lambda t: __import__("polars").from_arrow(t), "dicts": lambda t: t.to_pylist()}
    assert seed_store.write("video/raw", converted[kind](rows)) == 3
    assert seed_store.read("video/raw").num_rows == 3


def test_duckdb_target_config_is_applied(tmp_path: Path) -> None:
    write_features(tmp_path, {"clip.yaml": SOURCED.format(kind="table: raw_clips")},
                   "targets:\n  dev: {type: duckdb, path: db.duckdb, config: {memory_limit: 300MB, threads: 1}}\n")
    with sqlxy.load_project(tmp_path).store() as store:
        settings = store.adapter.fetch_arrow("SELECT current_setting('threads') AS t, "
                                             "current_setting('memory_limit') AS m").to_pylist()[0]
    assert settings["t"] == 1 and settings["m"].startswith("286")  # 300 MB in MiB
