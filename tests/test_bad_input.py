"""Bad rows, samples, conditions and keys through the Python API on DuckDB: each is refused with a
clear SqlxyError and leaves every feature table exactly as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import sqlxy
from sqlxy.store.inputs import read_rows_file

from .conftest import SEED_VIDEOS

KEYS = ("video/raw", "video/chunk", "video/faces")


@pytest.fixture
def store(seed_store: sqlxy.Store) -> sqlxy.Store:
    """The seed pipeline run once: 3 videos, 13 chunks, 13 face rows."""
    seed_store.write("video/raw", seed_store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    seed_store.materialize("video/chunk")
    faces = seed_store.resolve("video/faces").to_write()
    seed_store.write("video/faces", faces.append_column("num_faces", pc.utf8_length(faces["video_chunk_id"])))
    assert snapshot(seed_store) == {"video/raw": (3, 3), "video/chunk": (13, 13), "video/faces": (13, 13)}
    return seed_store


def table_rows(store: sqlxy.Store, key: str) -> int:
    table = store.compiler.table_name(key)
    return store.adapter.fetch_arrow(f'SELECT COUNT(*) AS n FROM "{table}"')["n"][0].as_py()


def snapshot(store: sqlxy.Store) -> dict[str, tuple[int, int]]:
    """Per feature: rows read with deleted ones, and all rows of the table (history included)."""
    return {key: (store.read(key, include_deleted=True).num_rows, table_rows(store, key)) for key in KEYS}


def rejected(store: sqlxy.Store, action: Callable[[], Any], error: type[sqlxy.SqlxyError],
             *fragments: str) -> str:
    """Run `action`; it must raise `error` naming every fragment and change no table."""
    before = snapshot(store)
    with pytest.raises(error) as info:
        action()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert snapshot(store) == before
    return message


def writable(store: sqlxy.Store, key: str) -> pa.Table:
    """The current rows of a feature as write takes them: user and per-field provenance columns."""
    rows = store.read(key)
    return rows.select([c for c in rows.column_names
                        if not c.startswith("sqlxy_") or c.startswith("sqlxy_provenance__")])


def replaced(rows: pa.Table, name: str, values: list[Any], kind: pa.DataType | None = None) -> pa.Table:
    rows = rows.slice(0, len(values))
    column = pa.array(values, type=kind)
    if name in rows.column_names:
        return rows.set_column(rows.schema.get_field_index(name), name, column)
    return rows.append_column(name, column)


def raw_rows(**changes: Any) -> list[dict[str, Any]]:
    """Two fresh videos (not yet stored) as dicts, with `changes` applied to the first."""
    rows = [{"video_id": "v8", "path": "v8.mp4", "duration_s": 12.0, "audio_version": "a8",
             "frames_version": "f8"},
            {"video_id": "v9", "path": "v9.mp4", "duration_s": 25.0, "audio_version": "a9",
             "frames_version": "f9"}]
    rows[0].update(changes)
    return rows


def test_the_fixture_rows_are_accepted(store: sqlxy.Store) -> None:
    """Every bad case below differs from these accepted writes by the one problem it names."""
    assert store.write("video/raw", raw_rows()) == 2
    assert store.write("video/faces", writable(store, "video/faces")) == 13
    assert store.write("video/chunk", writable(store, "video/chunk")) == 13
    assert table_rows(store, "video/raw") == 5


# -- id columns ----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "dropped"), [("video/raw", "video_id"), ("video/faces", "video_chunk_id"),
                                              ("video/chunk", "video_chunk_id"), ("video/chunk", "video_id")])
def test_write_without_an_id_column(store: sqlxy.Store, key: str, dropped: str) -> None:
    rows = writable(store, key) if key != "video/raw" else pa.Table.from_pylist(raw_rows())
    rows = rows.drop_columns([dropped])
    rejected(store, lambda: store.write(key, rows), sqlxy.InputError, key, f"lack id column(s) {dropped}")


def test_write_with_a_null_id(store: sqlxy.Store) -> None:
    rejected(store, lambda: store.write("video/raw", raw_rows(video_id=None)), sqlxy.InputError,
             "video/raw", "nothing written", "id column 'video_id' is NULL", "1 row(s)")


def test_duplicate_ids_within_one_write(store: sqlxy.Store) -> None:
    rows = raw_rows(video_id="v9")
    rejected(store, lambda: store.write("video/raw", rows), sqlxy.InputError,
             "video/raw", "nothing written", "1 id(s) appear more than once", "'v9'")


def test_duplicate_ids_within_one_expansion_write(store: sqlxy.Store) -> None:
    chunks = writable(store, "video/chunk")
    twice = pa.concat_tables([chunks, chunks.slice(2, 1)])
    rejected(store, lambda: store.write("video/chunk", twice), sqlxy.InputError,
             "video/chunk", "1 id(s) appear more than once", repr(chunks["video_chunk_id"][2].as_py()))


def test_duplicate_ids_within_one_non_root_write(store: sqlxy.Store) -> None:
    faces = writable(store, "video/faces")
    rejected(store, lambda: store.write("video/faces", pa.concat_tables([faces, faces])), sqlxy.InputError,
             "video/faces", "13 id(s) appear more than once")


# -- types ---------------------------------------------------------------------------------


def text_durations(first: str) -> list[dict[str, Any]]:
    """raw_rows with the durations given as text: `first`, then a valid one."""
    rows = raw_rows(duration_s=first)
    rows[1]["duration_s"] = "25.0"
    return rows


def test_string_for_a_float_column(store: sqlxy.Store) -> None:
    rejected(store, lambda: store.write("video/raw", text_durations("abc")), sqlxy.InputError,
             "video/raw", "nothing written", "column 'duration_s' is not float", "1 row(s)", "'abc'")


def test_numbers_given_as_text_are_accepted(store: sqlxy.Store) -> None:
    assert store.write("video/raw", text_durations("12.5")) == 2
    assert store.read("video/raw", where="video_id = 'v8'")["duration_s"].to_pylist() == [12.5]


def test_mixed_python_types_in_a_list_of_dicts(store: sqlxy.Store) -> None:
    rejected(store, lambda: store.write("video/raw", raw_rows(duration_s="abc")), sqlxy.InputError,
             "video/raw", "duration_s")


def test_fraction_for_an_int_column(store: sqlxy.Store) -> None:
    rows = replaced(writable(store, "video/chunk"), "chunk_index", [0, 1.5, 2], pa.float64())
    rejected(store, lambda: store.write("video/chunk", rows), sqlxy.InputError,
             "video/chunk", "column 'chunk_index' is not int", "1 row(s)", "'1.5'")


def test_whole_float_for_an_int_column_is_accepted(store: sqlxy.Store) -> None:
    rows = replaced(writable(store, "video/faces"), "num_faces", [3.0], pa.float64())
    assert store.write("video/faces", rows) == 1
    current = store.read("video/faces", where=f"video_chunk_id = '{rows['video_chunk_id'][0].as_py()}'")
    assert current["num_faces"].to_pylist() == [3]


@pytest.mark.parametrize("frame", ["pandas", "polars", "arrow"])
def test_wrong_types_from_every_frame_kind(store: sqlxy.Store, frame: str) -> None:
    rows = replaced(writable(store, "video/faces"), "num_faces", ["many", "2"])
    data: Any = {"pandas": rows.to_pandas, "polars": lambda: pl.from_arrow(rows), "arrow": lambda: rows}[frame]()
    assert isinstance(data, (pd.DataFrame, pl.DataFrame, pa.Table))
    rejected(store, lambda: store.write("video/faces", data), sqlxy.InputError,
             "video/faces", "column 'num_faces' is not int", "'many'")


def test_nested_value_for_a_float_column(store: sqlxy.Store) -> None:
    rows = replaced(pa.Table.from_pylist(raw_rows()), "duration_s", [[1.0], [2.0]])
    rejected(store, lambda: store.write("video/raw", rows), sqlxy.InputError,
             "column 'duration_s' is not float")


# -- unknown columns -----------------------------------------------------------------------


@pytest.mark.parametrize(("key", "column"), [("video/raw", "colour"), ("video/faces", "num_face"),
                                             ("video/faces", "sqlxy_provenance__frames"),
                                             ("video/chunk", "sqlxy_extra")])
def test_unknown_columns(store: sqlxy.Store, key: str, column: str) -> None:
    rows = pa.Table.from_pylist(raw_rows()) if key == "video/raw" else writable(store, key)
    rows = replaced(rows, column, ["x"] * min(2, rows.num_rows))
    rejected(store, lambda: store.write(key, rows), sqlxy.InputError,
             key, f"unknown column(s) {column}", "known: ")


def test_a_column_given_twice(store: sqlxy.Store) -> None:
    rows = pa.Table.from_pylist(raw_rows())
    rows = rows.append_column("path", rows["path"])
    rejected(store, lambda: store.write("video/raw", rows), sqlxy.InputError,
             "video/raw", "column(s) path more than once")


# -- version tokens ------------------------------------------------------------------------


TOKEN_COLUMNS = [
    ("video/raw", "audio_version", True),               # input version
    ("video/raw", "sqlxy_provenance__frames", True),    # provenance given directly
    ("video/raw", "sqlxy_data_version__audio", False),  # data-version override
    ("video/chunk", "sqlxy_provenance__audio", True),
    ("video/chunk", "sqlxy_data_version__frames", False),
    ("video/faces", "sqlxy_provenance__faces", True),
    ("video/faces", "sqlxy_data_version__faces", False),
]


def _rows_with(store: sqlxy.Store, key: str, column: str, value: Any) -> pa.Table:
    """Two writable rows of `key`; the first holds `value` in `column`, the second a valid token."""
    rows = pa.Table.from_pylist(raw_rows()) if key == "video/raw" else writable(store, key).slice(0, 2)
    if key == "video/raw" and column.startswith("sqlxy_provenance__"):  # given instead of the input version
        rows = rows.drop_columns([column.removeprefix("sqlxy_provenance__") + "_version"])
    second = rows[column][1].as_py() if column in rows.column_names else "ok"
    return replaced(rows, column, [value, second], pa.string())


@pytest.mark.parametrize("bad", ["", "a|b", "|", "ends|"])
@pytest.mark.parametrize(("key", "column", "required"), TOKEN_COLUMNS)
def test_bad_version_tokens(store: sqlxy.Store, key: str, column: str, required: bool, bad: str) -> None:
    rows = _rows_with(store, key, column, bad)
    rejected(store, lambda: store.write(key, rows), sqlxy.InputError,
             key, "nothing written", f"column '{column}' must be a non-empty version token", "'|'",
             f"(e.g. {bad!r})")


@pytest.mark.parametrize(("key", "column", "required"), TOKEN_COLUMNS)
def test_null_version_tokens(store: sqlxy.Store, key: str, column: str, required: bool) -> None:
    rows = _rows_with(store, key, column, None)
    if required:
        rejected(store, lambda: store.write(key, rows), sqlxy.InputError,
                 key, f"column '{column}' must be a non-empty version token", "'NULL'")
    else:  # a missing data-version override falls back to the provenance
        assert store.write(key, rows) == rows.num_rows


def test_nested_version_token(store: sqlxy.Store) -> None:
    rows = replaced(pa.Table.from_pylist(raw_rows()), "audio_version", [["a"], ["b"]])
    rejected(store, lambda: store.write("video/raw", rows), sqlxy.InputError,
             "column 'audio_version' must be a non-empty version token")


# -- provenance on non-root writes ---------------------------------------------------------


@pytest.mark.parametrize("key", ["video/faces", "video/chunk"])
def test_non_root_write_without_provenance(store: sqlxy.Store, key: str) -> None:
    rows = writable(store, key)
    rows = rows.drop_columns([c for c in rows.column_names if c.startswith("sqlxy_")])
    rejected(store, lambda: store.write(key, rows), sqlxy.InputError,
             key, "lack sqlxy_provenance__", "pass the rows resolve returned")


def test_non_root_write_with_provenance_of_one_field_only(store: sqlxy.Store) -> None:
    rows = writable(store, "video/chunk").drop_columns(["sqlxy_provenance__frames"])
    rejected(store, lambda: store.write("video/chunk", rows), sqlxy.InputError,
             "video/chunk", "lack sqlxy_provenance__frames")


def test_root_write_without_input_versions_or_provenance(store: sqlxy.Store) -> None:
    rows = [{k: v for k, v in row.items() if k != "frames_version"} for row in raw_rows()]
    rejected(store, lambda: store.write("video/raw", rows), sqlxy.InputError,
             "video/raw", "sqlxy_provenance__frames", "'frames_version'", "field 'frames'")


# -- resolve samples -----------------------------------------------------------------------


def test_samples_without_source_versions(store: sqlxy.Store) -> None:
    samples = SEED_VIDEOS.drop_columns(["frames_version"])
    rejected(store, lambda: store.resolve("video/raw", samples=samples), sqlxy.InputError,
             "video/raw", "samples lack input-version column(s) frames_version", "source.versions")


@pytest.mark.parametrize(("change", "fragment"), [
    ({"audio_version": ""}, "column 'audio_version' must be a non-empty version token"),
    ({"frames_version": "x|y"}, "column 'frames_version' must be a non-empty version token"),
    ({"frames_version": None}, "column 'frames_version' must be a non-empty version token"),
    ({"video_id": "v9"}, "appear more than once"),
    ({"video_id": None}, "id column 'video_id' is NULL"),
    ({"colour": "red"}, "unknown column(s) colour"),
])
def test_bad_samples(store: sqlxy.Store, change: dict[str, Any], fragment: str) -> None:
    rejected(store, lambda: store.resolve("video/raw", samples=raw_rows(**change)), sqlxy.InputError,
             "video/raw", fragment)


def test_samples_with_a_bad_type(store: sqlxy.Store) -> None:
    rejected(store, lambda: store.resolve("video/raw", samples=text_durations("long")), sqlxy.InputError,
             "video/raw", "samples rejected", "column 'duration_s' is not float", "long")


def test_samples_for_a_non_root_feature(store: sqlxy.Store) -> None:
    rejected(store, lambda: store.resolve("video/chunk", samples=SEED_VIDEOS), sqlxy.InputError,
             "video/chunk is not a root feature")


# -- unknown feature keys ------------------------------------------------------------------


@pytest.mark.parametrize("action", ["resolve", "write", "read", "delete", "materialize"])
def test_unknown_feature_key(store: sqlxy.Store, action: str) -> None:
    calls: dict[str, Callable[[], Any]] = {
        "resolve": lambda: store.resolve("video/nope"),
        "write": lambda: store.write("video/nope", raw_rows()),
        "read": lambda: store.read("video/nope"),
        "delete": lambda: store.delete("video/nope", "video_id = 'v1'"),
        "materialize": lambda: store.materialize("video/nope"),
    }
    rejected(store, calls[action], sqlxy.SpecError,
             "unknown feature 'video/nope'", "(known: video/chunk, video/faces, video/raw)")


def test_unknown_feature_key_through_the_project(seed_project: sqlxy.Project) -> None:
    with pytest.raises(sqlxy.SpecError, match="unknown feature 'video/Raw'"):
        seed_project.table("video/Raw")


# -- conditions ----------------------------------------------------------------------------


UNSAFE = [
    ("1=1; DROP TABLE video__faces", "holds 2 statements"),
    ("num_faces > 0; DELETE FROM video__faces", "holds 2 statements"),
    ("DROP TABLE video__faces", "DROP"),
    ("DELETE FROM video__faces", "DELETE"),
    ("video_chunk_id IN (SELECT video_chunk_id FROM video__chunk)", "subquery"),
    ("num_faces > (SELECT COUNT(*) FROM video__raw)", "subquery"),
    ("EXISTS (SELECT 1 FROM video__raw)", "subquery"),
    ("num_faces > random()", "not on the allow-list"),
    ("read_csv('/etc/passwd') IS NOT NULL", "not on the allow-list"),
    ("colour = 'red'", "unknown column 'colour'"),
    ("num_faces >", "does not parse"),
    ("video_chunk_id = 'a''); DROP TABLE video__faces; --", "does not parse"),
    ("   ", "is empty"),
]


@pytest.mark.parametrize(("sql", "reason"), UNSAFE)
def test_unsafe_stale_if(store: sqlxy.Store, sql: str, reason: str) -> None:
    message = rejected(store, lambda: store.resolve("video/faces", stale_if=sql), sqlxy.InputError, reason)
    assert message.startswith(f"stale_if='{sql}' ")  # the API's parameter; the CLI says --stale-if


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize(("sql", "reason"), [*UNSAFE, ("", "is empty")])
def test_unsafe_delete_where(store: sqlxy.Store, sql: str, reason: str, hard: bool) -> None:
    message = rejected(store, lambda: store.delete("video/faces", sql, hard=hard), sqlxy.InputError, reason)
    assert message.startswith(f"where='{sql}' ")


@pytest.mark.parametrize(("sql", "reason"), UNSAFE[:4])
def test_unsafe_read_where(store: sqlxy.Store, sql: str, reason: str) -> None:
    rejected(store, lambda: store.read("video/faces", where=sql), sqlxy.InputError, reason)


def test_safe_conditions_still_work(store: sqlxy.Store) -> None:
    assert store.resolve("video/faces", stale_if="num_faces >= 4 AND sqlxy_run_id IS NULL").stale.num_rows == 13
    assert store.delete("video/faces", "video_chunk_id = 'v1_0' AND num_faces = 4") == 1


# -- rows that are not a table -------------------------------------------------------------


@pytest.mark.parametrize(("rows", "reason"), [
    ({"video_id": ["v8"]}, "cannot read rows from a dict"),
    ([("v8", "v8.mp4")], "a list of rows must hold dicts"),
    (42, "cannot read rows from a int"),
])
def test_rows_that_are_not_a_table(store: sqlxy.Store, rows: Any, reason: str) -> None:
    rejected(store, lambda: store.write("video/raw", rows), sqlxy.InputError, reason)


def test_empty_write_writes_nothing(store: sqlxy.Store) -> None:
    before = snapshot(store)
    assert store.write("video/raw", []) == 0
    assert snapshot(store) == before


# -- rows files ----------------------------------------------------------------------------


def _write_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    if path.suffix == ".csv":
        lines = [",".join(rows[0])] + [",".join(str(v) for v in row.values()) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif path.suffix == ".json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl", ".parquet"])
def test_rows_files(seed_store: sqlxy.Store, tmp_path: Path, suffix: str) -> None:
    path = _write_file(tmp_path / f"videos{suffix}", SEED_VIDEOS.to_pylist())
    table = read_rows_file(path)
    assert table.column_names == SEED_VIDEOS.column_names
    assert table["video_id"].to_pylist() == ["v1", "v2", "v3"]
    assert [float(v) for v in table["duration_s"].to_pylist()] == [30.0, 45.0, 50.0]
    increment = seed_store.resolve("video/raw", samples=path)
    assert increment.counts() == {"new": 3, "stale": 0, "orphaned": 0}
    assert increment.new.schema.field("duration_s").type == pa.float64()
    assert seed_store.write("video/raw", path) == 3
    assert seed_store.resolve("video/raw", samples=str(path)).counts() == {"new": 0, "stale": 0, "orphaned": 0}


@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl", ".parquet"])
def test_bad_rows_file_is_rejected(store: sqlxy.Store, tmp_path: Path, suffix: str) -> None:
    path = _write_file(tmp_path / f"videos{suffix}", text_durations("abc"))
    rejected(store, lambda: store.write("video/raw", path), sqlxy.InputError,
             "video/raw", "nothing written", "column 'duration_s' is not float", "abc")


@pytest.mark.parametrize("name", ["videos.txt", "videos.xlsx", "videos", "videos.csv.gz"])
def test_unsupported_rows_file(store: sqlxy.Store, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("video_id\nv8\n", encoding="utf-8")
    with pytest.raises(sqlxy.InputError, match="unsupported file type"):
        read_rows_file(path)
    rejected(store, lambda: store.write("video/raw", path), sqlxy.InputError,
             name, "unsupported file type", ".csv, .json, .jsonl, .ndjson, .parquet")


def test_missing_and_malformed_rows_files(store: sqlxy.Store, tmp_path: Path) -> None:
    rejected(store, lambda: store.write("video/raw", tmp_path / "none.csv"), sqlxy.InputError, "no such file")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    rejected(store, lambda: store.write("video/raw", broken), sqlxy.InputError, "broken.json", "cannot be read")
