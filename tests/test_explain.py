"""`store.explain` / `sqlxy explain`: a sample's state, its provenance next to the expected one,
and the first change upstream that explains it, on every engine for the seed's audio bump."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import sqlxy
from sqlxy.cli import main
from sqlxy.errors import SqlxyError

from .conftest import REPO, SEED_VIDEOS, write_features
from .engines import postgres_dsn, spark_session  # noqa: F401  (fixtures)


def _faces(store: sqlxy.Store) -> None:
    rows = store.resolve("video/faces").to_write()
    store.write("video/faces", rows.append_column("num_faces", pa.array([2] * rows.num_rows, pa.int64())))


def _populate(root: Path) -> None:
    with sqlxy.load_project(root).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write(), run_id="load-1")
        store.materialize("video/chunk", run_id="load-1")
        _faces(store)


def _bump_audio(root: Path, run_id: str = "bump-1") -> None:
    """The seed's audio code bump, and video/raw recomputed for it."""
    raw = root / "features/video/raw.yaml"
    text = raw.read_text()
    raw.write_text(text.replace('- key: audio\n    code_version: "1"', '- key: audio\n    code_version: "2"'))
    with sqlxy.load_project(root).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write(), run_id=run_id)


def _one(store: sqlxy.Store, key: str, sample: object) -> dict:
    (report,) = store.explain(key, [sample])
    return report


def _kinds(causes: list[dict]) -> list[str]:
    return [c["kind"] for c in causes]


def test_after_the_audio_bump_chunk_is_stale_on_audio_and_faces_is_not(engine_dir: Path) -> None:
    _populate(engine_dir)
    with sqlxy.load_project(engine_dir).store() as store:
        before = _one(store, "video/chunk", "v1_0")
    assert before["state"] == "up to date" and before["causes"] == []
    assert before["parent"] == {"video_id": "v1"} and before["row"]["run_id"] == "load-1"
    _bump_audio(engine_dir)
    with sqlxy.load_project(engine_dir).store() as store:
        chunk = _one(store, "video/chunk", "v1_0")
        faces = _one(store, "video/faces", "v1_0")
    assert chunk["state"] == "stale" and chunk["stale_fields"] == ["audio"]
    assert chunk["fields"]["audio"]["changed"] and not chunk["fields"]["frames"]["changed"]
    assert chunk["fields"]["audio"]["current"] != chunk["fields"]["audio"]["expected"]
    assert chunk["fields"]["frames"]["current"] == chunk["fields"]["frames"]["expected"]
    data = next(c for c in chunk["causes"] if c["kind"] == "upstream data")
    assert data["feature"] == "video/raw" and data["sample"] == {"video_id": "v1"}
    assert data["fields"] == ["audio"] and data["run_id"] == "bump-1"
    code = {"kind": "code_version", "feature": "video/raw", "field": "audio", "from": "1", "to": "2"}
    assert data["origin"] == [code]
    version = next(c for c in chunk["causes"] if c["kind"] == "new field version")
    assert (version["feature"], version["field"], version["origin"]) == ("video/chunk", "audio", [code])
    assert faces["state"] == "up to date" and faces["causes"] == []


def test_faces_says_what_it_does_not_read(seed_dir: Path) -> None:
    _populate(seed_dir)
    _bump_audio(seed_dir)
    with sqlxy.load_project(seed_dir).store() as store:
        store.materialize("video/chunk", run_id="rechunk")
        faces = _one(store, "video/faces", "v1_0")
    assert faces["state"] == "up to date"
    (unread,) = faces["causes"]
    assert unread == {"kind": "not read", "feature": "video/chunk", "sample": {"video_chunk_id": "v1_0"},
                      "fields": ["audio"], "at": unread["at"], "run_id": "rechunk", "reader": "video/faces"}


def test_cli_explain_prints_the_cause_and_json(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _populate(seed_dir)
    _bump_audio(seed_dir)
    assert main(["--project", str(seed_dir), "explain", "video/chunk", "v1_0"]) == 0
    out = capsys.readouterr().out
    assert "video/chunk video_chunk_id=v1_0: stale on audio  (parent video_id=v1)" in out
    assert "video/raw video_id=v1: new data version of audio" in out
    assert "← video/raw:audio code_version 1 → 2" in out
    assert main(["--project", str(seed_dir), "explain", "video/faces", "video_chunk_id=v1_0", "v2_0", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["state"] for r in reports] == ["up to date", "up to date"]
    assert [r["id"] for r in reports] == [{"video_chunk_id": "v1_0"}, {"video_chunk_id": "v2_0"}]


def test_states_absent_deleted_orphaned_new(engine_dir: Path) -> None:
    _populate(engine_dir)
    with sqlxy.load_project(engine_dir).store() as store:
        assert _one(store, "video/chunk", "v9_0")["state"] == "absent"
        assert _one(store, "video/faces", "v9_0")["state"] == "absent"
        store.delete("video/raw", "video_id = 'v2'")
        orphaned = _one(store, "video/chunk", "v2_0")
        assert orphaned["state"] == "orphaned"
        assert _kinds(orphaned["causes"]) == ["deleted upstream"]
        assert orphaned["causes"][0]["sample"] == {"video_id": "v2"}
        store.delete("video/faces", "video_chunk_id = 'v1_0'")
        gone = _one(store, "video/faces", "v1_0")
        assert gone["state"] == "new" and gone["deleted"] and gone["row"]["deleted_at"] is not None
        assert "deleted" in _kinds(gone["causes"])
        store.delete("video/chunk", "video_chunk_id = 'v1_1'")
        child = _one(store, "video/chunk", "v1_1")
        assert child["state"] == "stale" and child["children"] == {"expected": 3, "current": 2}
        assert "re-expansion" in _kinds(child["causes"])
        store.materialize("video/chunk")
        assert _one(store, "video/chunk", "v2_0")["state"] == "deleted"


def test_a_new_upstream_sample_and_a_recorded_graph_that_is_missing(seed_dir: Path) -> None:
    _populate(seed_dir)
    with sqlxy.load_project(seed_dir).store() as store:
        store.adapter.execute('DROP TABLE "sqlxy_graph_history"')
    _bump_audio(seed_dir)
    with sqlxy.load_project(seed_dir).store() as store:
        chunk = _one(store, "video/chunk", "v1_0")
    data = next(c for c in chunk["causes"] if c["kind"] == "upstream data")
    (origin,) = data["origin"]  # the graph of the load is gone: the change is there, unnamed
    assert origin["kind"] == "version" and "not recorded" in origin["detail"]


def test_a_definition_change_is_named(seed_dir: Path) -> None:
    _populate(seed_dir)
    chunk_yaml = seed_dir / "features/video/chunk.yaml"
    chunk_yaml.write_text(chunk_yaml.read_text().replace("start_s: \"chunk_index * 10.0\"",
                                                         "start_s: \"chunk_index * 10.0 + 0.5\""))
    with sqlxy.load_project(seed_dir).store() as store:
        chunk = _one(store, "video/chunk", "v1_0")
    assert chunk["state"] == "stale" and chunk["stale_fields"] == ["audio", "frames"]
    kinds = {o["kind"] for c in chunk["causes"] if c["kind"] == "new field version" for o in c["origin"]}
    assert kinds == {"definition"}


def test_aggregation_names_the_member_that_changed(tmp_path: Path) -> None:
    root = tmp_path / "agg"
    import shutil

    shutil.copytree(REPO / "examples/aggregation", root)
    utterances = pa.table({"utterance_id": ["u1", "u2", "u3"], "speaker_id": ["s1", "s1", "s2"],
                           "path": ["a", "b", "c"], "audio_sha": ["h1", "h2", "h3"]})
    with sqlxy.load_project(root).store() as store:
        store.write("audio/utterance", store.resolve("audio/utterance", samples=utterances).to_write())
        rows = store.resolve("speaker/embedding").to_write()
        store.write("speaker/embedding", rows.append_column("embedding_path", pa.array(["e"] * rows.num_rows)))
        changed = utterances.set_column(3, "audio_sha", pa.array(["h1", "h2b", "h3"]))
        store.write("audio/utterance", store.resolve("audio/utterance", samples=changed).to_write(), run_id="r2")
        report = _one(store, "speaker/embedding", "s1")
        other = _one(store, "speaker/embedding", "s2")
    assert report["state"] == "stale" and report["stale_fields"] == ["embedding"]
    (member,) = report["causes"]
    assert member["kind"] == "upstream data" and member["sample"] == {"utterance_id": "u2"}
    assert member["run_id"] == "r2" and member["origin"][0]["kind"] == "input"
    assert other["state"] == "up to date"


def test_several_id_columns_and_a_root_without_samples(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = write_features(tmp_path / "p", {"pair.yaml": (
        "key: pair\nid_columns: [a, b]\ncolumns: {a: string, b: int}\nfields: [x]\n"
        "source: {versions: {x: xv}}\n")})
    samples = pa.table({"a": ["p", "q"], "b": [1, 2], "xv": ["1", "1"]})
    with sqlxy.load_project(root).store() as store:
        store.write("pair", store.resolve("pair", samples=samples).to_write())
        unknown = _one(store, "pair", {"a": "p", "b": 1})
        assert unknown["state"] == "unknown" and "samples" in unknown["note"]
        (known,) = store.explain("pair", [{"a": "p", "b": "1"}], samples=samples)
        assert known["state"] == "up to date" and known["id"] == {"a": "p", "b": 1}
        changed = samples.set_column(2, "xv", pa.array(["2", "1"]))
        (stale,) = store.explain("pair", [{"a": "p", "b": 1}], samples=changed)
        assert stale["state"] == "stale" and stale["stale_fields"] == ["x"]
    assert main(["--project", str(root), "explain", "pair", "a=q,b=2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["state"] == "unknown"
    assert main(["--project", str(root), "explain", "pair", "q"]) == 1
    assert "several id columns" in capsys.readouterr().err


def test_stale_if_is_a_cause(seed_dir: Path) -> None:
    _populate(seed_dir)
    with sqlxy.load_project(seed_dir).store() as store:
        (report,) = store.explain("video/chunk", ["v1_0"], stale_if="duration_s > 40")
        assert report["state"] == "up to date"  # v1 is 30 s long
        (v2,) = store.explain("video/chunk", ["v2_0"], stale_if="duration_s > 40")
    assert v2["state"] == "stale" and v2["predicate"] and "predicate" in _kinds(v2["causes"])


@pytest.mark.parametrize("ids, message", [
    ([], "needs a list of ids"),
    ("v1_0", "needs a list of ids"),
    ([{"video_chunk_id": "v1_0", "extra": 1}], "unknown column"),
    ([{"nope": "v1_0"}], "unknown column"),
    ([None], "is NULL"),
    ([[1, 2]], "is not string"),
    ([f"v{i}" for i in range(101)], "at most 100"),
])
def test_bad_ids_are_refused(seed_store: sqlxy.Store, ids: object, message: str) -> None:
    with pytest.raises(SqlxyError, match=message):
        seed_store.explain("video/chunk", ids)


def test_an_int_id_given_as_text_that_is_no_number(tmp_path: Path) -> None:
    root = write_features(tmp_path / "p", {"n.yaml": (
        "key: n\nid_columns: [i]\ncolumns: {i: int}\nfields: [x]\nsource: {versions: {x: xv}}\n")})
    with sqlxy.load_project(root).store() as store, pytest.raises(SqlxyError, match="is not int"):
        store.explain("n", ["seven"])


def test_explain_writes_nothing(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(seed_dir), "explain", "video/chunk", "v1_0"]) == 0
    assert "absent" in capsys.readouterr().out
    assert not (seed_dir / "target").exists() or not list((seed_dir / "target").glob("*.duckdb"))
    _populate(seed_dir)
    _bump_audio(seed_dir)
    with sqlxy.load_project(seed_dir).store() as store:
        before = {t: store.adapter.fetch_arrow(f'SELECT * FROM "{t}" ORDER BY ALL') for t in _tables(store)}
        store.explain("video/chunk", ["v1_0", "v2_3"])
        store.explain("video/faces", ["v1_0"])
        after = {t: store.adapter.fetch_arrow(f'SELECT * FROM "{t}" ORDER BY ALL') for t in _tables(store)}
    assert before == after


def _tables(store: sqlxy.Store) -> list[str]:
    return store.adapter.fetch_arrow("SELECT table_name FROM information_schema.tables ORDER BY 1")[
        "table_name"].to_pylist()


def test_the_restricted_state_equals_resolve(seed_dir: Path) -> None:
    """Every chunk's verdict from explain is the one resolve gives its parent."""
    _populate(seed_dir)
    _bump_audio(seed_dir)
    with sqlxy.load_project(seed_dir).store() as store:
        store.delete("video/raw", "video_id = 'v3'")
        increment = store.resolve("video/chunk")
        chunks = store.read("video/chunk")["video_chunk_id"].to_pylist()
        reports = store.explain("video/chunk", chunks)
    stale = set(increment.stale["video_id"].to_pylist())
    orphaned = set(increment.orphaned["video_id"].to_pylist())
    for report in reports:
        parent = report["parent"]["video_id"]
        expected = "stale" if parent in stale else "orphaned" if parent in orphaned else "up to date"
        assert report["state"] == expected, report["id"]
    states = pc.value_counts(pa.array([r["state"] for r in reports])).to_pylist()
    assert sorted((s["values"], s["counts"]) for s in states) == [("orphaned", 5), ("stale", 8)]
