"""`store.rebase` / `sqlxy rebase` (issue 12): samples stale only because of a code or SQL-definition
change get the expected provenance without being recomputed, with the same data versions, so
downstream stays settled; samples whose upstream data changed stay stale and are counted. On every
engine for the seed's audio bump and a reformatted `generate`; resolve after a rebase still equals
the full recompute where increments are maintained."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
import yaml
from sqlglot import exp

import sqlxy
from sqlxy.cli import main
from sqlxy.compiler import IncrementParams, Query, system
from sqlxy.errors import InputError, SqlxyError

from .conftest import REPO, SEED_VIDEOS, write_features
from .engines import fetch_native, postgres_dsn, run_native, spark_session, target_config  # noqa: F401  (fixtures)

#: The seed's videos and a fourth without chunks (duration 0: chunk records it as an empty parent).
VIDEOS = pa.concat_tables([SEED_VIDEOS, pa.table({
    "video_id": ["v4"], "path": ["v4.mp4"], "duration_s": [0.0], "audio_version": ["a4"], "frames_version": ["f4"]})])
COUNT = "CAST(CEIL(duration_s / 10.0) AS INT)"
#: The same count, written so that its SQL definition hash changes (whitespace would not: it is
#: normalised away) while every parent keeps its children.
REFORMATTED = "CAST(CEIL((duration_s) / 10.0) AS INT)"


def _populate(root: Path, videos: pa.Table = SEED_VIDEOS) -> None:
    """The seed pipeline run once: raw, its chunks (materialized) and faces."""
    with sqlxy.load_project(root).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=videos).to_write(), run_id="load")
        store.materialize("video/chunk", run_id="load")
        faces = store.resolve("video/faces").to_write()
        store.write("video/faces", faces.append_column("num_faces", pa.array([2] * faces.num_rows, pa.int64())))


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "features/video" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bump(root: Path, field: str, version: str) -> None:
    """video/raw's `field` gets code_version `version` (a cosmetic code bump)."""
    path = root / "features/video/raw.yaml"
    pattern = rf'(- key: {field}\n    code_version: )"[^"]*"'
    path.write_text(re.sub(pattern, rf'\1"{version}"', path.read_text(encoding="utf-8")), encoding="utf-8")


def _with_audio(videos: pa.Table, video: str, audio: str) -> pa.Table:
    """The samples, with a new audio input version for one video (its upstream data changed)."""
    values = [audio if v == video else a for v, a in zip(videos["video_id"].to_pylist(),
                                                          videos["audio_version"].to_pylist(), strict=True)]
    return videos.set_column(videos.schema.get_field_index("audio_version"), "audio_version", pa.array(values))


def _rows(store: sqlxy.Store, key: str) -> dict[Any, dict[str, Any]]:
    """The current rows of a feature by id (an expansion's empty-parent rows by parent)."""
    id_column = store.graph[key].spec.id_columns[0]
    found: dict[Any, dict[str, Any]] = {r[id_column]: r for r in store.read(key).to_pylist()}
    model = store.compiler.model(key)
    if model.child_id:  # `read` shows samples; the latest empty-parent row of each parent is read here
        empty = exp.column(model.child_id, quoted=True).is_(exp.null())
        markers = exp.select("*").from_(model.table.copy()).where(empty)
        for row in sorted(fetch_native(store, markers.sql("duckdb")).to_pylist(), key=lambda r: r["sqlxy_updated_at"]):
            found[("parent", row["video_id"])] = row
    return found


def _stale(store: sqlxy.Store, key: str, samples: pa.Table | None = None) -> dict[Any, list[str]]:
    """The stale samples (compare key → stale fields) of a resolve."""
    stale = store.resolve(key, samples=samples).stale
    keys = stale.column(store.graph[key].compare_keys[0]).to_pylist()
    return dict(zip(keys, stale.column("sqlxy_stale_fields").to_pylist(), strict=True))


def _counts(result: dict[str, Any]) -> dict[str, int]:
    return {k: result[k] for k in ("rebased", "rows", "data_changed", "children", "new", "not_selected")}


def _kept(before: dict[str, Any], after: dict[str, Any], columns: list[str]) -> None:
    for column in columns:
        assert after[column] == before[column], column


DATA_VERSIONS = ["sqlxy_data_version__audio", "sqlxy_data_version__frames", "sqlxy_data_version"]


# -- every engine -------------------------------------------------------------------------------

def test_a_code_bump_is_rebased_and_downstream_stays_settled(engine_dir: Path) -> None:
    _populate(engine_dir)
    with sqlxy.load_project(engine_dir).store() as store:
        before = _rows(store, "video/raw")
    _bump(engine_dir, "audio", "2")
    with sqlxy.load_project(engine_dir).store() as store:
        expected = {r["video_id"]: r for r in store.resolve("video/raw", samples=SEED_VIDEOS).stale.to_pylist()}
        assert len(expected) == 3
        dry = store.rebase("video/raw", samples=SEED_VIDEOS, dry_run=True)
        assert _counts(dry) == {"rebased": 3, "rows": 3, "data_changed": 0, "children": 0, "new": 0,
                                "not_selected": 0}
        assert dry["dry_run"] is True and dry["per"] is None and dry["fields"] == ["audio", "frames"]
        assert len(_stale(store, "video/raw", SEED_VIDEOS)) == 3 and store.commits == []  # the dry run wrote nothing
        done = store.rebase("video/raw", samples=SEED_VIDEOS, run_id="rebase-1")
        assert _counts(done) == _counts(dry) and done["dry_run"] is False
        assert [(c.operation, c.feature, c.rows, c.landed) for c in store.commits] == [("rebase", "video/raw", 3, True)]
        assert _stale(store, "video/raw", SEED_VIDEOS) == {}
        after = _rows(store, "video/raw")
        for video, row in after.items():
            old = before[video]
            _kept(old, row, [*DATA_VERSIONS, "path", "duration_s", "sqlxy_provenance__frames", "sqlxy_created_at"])
            _kept(expected[video], row, ["sqlxy_provenance__audio", "sqlxy_provenance"])  # as a recompute writes them
            assert row["sqlxy_provenance__audio"] != old["sqlxy_provenance__audio"]
            assert row["sqlxy_feature_version"] == store.versions.features["video/raw"] != old["sqlxy_feature_version"]
            assert row["sqlxy_project_version"] == store.versions.project
            assert row["sqlxy_run_id"] == "rebase-1" and row["sqlxy_updated_at"] > old["sqlxy_updated_at"]
        for key in ("video/chunk", "video/faces"):  # the data versions they read did not change
            assert store.resolve(key).counts() == {"new": 0, "stale": 0, "orphaned": 0}, key
        again = store.rebase("video/raw", samples=SEED_VIDEOS)
        assert again["rebased"] == again["rows"] == 0
    # the recompute path, for contrast: the next bump rewritten as usual makes chunk stale on audio
    _bump(engine_dir, "audio", "3")
    with sqlxy.load_project(engine_dir).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
        assert _stale(store, "video/chunk") == {"v1": ["audio"], "v2": ["audio"], "v3": ["audio"]}
        assert store.resolve("video/faces").counts()["stale"] == 0


def test_partial_fields_and_upstream_data_changes_stay_stale(engine_dir: Path) -> None:
    _populate(engine_dir)
    _bump(engine_dir, "audio", "2")
    _bump(engine_dir, "frames", "2")
    changed = _with_audio(SEED_VIDEOS, "v3", "a3-new")  # v3's audio data changed since it was written
    with sqlxy.load_project(engine_dir).store() as store:
        audio = store.rebase("video/raw", fields=["audio"], samples=changed)
        assert _counts(audio) == {"rebased": 2, "rows": 2, "data_changed": 1, "children": 0, "new": 0,
                                  "not_selected": 0}
        assert audio["fields"] == ["audio"]
        assert _stale(store, "video/raw", changed) == {"v1": ["frames"], "v2": ["frames"], "v3": ["audio", "frames"]}
        assert _counts(store.rebase("video/raw", fields=["audio"], samples=changed)) == {
            "rebased": 0, "rows": 0, "data_changed": 1, "children": 0, "new": 0, "not_selected": 2}
        rest = store.rebase("video/raw", samples=changed)
        assert (rest["rebased"], rest["data_changed"]) == (2, 1)
        assert _stale(store, "video/raw", changed) == {"v3": ["audio", "frames"]}  # v3 is recomputed, not rebased
        for key in ("video/chunk", "video/faces"):
            assert store.resolve(key).counts()["stale"] == 0, key


def test_a_reformatted_definition_rebases_every_child(engine_dir: Path) -> None:
    _populate(engine_dir, VIDEOS)
    with sqlxy.load_project(engine_dir).store() as store:  # v3's audio changes and is written: its chunks
        new_audio = _with_audio(VIDEOS, "v3", "a3-new")      # are stale by upstream data
        store.write("video/raw", store.resolve("video/raw", samples=new_audio).to_write())
        assert _stale(store, "video/chunk") == {"v3": ["audio"]}
    _edit(engine_dir, "chunk.yaml", COUNT, REFORMATTED)
    with sqlxy.load_project(engine_dir).store() as store:
        assert set(_stale(store, "video/chunk")) == {"v1", "v2", "v3", "v4"}
        before = _rows(store, "video/chunk")
        result = store.rebase("video/chunk", run_id="rebase-chunk")
        # v1 3 chunks, v2 5, v4 its empty-parent row; v3 stays stale
        assert _counts(result) == {"rebased": 3, "rows": 9, "data_changed": 1, "children": 0, "new": 0,
                                   "not_selected": 0}
        assert result["per"] == ["video_id"]
        assert _stale(store, "video/chunk") == {"v3": ["audio", "frames"]}  # both: it is not rebased
        after = _rows(store, "video/chunk")
        assert set(after) == set(before) and len(after) == 14
        for sample, row in after.items():
            old = before[sample]
            _kept(old, row, [*DATA_VERSIONS, "video_id", "chunk_index", "start_s", "sqlxy_created_at"])
            rebased = row["video_id"] != "v3"
            assert (row["sqlxy_run_id"] == "rebase-chunk") is rebased, sample
            assert (row["sqlxy_provenance__frames"] != old["sqlxy_provenance__frames"]) is rebased, sample
        assert store.resolve("video/faces").counts() == {"new": 0, "stale": 0, "orphaned": 0}


# -- maintained increments (the engines that keep a change log) ----------------------------------

@pytest.fixture(params=["duckdb", "postgres"])
def logged_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    shutil.copytree(REPO / "features", tmp_path / "features")
    (tmp_path / "sqlxy.yaml").write_text(yaml.safe_dump(target_config(request.param, request, tmp_path)))
    return tmp_path


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(({name: row[name] for name in sorted(row)} for row in table.to_pylist()), key=repr)


def _same_as_full(store: sqlxy.Store, key: str) -> str:
    """The feature's (maintained) increment equals the full recompute; returns how it was made."""
    increment = store.resolve(key)
    full = store._runner.fetch(key, Query.RESOLVE, IncrementParams())
    change = full.column("sqlxy_change")
    live = full.filter(pc.not_equal(change, "orphaned")).drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"])
    parts = [increment.new.append_column("sqlxy_change", pa.array(["new"] * increment.new.num_rows)),
             increment.stale.drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"]).append_column(
                 "sqlxy_change", pa.array(["stale"] * increment.stale.num_rows))]
    assert _sorted(pa.concat_tables(parts, promote_options="permissive")) == _sorted(live), increment.how
    assert increment.orphaned.num_rows == full.filter(pc.equal(change, "orphaned")).num_rows
    return increment.how


def test_resolve_after_a_rebase_equals_the_full_recompute(logged_dir: Path) -> None:
    _populate(logged_dir)
    with sqlxy.load_project(logged_dir).store() as store:
        for key in ("video/chunk", "video/faces"):
            _same_as_full(store, key)  # kept: the next resolves are maintained
    _bump(logged_dir, "audio", "2")
    with sqlxy.load_project(logged_dir).store() as store:
        assert store.rebase("video/raw", samples=SEED_VIDEOS)["rebased"] == 3
        assert _same_as_full(store, "video/chunk") == "maintained (3 keys touched)"
        assert _same_as_full(store, "video/faces").startswith("maintained")
        assert store.resolve("video/chunk").counts()["stale"] == 0
    _edit(logged_dir, "chunk.yaml", COUNT, REFORMATTED)
    with sqlxy.load_project(logged_dir).store() as store:
        _same_as_full(store, "video/chunk")  # full (the feature version changed), and kept
        assert store.rebase("video/chunk")["rows"] == 13
        assert _same_as_full(store, "video/chunk") == "maintained (3 keys touched)"
        assert _same_as_full(store, "video/faces").startswith("maintained")
        assert [store.resolve(k).counts()["stale"] for k in ("video/chunk", "video/faces")] == [0, 0]


# -- DuckDB: what needs one engine ---------------------------------------------------------------

def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _samples_file(root: Path, videos: pa.Table = SEED_VIDEOS) -> str:
    path = root / "videos.csv"
    pacsv.write_csv(videos, path)
    return str(path)


def test_a_dry_run_writes_nothing(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _populate(seed_dir)
    _bump(seed_dir, "audio", "2")
    samples = _samples_file(seed_dir)
    before = _files(seed_dir / "target")
    assert main(["rebase", "video/raw", "--samples", samples, "--dry-run", "--project", str(seed_dir)]) == 0
    assert capsys.readouterr().out == ("video/raw: would rebase 3 samples (3 rows); 0 stale because upstream "
                                       "data changed would stay stale\n")
    with sqlxy.load_project(seed_dir).store(create=False) as store:
        assert store.rebase("video/raw", samples=SEED_VIDEOS, dry_run=True)["rebased"] == 3
    assert _files(seed_dir / "target") == before  # the DuckDB file byte for byte, and no new file


def test_the_command_line(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _populate(seed_dir)
    _bump(seed_dir, "audio", "2")
    samples = _samples_file(seed_dir, _with_audio(SEED_VIDEOS, "v2", "a2-new"))
    project = ["--project", str(seed_dir)]
    assert main(["rebase", "video/raw", "--samples", samples, "--fields", "audio", "--json", *project]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"feature": "video/raw", "rebased": 2, "rows": 2, "data_changed": 1, "children": 0, "new": 0,
                   "not_selected": 0, "fields": ["audio"], "dry_run": False, "per": None}
    _edit(seed_dir, "chunk.yaml", COUNT, REFORMATTED)
    assert main(["rebase", "video/chunk", "--run-id", "r1", *project]) == 0
    assert capsys.readouterr().out == ("video/chunk: rebased 3 samples per video_id (13 rows); 0 stale because "
                                       "upstream data changed stay stale\n")
    with sqlxy.load_project(seed_dir).store() as store:
        assert {r["sqlxy_run_id"] for r in store.read("video/chunk").to_pylist()} == {"r1"}


@pytest.mark.parametrize(("argv", "words"), [
    (["rebase", "video/raw", "--fields", "nope", "--samples", "videos.csv"], "no field 'nope' to rebase (its fields: "
                                                                             "audio, frames)"),
    (["rebase", "video/nope"], "unknown feature 'video/nope'"),
    (["rebase", "video/chunk", "--samples", "videos.csv"], "video/chunk is not a root feature"),
    (["rebase", "video/raw"], "pass its samples"),
    (["rebase", "video/raw", "--fields"], "expected at least one argument"),
])
def test_errors_are_one_line(seed_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    _samples_file(seed_dir)
    assert main([*argv, "--project", str(seed_dir)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and words in captured.err, captured.err


def test_unknown_fields_are_refused_before_anything_runs(seed_store: sqlxy.Store) -> None:
    with pytest.raises(InputError, match=r"video/faces has no field 'audio' to rebase \(its fields: faces\)"):
        seed_store.rebase("video/faces", fields=["audio"])
    with pytest.raises(InputError, match=r"video/raw: no field given to rebase \(None rebases all: audio, frames\)"):
        seed_store.rebase("video/raw", fields=[], samples=SEED_VIDEOS)
    with pytest.raises(SqlxyError, match="unknown feature"):
        seed_store.rebase("video/nope")
    one = seed_store.rebase("video/raw", fields="audio", samples=SEED_VIDEOS)  # one field as a string
    assert (one["fields"], one["new"], one["rebased"]) == (["audio"], 3, 0)


def test_a_version_no_recorded_graph_had_is_not_rebased(seed_dir: Path) -> None:
    """Without the graph the rows were written under, nothing proves that only the code changed."""
    _populate(seed_dir)
    _bump(seed_dir, "audio", "2")
    with sqlxy.load_project(seed_dir).store() as store:
        run_native(store, f'DROP TABLE "{system.HISTORY_TABLE}"')
        result = store.rebase("video/raw", samples=SEED_VIDEOS)
        assert (result["rebased"], result["data_changed"]) == (0, 3)


def test_other_parents_are_not_rebased(seed_dir: Path) -> None:
    """faces reading chunk's audio too: its provenance hashes other parents, so no candidate fits."""
    _populate(seed_dir)
    _edit(seed_dir, "faces.yaml", "fields: [frames]", "fields: [audio, frames]")
    with sqlxy.load_project(seed_dir).store() as store:
        result = store.rebase("video/faces")
        assert (result["rebased"], result["data_changed"]) == (0, 13)


def test_a_generated_expansion_whose_children_changed_is_not_rebased(seed_dir: Path) -> None:
    _populate(seed_dir)
    _edit(seed_dir, "chunk.yaml", COUNT, "CAST(CEIL(duration_s / 5.0) AS INT)")
    with sqlxy.load_project(seed_dir).store() as store:
        result = store.rebase("video/chunk")
        assert _counts(result) == {"rebased": 0, "rows": 0, "data_changed": 0, "children": 3, "new": 0,
                                   "not_selected": 0}


SUMMARY = """
key: video/summary
id_columns: [video_id]
columns: {video_id: string, total_faces: int}
fields:
  - key: total
    code_version: "VERSION"
    deps: [{feature: video/faces, fields: [faces]}]
deps:
  - feature: video/faces
    lineage: {aggregation: {on: [video_id]}}
"""


def test_an_aggregation_rebases_every_member_of_a_group(seed_dir: Path) -> None:
    write_features(seed_dir, {"video/summary.yaml": SUMMARY.replace("VERSION", "1")})
    _populate(seed_dir, VIDEOS)
    with sqlxy.load_project(seed_dir).store() as store:
        rows = store.resolve("video/summary").to_write()
        store.write("video/summary", rows.append_column("total_faces", pa.array([1] * rows.num_rows, pa.int64())))
    write_features(seed_dir, {"video/summary.yaml": SUMMARY.replace("VERSION", "2")})
    with sqlxy.load_project(seed_dir).store() as store:
        result = store.rebase("video/summary")
        assert (result["rebased"], result["rows"], result["per"]) == (3, 3, ["video_id"])
        assert store.resolve("video/summary").counts()["stale"] == 0
