"""Issue 7 §3, no input is corrupted silently: each input below was once accepted and stored (or
hashed) as something other than what the user wrote. Now each is refused at load or at write time,
through the CLI with exit 1, one message naming the file/line or column, and nothing written."""

from __future__ import annotations

import io
import json
import math
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import sqlxy
from sqlxy import provenance as ref
from sqlxy.cli import console, main

from .conftest import SEED_VIDEOS, write_features
from .engines import ENGINES, postgres_dsn, spark_session, target_config  # noqa: F401  (fixtures)

KEYS = ("video/raw", "video/chunk", "video/faces")


def counts(root: Path) -> dict[str, int]:
    """Rows of every seed feature table in the default database, history and tombstones included
    (read from the file itself: the project may be one that no longer loads)."""
    connection = duckdb.connect(str(root / "target/sqlxy.duckdb"), read_only=True)
    try:
        tables = {t for (t,) in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {key: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchall()[0][0]
                for key in KEYS if (table := key.replace("/", "__")) in tables}
    finally:
        connection.close()


@pytest.fixture
def seeded(seed_dir: Path) -> Path:
    """The seed project with its three videos and their chunks written."""
    with sqlxy.load_project(seed_dir).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
        store.materialize("video/chunk")
    return seed_dir


def refused(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    """Run the CLI: exit 1, one `error:` paragraph without a traceback, no table changed."""
    before = counts(root)
    capsys.readouterr()
    assert main([*args, "--project", str(root)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert counts(root) == before
    return captured.err


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def load_error(root: Path, files: dict[str, str], config: str | None = None) -> sqlxy.SpecError:
    write_features(root, {name: dedent(text) for name, text in files.items()},
                   dedent(config) if config is not None else None)
    with pytest.raises(sqlxy.SpecError) as info:
        sqlxy.load_project(root)
    return info.value


def assert_at(error: sqlxy.SpecError, file: str, line: int, *fragments: str) -> None:
    message = str(error)
    assert (error.file, error.line) == (file, line), message
    assert message.startswith(f"{file}:{line}: "), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


RAW = """
key: doc/raw
id_columns: [doc_id]
columns: {doc_id: string, n: float}
fields:
  - key: a
    code_version: "1"
source: {versions: {a: a_version}}
"""


# -- 1. JSON input whose column mixes types ------------------------------------------------------


def _videos(**first: Any) -> list[dict[str, Any]]:
    rows = [{"video_id": "v7", "path": "v7.mp4", "duration_s": 12.0, "audio_version": "a7",
             "frames_version": "f7"},
            {"video_id": "v8", "path": "v8.mp4", "duration_s": 25.0, "audio_version": "a8",
             "frames_version": "f8"}]
    rows[0].update(first)
    return rows


def _json_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@pytest.mark.parametrize(("column", "value"), [("video_id", 7), ("frames_version", 3), ("path", True),
                                               ("duration_s", "long")])
def test_json_column_of_mixed_types_is_refused(seeded: Path, capsys: pytest.CaptureFixture[str],
                                               suffix: str, column: str, value: Any) -> None:
    path = _json_file(seeded / f"videos{suffix}", _videos(**{column: value}))
    for args in (["write", "video/raw", "--input", str(path)],
                 ["resolve", "video/raw", "--samples", str(path), "--json"]):
        message = refused(capsys, seeded, *args)
        assert f"videos{suffix}" in message and f"column '{column}'" in message, message
        assert "mixes" in message


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_whole_and_fractional_numbers_are_one_type(seeded: Path, suffix: str) -> None:
    """30 and 45.5 are both JSON numbers: a float column accepts them (no false alarm)."""
    path = _json_file(seeded / f"videos{suffix}", _videos(duration_s=30) + [
        {"video_id": "v9", "path": "v9.mp4", "duration_s": 45.5, "audio_version": "a9",
         "frames_version": "f9"}])
    assert main(["write", "video/raw", "--input", str(path), "--project", str(seeded)]) == 0
    with sqlxy.load_project(seeded).store() as store:
        rows = {r["video_id"]: r["duration_s"] for r in store.read("video/raw").to_pylist()}
    assert (rows["v7"], rows["v9"]) == (30.0, 45.5)


def test_json_ids_are_stored_without_quotes(seeded: Path) -> None:
    path = _json_file(seeded / "videos.json", _videos(video_id="v7"))
    assert main(["write", "video/raw", "--input", str(path), "--project", str(seeded)]) == 0
    with sqlxy.load_project(seeded).store() as store:
        assert {"v7", "v8"} <= set(store.read("video/raw")["video_id"].to_pylist())


# -- 2. code_version is the text written in the YAML --------------------------------------------


def _raw_with(version: str) -> str:
    return RAW.replace('code_version: "1"', f"code_version: {version}")


@pytest.mark.parametrize(("written", "text"), [("1.10", "1.10"), ("010", "010"), ("1.0", "1.0"),
                                               ("1e3", "1e3"), ("1.5e3", "1.5e3"), ("0x1F", "0x1F"),
                                               ("2024-01-01", "2024-01-01"), ("1_000", "1_000"),
                                               ("7", "7"), ('"1.10"', "1.10"), ("'010'", "010")])
def test_code_version_is_the_text_as_written(tmp_path: Path, written: str, text: str) -> None:
    project = sqlxy.load_project(write_features(tmp_path, {"raw.yaml": _raw_with(written)}))
    assert project.graph["doc/raw"].spec.field("a").code_version == text


@pytest.mark.parametrize(("before", "after"), [("1.1", "1.10"), ("8", "010"), ("1", "1.0")])
def test_a_code_version_bump_changes_the_version(tmp_path: Path, before: str, after: str) -> None:
    versions = []
    for i, written in enumerate((before, after)):
        root = write_features(tmp_path / str(i), {"raw.yaml": _raw_with(written)})
        versions.append(sqlxy.load_project(root).versions.fields[("doc/raw", "a")])
    assert versions[0] != versions[1]


def test_code_version_as_text_in_sql_and_reference(tmp_path: Path) -> None:
    project = sqlxy.load_project(write_features(tmp_path, {"raw.yaml": _raw_with("1.10")}))
    with project.store() as store:
        row = store.resolve("doc/raw", samples=pa.table({"doc_id": ["d"], "a_version": ["x"]})).new
    assert row["sqlxy_provenance__a"][0].as_py() == ref.root_field_provenance("doc/raw:a", "1.10", "x")


@pytest.mark.parametrize("written", ["true", "null", "~", "[1]", "{v: 1}"])
def test_code_version_that_is_no_text_is_refused(tmp_path: Path, written: str) -> None:
    error = load_error(tmp_path, {"raw.yaml": _raw_with(written)})
    assert_at(error, "features/raw.yaml", 6, "code_version must be a non-empty string")


def test_table_prefix_is_the_text_as_written(tmp_path: Path) -> None:
    root = write_features(tmp_path, {"raw.yaml": RAW}, "table_prefix: 010\n")
    assert sqlxy.load_project(root).config.table_prefix == "010"


# -- 3. a key given twice --------------------------------------------------------------------------


def test_code_version_given_twice(tmp_path: Path) -> None:
    text = RAW.replace('code_version: "1"', 'code_version: "1"\n    code_version: "2"')
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_at(error, "features/raw.yaml", 7, "key 'code_version' is given twice", "first at line 6")


def test_columns_given_twice(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW + "columns: {doc_id: string}\n"})
    assert_at(error, "features/raw.yaml", 8, "key 'columns' is given twice", "first at line 3")


def test_key_given_twice_in_a_flow_mapping(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW.replace("{doc_id: string, n: float}",
                                                          "{doc_id: string, n: float, n: int}")})
    assert_at(error, "features/raw.yaml", 3, "key 'n' is given twice")


def test_config_key_given_twice(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW}, "name: p\nhash: md5\nhash: sha256\n")
    assert_at(error, "sqlxy.yaml", 3, "key 'hash' is given twice", "first at line 2")


def test_target_setting_given_twice(tmp_path: Path) -> None:
    config = """
    targets:
      dev:
        type: duckdb
        path: a.duckdb
        path: b.duckdb
    """
    error = load_error(tmp_path, {"raw.yaml": RAW}, config)
    assert_at(error, "sqlxy.yaml", 5, "key 'path' is given twice", "first at line 4")


def test_yaml_merge_keys_still_override(tmp_path: Path) -> None:
    """`<<: *base` then a key of its own is an override YAML defines, not a repeated key."""
    config = """
    targets:
      base: &base {type: duckdb, path: base.duckdb}
      dev: {<<: *base, path: dev.duckdb}
    """
    write_features(tmp_path, {"raw.yaml": dedent(RAW)}, dedent(config))
    assert sqlxy.load_project(tmp_path).config.targets["dev"]["path"] == "dev.duckdb"


def test_key_given_twice_through_the_cli(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = seeded / "features/video/raw.yaml"
    raw.write_text(raw.read_text().replace('code_version: "1"', 'code_version: "1"\n    code_version: "2"', 1))
    message = refused(capsys, seeded, "status")
    assert message.startswith("error: features/video/raw.yaml:13: ") and "given twice" in message


# -- 4. unknown target settings --------------------------------------------------------------------


@pytest.mark.parametrize(("target", "bad"), [
    ("{type: duckdb, pth: x.duckdb}", "pth"), ("{type: duckdb, dsn: x}", "dsn"),
    ("{type: postgres, dsn: x, path: y}", "path"), ("{type: clickhouse, url: x, host: y}", "host"),
    ("{type: spark, master: 'local[1]', conf: {}, confs: {}}", "confs"), ("{type: duckdb, Path: x}", "Path")])
def test_unknown_target_setting(tmp_path: Path, target: str, bad: str) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW}, f"name: p\ntargets:\n  dev: {target}\n")
    assert_at(error, "sqlxy.yaml", 3, f"target 'dev' has unknown setting '{bad}'")
    assert not (tmp_path / "target").exists()


def test_unknown_target_setting_names_its_line(tmp_path: Path) -> None:
    config = """
    targets:
      dev:
        type: duckdb
        pth: x.duckdb
    """
    error = load_error(tmp_path, {"raw.yaml": RAW}, config)
    assert_at(error, "sqlxy.yaml", 4, "unknown setting 'pth'", "known for duckdb: config, path")


@pytest.mark.parametrize("target", [
    "{type: duckdb, path: x.duckdb, config: {threads: 1}}", "{type: postgres, dsn: x}",
    "{type: clickhouse, path: x}", "{type: clickhouse, url: 'http://localhost:8123'}",
    "{type: spark, master: 'local[1]', path: x, conf: {a: b}}", "{type: spark, remote: 'sc://h'}"])
def test_every_setting_an_engine_reads_is_accepted(tmp_path: Path, target: str) -> None:
    root = write_features(tmp_path, {"raw.yaml": RAW}, f"targets:\n  dev: {target}\n")
    assert sqlxy.load_project(root).config.targets["dev"]["type"]


@pytest.mark.parametrize(("target", "message"), [
    ("{type: duckdb, path: [a]}", "target 'dev': path must be a string"),
    ("{type: duckdb, config: x}", "target 'dev': config must be a mapping"),
    ("{type: spark, conf: [a]}", "target 'dev': conf must be a mapping")])
def test_target_setting_of_the_wrong_shape(tmp_path: Path, target: str, message: str) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW}, f"targets:\n  dev: {target}\n")
    assert_at(error, "sqlxy.yaml", 2, message)


def test_unknown_target_setting_through_the_cli(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (seeded / "sqlxy.yaml").write_text("targets:\n  dev: {type: duckdb, pth: elsewhere.duckdb}\n")
    capsys.readouterr()
    assert main(["status", "--project", str(seeded)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: sqlxy.yaml:2: ") and "'pth'" in err and "Traceback" not in err
    assert not (seeded / "elsewhere.duckdb").exists()


# -- 5. aggregation ids holding ':' '=' '|' ------------------------------------------------------


UTTERANCE = """
key: audio/utterance
id_columns: [utterance_id, take]
columns: {utterance_id: string, take: string, speaker_id: string}
fields: [{key: audio, code_version: "1"}]
source: {versions: {audio: audio_sha}}
"""
SPEAKER = """
key: speaker/embedding
id_columns: [speaker_id]
columns: {speaker_id: string, embedding_path: string}
fields: [{key: embedding, code_version: "1", deps: [{feature: audio/utterance, fields: [audio]}]}]
deps: [{feature: audio/utterance, lineage: {aggregation: {on: [speaker_id]}}}]
"""


def test_group_value_hashes_each_id_by_hand() -> None:
    h = ref.digest
    assert ref.group_value([(("b", 2), "x"), (("a", 10), "y")]) == \
        h("|".join(sorted([h("b") + ":" + h("2") + "=x", h("a") + ":" + h("10") + "=y"])))
    assert ref.group_value([(("a:b", "c"), "d")]) != ref.group_value([(("a", "b:c"), "d")])
    one = [(("x:t=p|y", "t"), "q")]
    two = [(("x", "t"), "p"), (("y", "t"), "q")]
    assert ref.group_value(one, "sha256", 16) != ref.group_value(two, "sha256", 16)
    old = lambda members: "|".join(sorted(":".join(ids) + "=" + dv for ids, dv in members))  # noqa: E731
    assert old(one) == old(two) and old([(("a:b", "c"), "d")]) == old([(("a", "b:c"), "d")])


@pytest.mark.parametrize("engine", ENGINES)
def test_aggregation_ids_with_separators_do_not_collide(engine: str, request: pytest.FixtureRequest,
                                                        tmp_path: Path) -> None:
    """Two speakers whose member sets joined to the same text under the 0.1 formula: ("a:b", "c")
    vs ("a", "b:c") with equal data versions, and {x → p, y → q} vs {"x:t=p|y" → q} (data versions
    given by the writer). Each pair must now hash apart, on every engine, as the reference says."""
    config = yaml.safe_dump(target_config(engine, request, tmp_path))
    write_features(tmp_path, {"u.yaml": UTTERANCE, "s.yaml": SPEAKER}, config)
    rows = pa.table({
        "utterance_id": ["a:b", "a", "x", "y", "x:t=p|y"],
        "take": ["c", "b:c", "t", "t", "t"],
        "speaker_id": ["s1", "s2", "s3", "s3", "s4"],
        "audio_sha": ["same", "same", "h1", "h2", "h3"],
    })
    dv = pa.array([None, None, "p", "q", "q"], pa.string())
    with sqlxy.load_project(tmp_path).store() as store:
        resolved = store.resolve("audio/utterance", samples=rows).to_write()
        store.write("audio/utterance", resolved.append_column("sqlxy_data_version__audio", dv))
        stored = store.read("audio/utterance").to_pylist()
        groups = {r["speaker_id"]: r["sqlxy_provenance__embedding"]
                  for r in store.resolve("speaker/embedding").new.to_pylist()}
    members: dict[str, list[tuple[tuple[str, str], str]]] = {}
    for r in stored:
        members.setdefault(r["speaker_id"], []).append(
            ((r["utterance_id"], r["take"]), r["sqlxy_data_version__audio"]))
    assert members["s1"][0][1] == members["s2"][0][1]  # the same data version: only the ids differ
    for speaker, group in members.items():
        value = ref.group_value(group)
        assert groups[speaker] == ref.field_provenance("speaker/embedding:embedding", "1",
                                                       {"audio/utterance:audio": value}), speaker
    assert groups["s1"] != groups["s2"]
    assert groups["s3"] != groups["s4"]


# -- 6. an id column listed twice ------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "line", "what"), [
    ("id_columns: [doc_id]", "id_columns: [doc_id, doc_id]", 2, "id_columns lists 'doc_id' twice"),
    ("id_columns: [doc_id]", "id_columns:\n  - doc_id\n  - doc_id", 4, "id_columns lists 'doc_id' twice"),
])
def test_id_column_listed_twice(tmp_path: Path, old: str, new: str, line: int, what: str) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW.replace(old, new)})
    assert_at(error, "features/raw.yaml", line, what)
    assert error.feature == "doc/raw"


CHILD = """
key: doc/child
id_columns: [doc_id]
columns: {doc_id: string}
deps:
  - feature: doc/raw
    select: [n, n]
"""


def test_select_column_listed_twice(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW, "child.yaml": CHILD})
    assert_at(error, "features/child.yaml", 6, "select lists 'n' twice")


def test_id_column_listed_twice_through_the_cli(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faces = seeded / "features/video/faces.yaml"
    faces.write_text(faces.read_text().replace("id_columns: [video_chunk_id]",
                                               "id_columns: [video_chunk_id, video_chunk_id]"))
    message = refused(capsys, seeded, "resolve", "video/faces")
    assert message.startswith("error: features/video/faces.yaml:5: video/faces: ")


# -- 7. table-qualified columns in SQL snippets ----------------------------------------------------


FILTERED = """
key: doc/child
id_columns: [doc_id]
columns: {doc_id: string}
deps:
  - feature: doc/raw
    filter: "r.n > 0"
"""


@pytest.mark.parametrize("sql", ["r.n > 0", "n > 0 AND raw.n < 9", '"r"."n" > 0', "db.r.n > 0"])
def test_table_qualified_column_in_a_filter(tmp_path: Path, sql: str) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW, "child.yaml": FILTERED.replace("r.n > 0", sql.replace('"', '\\"'))})
    assert_at(error, "features/child.yaml", 6, "filter on 'doc/raw'", "table qualifier")


def test_table_qualified_column_in_generate(seed_dir: Path) -> None:
    chunk = seed_dir / "features/video/chunk.yaml"
    chunk.write_text(chunk.read_text().replace("start_s: \"chunk_index * 10.0\"",
                                               "start_s: \"p.chunk_index * 10.0\""))
    with pytest.raises(sqlxy.SpecError) as info:
        sqlxy.load_project(seed_dir)
    assert_at(info.value, "features/video/chunk.yaml", 22, "generate.columns.start_s", "table qualifier",
              "'p.chunk_index'")


@pytest.mark.parametrize("option", [["resolve", "video/chunk", "--stale-if"],
                                    ["read", "video/chunk", "--where"],
                                    ["delete", "video/chunk", "--where"]])
def test_table_qualified_column_in_a_runtime_condition(seeded: Path, capsys: pytest.CaptureFixture[str],
                                                       option: list[str]) -> None:
    message = refused(capsys, seeded, *option, "c.chunk_index > 0")
    assert "table qualifier" in message and "'c.chunk_index'" in message


# -- 8. non-finite floats --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e400", "-1e400", "inf", "-Infinity", "nan", "NaN"])
def test_non_finite_float_in_csv_is_refused(seeded: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    path = seeded / "videos.csv"
    path.write_text("video_id,path,duration_s,audio_version,frames_version\n"
                    f"v7,v7.mp4,{value},a7,f7\nv8,v8.mp4,3.5,a8,f8\n", encoding="utf-8")
    for args in (["write", "video/raw", "--input", str(path)],
                 ["resolve", "video/raw", "--samples", str(path), "--json"]):
        message = refused(capsys, seeded, *args)
        assert "column 'duration_s'" in message and "non-finite" in message and value in message, message


@pytest.mark.parametrize("suffix", [".json", ".parquet"])
def test_non_finite_float_in_typed_files_is_refused(seeded: Path, capsys: pytest.CaptureFixture[str],
                                                    suffix: str) -> None:
    path = seeded / f"videos{suffix}"
    if suffix == ".json":
        path.write_text('[{"video_id": "v7", "path": "p", "duration_s": 1e400, "audio_version": "a",'
                        ' "frames_version": "f"}]', encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pylist(_videos(duration_s=float("nan"))), path)
    message = refused(capsys, seeded, "write", "video/raw", "--input", str(path))
    assert "column 'duration_s'" in message and "non-finite" in message


def test_non_finite_float_through_the_api(seeded: Path) -> None:
    with sqlxy.load_project(seeded).store() as store, pytest.raises(sqlxy.InputError, match="non-finite"):
        store.write("video/raw", _videos(duration_s=float("-inf")))
    assert counts(seeded)["video/raw"] == 3


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_emit_json_never_prints_invalid_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    console.emit_json([{"a": float("inf"), "b": [float("-inf"), 1.5], "c": {"d": float("nan")}}], out)
    assert _strict_json(out.getvalue()) == [{"a": None, "b": [None, 1.5], "c": {"d": None}}]
    assert "3 non-finite" in capsys.readouterr().err


def test_emit_json_of_finite_values_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    console.emit_json({"x": [1.5, -0.0, 1e308], "y": "inf"}, out)
    assert json.loads(out.getvalue()) == {"x": [1.5, -0.0, 1e308], "y": "inf"}
    assert capsys.readouterr().err == ""


def test_read_json_of_a_stored_infinity(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows written before this check (or by another tool) may hold inf: read --json stays JSON."""
    with sqlxy.load_project(seeded).store() as store:
        table = store.compiler.table_name("video/raw")
        store.adapter.execute(f"UPDATE \"{table}\" SET duration_s = 'inf'::DOUBLE WHERE video_id = 'v1'")
    capsys.readouterr()
    assert main(["read", "video/raw", "--json", "--project", str(seeded)]) == 0
    captured = capsys.readouterr()
    rows = {r["video_id"]: r["duration_s"] for r in _strict_json(captured.out)}
    assert rows["v1"] is None and rows["v2"] == 45.0
    assert "non-finite" in captured.err and not math.isnan(rows["v3"])
