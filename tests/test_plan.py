"""`sqlxy plan` (and `diff`, its alias without counts): per feature and field what a spec change
does against a base (the graph last pushed, or a manifest), why, what field-level lineage leaves
untouched, and how many samples a run would make new, stale or orphaned, counted in the database
without writing anything."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlglot import exp

import sqlxy
from sqlxy import diff
from sqlxy.cli import main
from sqlxy.compiler import state, system
from sqlxy.compiler.model import STATE_TABLE
from sqlxy.compiler.names import pending_table
from sqlxy.errors import SqlxyError
from sqlxy.versions import canonical_json, normalised_spec

from .conftest import REPO, SEED_VIDEOS, write_features
from .engines import fetch_native, postgres_dsn, spark_session  # noqa: F401  (fixtures)


def _populate(store: sqlxy.Store) -> None:
    """The seed pipeline run once: 3 videos, their 13 chunks and faces."""
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    store.materialize("video/chunk")
    faces = store.resolve("video/faces").to_write()
    store.write("video/faces", faces.append_column("num_faces", pc.cast(pc.utf8_length(faces["video_chunk_id"]),
                                                                           pa.int64())))


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "features" / "video" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bump_audio(root: Path) -> None:
    _edit(root, "raw.yaml", 'key: audio\n    code_version: "1"', 'key: audio\n    code_version: "2"')


def _pushed(root: Path) -> None:
    with sqlxy.load_project(root).store() as store:
        _populate(store)
        store.push()


def _by_feature(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["feature"]: e for e in plan["features"]}


def _why(entry: dict[str, Any]) -> dict[str, list[dict[str, Any]] | str]:
    """Field → its reasons, or `added` / `removed`; unchanged fields left out."""
    return {f["field"]: f["reasons"] if f["change"] == "changed" else f["change"]
            for f in entry["fields"] if f["change"] != "unchanged"}


def _everything(store: sqlxy.Store) -> dict[str, list[str]]:
    """Every row of every table sqlxy makes on the target (feature tables, history, state)."""
    tables = [store.compiler.table_name(k) for k in store.graph.order]
    names = [*tables, *(pending_table(t) for t in tables), system.HISTORY_TABLE, STATE_TABLE,
             state.INCREMENTS_TABLE]
    found = {}
    for name in names:
        if store.adapter.columns(name, store.config.schema) is not None:
            query = exp.select("*").from_(exp.table_(name, db=store.config.schema, quoted=True)).sql("duckdb")
            found[name] = sorted(repr(sorted(r.items())) for r in fetch_native(store, query).to_pylist())
    return found


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_seed_audio_bump_against_the_pushed_graph(seed_dir: Path) -> None:
    """The prunable update: raw and chunk change on audio, faces reads only frames and stays."""
    _pushed(seed_dir)
    _bump_audio(seed_dir)
    before = _files(seed_dir / "target")
    plan = sqlxy.load_project(seed_dir).plan()
    assert _files(seed_dir / "target") == before  # the DuckDB file byte for byte, and no new file
    assert plan["base"] == {"kind": "push", "target": "dev", "pushed_at": plan["base"]["pushed_at"]}
    assert plan["counted_on"] == "dev" and plan["recompute"] is True
    raw, chunk, faces = (_by_feature(plan)[k] for k in ("video/raw", "video/chunk", "video/faces"))
    assert raw["change"] == "changed" and _why(raw) == {"audio": [{"kind": "code_version", "base": "1",
                                                                   "current": "2"}]}
    assert raw["counts"] == {"new": None, "stale": 3, "orphaned": None, "by_version": 3, "per": None,
                             "stale_fields": [], "exact": True}
    assert chunk["change"] == "changed" and _why(chunk) == {"audio": [{"kind": "upstream",
                                                                       "field": "video/raw:audio"}]}
    # counted per parent (as resolve and status count an expansion): all 3 videos, whose chunks a
    # resolve finds stale once video/raw has been rewritten
    assert chunk["counts"] == {"new": 0, "stale": 3, "orphaned": 0, "by_version": 3, "per": ["video_id"],
                               "stale_fields": [], "exact": True}
    assert faces["change"] == "untouched" and faces["reads"] == ["video/chunk:frames"]
    assert faces["version"]["base"] == faces["version"]["current"] and _why(faces) == {}
    assert faces["counts"] == {"new": 0, "stale": 0, "orphaned": 0, "by_version": 0, "per": None,
                               "stale_fields": [], "exact": True}
    # what the counts promise is what the pipeline then finds
    with sqlxy.load_project(seed_dir).store() as store:
        stale = store.resolve("video/raw", samples=SEED_VIDEOS).stale
        assert stale.num_rows == 3 and set(map(tuple, stale["sqlxy_stale_fields"].to_pylist())) == {("audio",)}
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
        assert store.resolve("video/chunk").counts() == {"new": 0, "stale": 3, "orphaned": 0}
        assert store.materialize("video/chunk")["written"] == 13
        assert store.resolve("video/faces").counts() == {"new": 0, "stale": 0, "orphaned": 0}


def test_the_human_plan_and_exit_codes(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = ["--project", str(seed_dir)]
    _pushed(seed_dir)
    assert main(["plan", "--exit-code", *project]) == 0  # nothing changed, nothing pending
    out = capsys.readouterr().out
    assert "3 unchanged" in out and "nothing to recompute" in out
    _bump_audio(seed_dir)
    assert main(["plan", *project]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("plan against the graph pushed to target 'dev' at ")
    table = [" ".join(line.split()) for line in lines[2:7]]
    assert table[0].startswith("video/raw version ") and table[0].endswith(" 3 stale")
    assert table[1] == "audio code_version 1 → 2"
    assert table[2].startswith("video/chunk version ")
    assert table[2].endswith("3 stale once upstream runs (per video_id)")
    assert table[3] == "audio upstream video/raw:audio"
    assert table[4] == "video/faces unchanged (reads only video/chunk:frames) 0"
    assert main(["plan", "--exit-code", *project]) == 3
    assert main(["plan", "--exit-code", "--no-counts", *project]) == 3
    capsys.readouterr()
    # a spec edit that changes no version, nothing pending: nothing to recompute
    _bump_audio_back = ('key: audio\n    code_version: "2"', 'key: audio\n    code_version: "1"')
    _edit(seed_dir, "raw.yaml", *_bump_audio_back)
    _edit(seed_dir, "faces.yaml", "Faces detected", "Faces found")
    assert main(["plan", "--exit-code", "--json", *project]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [e["change"] for e in plan["features"]] == ["unchanged", "unchanged", "spec only"]
    assert plan["recompute"] is False


def test_json_shape(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _pushed(seed_dir)
    _bump_audio(seed_dir)
    assert main(["plan", "--json", "--project", str(seed_dir)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert set(plan) == {"base", "project_version", "counted_on", "recompute", "features"}
    assert set(plan["project_version"]) == {"base", "current"}
    for entry in plan["features"]:
        assert set(entry) == {"feature", "change", "version", "spec_changed", "deps", "fields", "reads",
                              "changed_deps", "resampled_deps", "counts"}
        assert entry["change"] in diff.CHANGES and set(entry["deps"]) == {"added", "removed"}
        assert set(entry["counts"]) == {"new", "stale", "orphaned", "by_version", "per", "stale_fields", "exact"}
        for field in entry["fields"]:
            assert set(field) == {"field", "change", "version", "reasons"}
            assert all(r["kind"] in ("code_version", "definition", "upstream", "mapping", "hash", "other")
                       for r in field["reasons"])


def test_no_base_is_an_error_that_says_what_to_do(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SqlxyError, match="no base to plan against"):
        sqlxy.load_project(seed_dir).plan()
    assert main(["plan", "--project", str(seed_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sqlxy push" in err and "--base" in err and "Traceback" not in err
    assert not (seed_dir / "target").exists()  # nothing created to find that out


@pytest.mark.parametrize(("text", "message"), [
    (None, "no manifest at"),
    ("{", "is not a manifest"),
    ("[]", "is not a sqlxy manifest (no 'features')"),
    ('{"features": {"video/raw": {"version": "a", "spec_hash": "b", "fields": {"audio": {}}}}}',
     "field 'video/raw:audio' needs a version"),
    ('{"features": {"video/raw": {"version": "a", "spec_hash": "b", "fields": {}, "deps": [1]}}}',
     "the deps of feature 'video/raw' are not a list"),
    ('{"project_version": 3, "features": {}}', "'project_version' is not text"),
])
def test_a_bad_manifest_is_a_user_error(seed_dir: Path, capsys: pytest.CaptureFixture[str], text: str | None,
                                        message: str) -> None:
    base = seed_dir / "base.json"
    if text is not None:
        base.write_text(text, encoding="utf-8")
    assert main(["plan", "--base", str(base), "--project", str(seed_dir)]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def _manifest(root: Path) -> Path:
    assert main(["compile", "--project", str(root)]) == 0
    base = root / "base.json"
    shutil.copy(root / "target" / "manifest.json", base)
    return base


def test_a_manifest_and_the_pushed_graph_give_the_same_plan(seed_dir: Path) -> None:
    _pushed(seed_dir)
    base = _manifest(seed_dir)
    _bump_audio(seed_dir)
    project = sqlxy.load_project(seed_dir)
    pushed, manifest = project.plan(), project.plan(base=base)
    assert manifest["base"] == {"kind": "manifest", "path": str(base)}
    assert pushed["features"] == manifest["features"] and pushed["project_version"] == manifest["project_version"]
    assert project.plan(base=base, counts=False)["features"] == \
        [e | {"counts": None} for e in manifest["features"]]


def test_diff_is_plan_without_counts(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _manifest(seed_dir)
    _bump_audio(seed_dir)
    capsys.readouterr()
    project = ["--base", str(base), "--project", str(seed_dir)]
    assert main(["diff", *project]) == 0
    said = capsys.readouterr().out
    assert main(["plan", "--no-counts", *project]) == 0
    assert capsys.readouterr().out == said and "samples not counted" in said
    assert not (seed_dir / "target" / "sqlxy.duckdb").exists()


def test_a_definition_change(seed_dir: Path) -> None:
    _pushed(seed_dir)
    before = sqlxy.load_project(seed_dir).versions.definitions["video/chunk"]
    _edit(seed_dir, "chunk.yaml", "duration_s / 10.0", "duration_s / 5.0")
    project = sqlxy.load_project(seed_dir)
    plan = _by_feature(project.plan())
    definition = {"kind": "definition", "base": before, "current": project.versions.definitions["video/chunk"]}
    assert _why(plan["video/chunk"]) == {"audio": [definition], "frames": [definition]}
    assert plan["video/chunk"]["counts"]["stale"] == 3 and plan["video/chunk"]["counts"]["by_version"] == 0
    assert plan["video/raw"]["change"] == "unchanged"
    assert _why(plan["video/faces"]) == {"faces": [{"kind": "upstream", "field": "video/chunk:frames"}]}
    assert plan["video/faces"]["counts"]["stale"] == 13  # every face row, once the chunks are rewritten


def test_fields_added_and_removed(seed_dir: Path) -> None:
    _pushed(seed_dir)
    _edit(seed_dir, "chunk.yaml", "fields: [audio, frames]", "fields: [frames, motion]")
    plan = _by_feature(sqlxy.load_project(seed_dir).plan())
    chunk = plan["video/chunk"]
    assert chunk["change"] == "changed" and _why(chunk) == {"motion": "added", "audio": "removed"}
    assert chunk["counts"]["stale"] == 3  # every parent's chunks lack motion
    assert plan["video/faces"]["change"] == "untouched" and plan["video/faces"]["reads"] == ["video/chunk:frames"]
    _edit(seed_dir, "chunk.yaml", "fields: [frames, motion]", "fields: [frames]")
    chunk = _by_feature(sqlxy.load_project(seed_dir).plan())["video/chunk"]
    assert _why(chunk) == {"audio": "removed"}
    assert chunk["counts"] == {"new": 0, "stale": 0, "orphaned": 0, "by_version": 0, "per": ["video_id"],
                               "stale_fields": [], "exact": True}


LINEAGE = {
    "a.yaml": """
key: t/a
id_columns: [id]
columns: {id: string}
fields: [{key: x, code_version: "1"}, {key: y, code_version: "1"}]
source: {versions: {x: xv, y: yv}}
""",
    "b.yaml": """
key: t/b
id_columns: [id]
columns: {id: string}
fields: [{key: z, code_version: "1"}]
source: {versions: {z: zv}}
""",
    "c.yaml": """
key: t/c
id_columns: [id]
columns: {id: string}
fields: [x, y]
deps: [t/a]
""",
}


def test_deps_added_and_mapping_changed(tmp_path: Path) -> None:
    root = write_features(tmp_path, LINEAGE)
    base = _manifest(root)
    spec = root / "features" / "c.yaml"
    spec.write_text(LINEAGE["c.yaml"].replace("deps: [t/a]", "deps: [t/a, t/b]"), encoding="utf-8")
    plan = _by_feature(sqlxy.load_project(root).plan(base=base, counts=False))
    mapping = [{"kind": "mapping", "added": ["t/b:z"], "removed": []}]
    assert plan["t/c"]["deps"] == {"added": ["t/b"], "removed": []}
    assert _why(plan["t/c"]) == {"x": mapping, "y": mapping}
    spec.write_text(LINEAGE["c.yaml"].replace("deps: [t/a]", "deps: [{feature: t/a, fields_mapping: {x: [y]}}]"),
                    encoding="utf-8")
    plan = _by_feature(sqlxy.load_project(root).plan(base=base, counts=False))
    assert plan["t/c"]["deps"] == {"added": [], "removed": []}
    assert _why(plan["t/c"]) == {"x": [{"kind": "mapping", "added": ["t/a:y"], "removed": ["t/a:x"]}],
                                 "y": [{"kind": "mapping", "added": [], "removed": ["t/a:y"]}]}  # unnamed: none
    (root / "features" / "b.yaml").unlink()
    spec.write_text(LINEAGE["c.yaml"].replace('fields: [x, y]', 'fields: [x, y]\ndescription: C'), encoding="utf-8")
    plan = _by_feature(sqlxy.load_project(root).plan(base=base, counts=False))
    assert plan["t/b"]["change"] == "removed" and plan["t/c"]["change"] == "spec only"
    assert [f["change"] for f in plan["t/b"]["fields"]] == ["removed"]


def test_select(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _pushed(seed_dir)
    _bump_audio(seed_dir)
    project = sqlxy.load_project(seed_dir)
    assert [e["feature"] for e in project.plan(select=["video/faces"])["features"]] == ["video/faces"]
    assert [e["feature"] for e in project.plan(select=["+video/chunk"])["features"]] == ["video/raw", "video/chunk"]
    only_faces = project.plan(select=["video/faces"], counts=True)
    assert only_faces["recompute"] is False  # untouched, nothing pending
    assert main(["plan", "--select", "video/nope", "--project", str(seed_dir)]) == 1
    assert "unknown feature 'video/nope'" in capsys.readouterr().err


KITCHEN_SINK = {
    "all.yaml": """
features:
  - key: k/src
    id_columns: [id]
    columns: {id: string, grp: string, v: int}
    fields: [{key: x, code_version: "3"}, y]
    source:
      query: "SELECT 'i' AS id, 'g' AS grp, 1 AS v, 'x1' AS xv, 'y1' AS yv"
      versions: {x: xv, y: yv}
    metadata: {owner: me, tags: [a, b], nested: {k: 1}}
  - key: k/b
    id_columns: [id]
    columns: {id: string}
    fields:
      - x
      - key: z
        deps: [{feature: k/src, fields: "*"}]
    deps:
      - feature: k/src
        rename: {v: value}
        select: [value, grp]
        filter: "value > 0"
        fields_mapping: {x: [y]}
  - key: k/agg
    id_columns: [grp]
    columns: {grp: string}
    fields: [x]
    deps:
      - feature: k/b
        lineage: {aggregation: {on: [grp]}}
""",
}


def _projects(tmp_path: Path) -> list[Path]:
    seed = tmp_path / "seed"
    shutil.copytree(REPO / "features", seed / "features")
    roots = [seed, write_features(tmp_path / "sink", KITCHEN_SINK, "hash: sha256\nhash_length: 20\n")]
    for name in ("overview", "aggregation"):
        shutil.copytree(REPO / "examples" / name / "features", tmp_path / name / "features")
        roots.append(tmp_path / name)
    return roots


def test_a_pushed_graph_rebuilds_to_the_versions_it_had(tmp_path: Path) -> None:
    for root in _projects(tmp_path):
        project = sqlxy.load_project(root)
        with project.store() as store:
            store.push()
            pushed = store.last_pushed()
        assert pushed is not None and pushed.project_version == project.versions.project
        for spec in pushed.specs:
            assert canonical_json(spec) == canonical_json(normalised_spec(project.graph.specs[spec["key"]]))
        graph, versions = diff.rebuild(pushed.specs, project.config.hash, project.config.hash_length)
        assert versions == project.versions, root.name  # fields, features, spec hashes, definitions
        assert graph.order == project.graph.order
        assert pushed.versions == project.versions.features and pushed.spec_hashes == project.versions.spec_hashes


def test_a_pushed_graph_that_does_not_rebuild_is_a_user_error(seed_dir: Path) -> None:
    _pushed(seed_dir)
    (seed_dir / "sqlxy.yaml").write_text("hash: sha256\n", encoding="utf-8")
    with pytest.raises(SqlxyError, match=r"does not rebuild to the versions it recorded .*hash or hash_length"):
        sqlxy.load_project(seed_dir).plan()


def test_plan_counts_on_every_engine(engine_dir: Path) -> None:
    """The seed's audio bump counted on each engine (one scenario: Spark and PostgreSQL are slow),
    and every table sqlxy made is row for row the same after the plan."""
    project = sqlxy.load_project(engine_dir)
    with project.store() as store:
        _populate(store)
        store.push()
    _bump_audio(engine_dir)
    project = sqlxy.load_project(engine_dir)
    with project.store(create=False) as store:
        before = _everything(store)
        plan = _by_feature(project.plan())
        assert _everything(store) == before
    assert {k: (e["change"], e["counts"]["stale"], e["counts"]["by_version"]) for k, e in plan.items()} == {
        "video/raw": ("changed", 3, 3), "video/chunk": ("changed", 3, 3), "video/faces": ("untouched", 0, 0)}
    assert plan["video/chunk"]["counts"]["new"] == plan["video/chunk"]["counts"]["orphaned"] == 0
