"""Attacks on `store.explain` / `sqlxy explain`: its verdict must agree with `resolve` for every
sample, whatever happened to the store; hostile ids and odd projects give a report or a
SqlxyError, never a traceback; explain writes nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sqlxy

from .test_maintained import ACTION, KEYS, SETUP, VARIANTS, Pipeline, make_project


def _keyset(table: pa.Table, keys: list[str]) -> set[tuple]:
    return {tuple(row[k] for k in keys) for row in table.select(keys).to_pylist()}


def verdicts_agree(store: sqlxy.Store, key: str, steps: object) -> None:
    """Every id in the table (tombstones too) and every new sample: explain's state is resolve's
    (with retry_errors: explain tells why a sample is new or stale, whether or not a record of
    failure holds it back)."""
    node = store.graph[key]
    keys, ids = list(node.compare_keys), list(node.spec.id_columns)
    increment = store.resolve(key, retry_errors=True)
    new, stale, orphaned = (_keyset(t, keys) for t in (increment.new, increment.stale, increment.orphaned))
    rows = store.read(key, include_deleted=True)
    asked = rows.select(ids).to_pylist()
    if set(ids) <= set(increment.new.column_names):
        asked += increment.new.select(ids).to_pylist()
    seen = []
    for one in asked:
        if one not in seen:
            seen.append(one)
    for start in range(0, len(seen), 100):
        for report in store.explain(key, seen[start:start + 100]):
            compare = tuple((report.get("parent") or report["id"])[k] for k in keys)
            want = ("new" if compare in new else "stale" if compare in stale
                    else "orphaned" if compare in orphaned else None)
            got = report["state"] if report["state"] in ("new", "stale", "orphaned") else None
            assert got == want, (key, report["id"], report["state"], want, increment.how, steps)


class ExplainPipeline(Pipeline):
    def apply(self, step: tuple[Any, ...], steps: object) -> None:
        if step[0] == "resolve":
            for key in KEYS:
                verdicts_agree(self.store, key, steps)
            return
        super().apply(step, steps)


EXAMPLES = int(os.environ.get("SQLXY_EXPLAIN_EXAMPLES", "15"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(ACTION, min_size=1, max_size=10))
def test_explain_agrees_with_resolve(tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Any, ...]]) -> None:
    base = tmp_path_factory.mktemp("explain-prop")
    config = {"targets": {"it": {"type": "duckdb", "path": str(base / "db.duckdb")}}, "default_target": "it"}
    pipeline = ExplainPipeline([make_project(base / f"variant{i}", v, config) for i, v in enumerate(VARIANTS)])
    try:
        for step in [*SETUP, *steps, ("resolve",)]:
            pipeline.apply(step, steps)
    finally:
        pipeline.store.close()


# -- pinned attacks (each fails today where it names a bug) -----------------------------------

import shutil  # noqa: E402

from sqlxy.cli import main  # noqa: E402
from sqlxy.errors import SqlxyError  # noqa: E402

from .conftest import REPO, SEED_VIDEOS  # noqa: E402


def _seed(root: Path, chunk: bool = True, faces: bool = True) -> Path:
    shutil.copytree(REPO / "features", root / "features")
    with sqlxy.load_project(root).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write(), run_id="load")
        if chunk:
            store.materialize("video/chunk", run_id="load")
        if faces:
            rows = store.resolve("video/faces").to_write()
            store.write("video/faces", rows.append_column("num_faces", pa.array([1] * rows.num_rows)))
    return root


def _bump_audio(root: Path) -> None:
    raw = root / "features/video/raw.yaml"
    text = raw.read_text()
    raw.write_text(text.replace('- key: audio\n    code_version: "1"', '- key: audio\n    code_version: "2"'))
    with sqlxy.load_project(root).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write(), run_id="bump")


@pytest.mark.parametrize("ids", [["\udcff"], [10**30], [object()], ["a", 1], [1, "a"],
                                 [{"video_chunk_id": "a"}, {"video_chunk_id": 1}]])
def test_hostile_python_ids_are_input_errors(tmp_path: Path, ids: list[Any]) -> None:
    """Ids of mixed or unsupported Python types are an InputError, never an Arrow or encoding error."""
    with sqlxy.load_project(_seed(tmp_path, faces=False)).store() as store, pytest.raises(SqlxyError):
        store.explain("video/chunk", ids)


def test_cli_an_id_that_is_no_utf8_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An argv id that is not UTF-8 (a surrogate) is one error line, exit 1."""
    root = _seed(tmp_path, faces=False)
    assert main(["--project", str(root), "explain", "video/chunk", "v1_\udcff"]) == 1
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("spec_json", ["'[]'", "'null'", "'\"text\"'", "NULL"])
def test_a_corrupted_recorded_spec_is_as_if_not_recorded(tmp_path: Path, spec_json: str) -> None:
    """A graph history row damaged by hand reads as a graph not recorded."""
    root = _seed(tmp_path, faces=False)
    with sqlxy.load_project(root).store() as store:
        store.adapter.execute(f"UPDATE sqlxy_graph_history SET spec_json = {spec_json} WHERE feature_key = 'video/raw'")
    _bump_audio(root)
    with sqlxy.load_project(root).store() as store:
        (report,) = store.explain("video/chunk", ["v1_0"])
    assert report["state"] == "stale"
    data = next(c for c in report["causes"] if c["kind"] == "upstream data")
    assert [o["kind"] for o in data["origin"]] == ["version"]


def test_a_feature_never_written_is_new_where_resolve_says_so(tmp_path: Path) -> None:
    """A feature whose table does not exist yet is explained through its stand-in (no row ids to restrict by)."""
    root = _seed(tmp_path, faces=False)
    with sqlxy.load_project(root).store() as store:
        (report,) = store.explain("video/faces", ["v1_0"])  # before resolve, which creates the table
        assert store.resolve("video/faces").new.num_rows == 13
    assert report["state"] == "new"


def test_a_dep_missing_upstream_table_is_absent(tmp_path: Path) -> None:
    """With the dep's table missing too, the sample is absent."""
    root = _seed(tmp_path, chunk=False, faces=False)
    with sqlxy.load_project(root).store() as store:
        (report,) = store.explain("video/faces", ["v1_0"])
    assert report["state"] == "absent"


def test_a_member_the_dep_filter_leaves_out_is_no_cause(tmp_path: Path) -> None:
    """A member the dep's filter leaves out is never named as a cause."""
    root = tmp_path / "agg"
    shutil.copytree(REPO / "examples/aggregation", root)
    spec = root / "features/speaker.yaml"
    spec.write_text(spec.read_text().replace("        on: [speaker_id]",
                                             "        on: [speaker_id]\n    filter: \"path <> 'skip'\""))
    first = pa.table({"utterance_id": ["u1", "u2", "u3"], "speaker_id": ["s1"] * 3, "path": ["a", "b", "skip"],
                      "audio_sha": ["h1", "h2", "h3"]})
    with sqlxy.load_project(root).store() as store:
        store.write("audio/utterance", store.resolve("audio/utterance", samples=first).to_write())
        rows = store.resolve("speaker/embedding").to_write()
        store.write("speaker/embedding", rows.append_column("embedding_path", pa.array(["e"] * rows.num_rows)))
        changed = first.set_column(3, "audio_sha", pa.array(["h1b", "h2", "h3b"]))
        store.write("audio/utterance", store.resolve("audio/utterance", samples=changed).to_write())
        (report,) = store.explain("speaker/embedding", ["s1"])
    assert report["state"] == "stale"
    assert [c["sample"] for c in report["causes"]] == [{"utterance_id": "u1"}]


def test_a_compacted_upstream_is_not_a_new_upstream_sample(tmp_path: Path) -> None:
    """An upstream rewritten after its history was compacted away is no new upstream sample."""
    root = _seed(tmp_path, faces=False)
    with sqlxy.load_project(root).store() as store:
        changed = SEED_VIDEOS.set_column(3, "audio_version", pa.array(["a1b", "a2", "a3"]))
        store.write("video/raw", store.resolve("video/raw", samples=changed).to_write(), run_id="r2")
        store.compact("video/raw")
        (report,) = store.explain("video/chunk", ["v1_0"])
    assert report["state"] == "stale"
    assert "new upstream" not in [c["kind"] for c in report["causes"]]


def test_a_hard_deleted_upstream_is_named_as_deleted(tmp_path: Path) -> None:
    """A parent hard-deleted is named as the deleted upstream sample of its orphaned child."""
    root = _seed(tmp_path, faces=False)
    with sqlxy.load_project(root).store() as store:
        store.delete("video/raw", "video_id = 'v1'", hard=True)
        (report,) = store.explain("video/chunk", ["v1_0"])
    assert report["state"] == "orphaned"
    assert "deleted upstream" in [c["kind"] for c in report["causes"]]


def test_reports_come_in_the_order_asked(tmp_path: Path) -> None:
    """Reports come back in the order the ids were asked, each sample once."""
    ids = [f"v{i}" for i in range(100)][::-1]
    with sqlxy.load_project(_seed(tmp_path, faces=False)).store() as store:
        reports = store.explain("video/chunk", ids)
    assert [r["id"]["video_chunk_id"] for r in reports] == ids
