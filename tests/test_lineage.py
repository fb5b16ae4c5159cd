"""Lineage breadth (SPEC §3, §5–7): aggregation, several deps, optional deps, rename/select/filter,
field mappings, data-version overrides, evolving specs, orphans across the graph — on DuckDB and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

import sqlxy
from sqlxy import provenance as ref
from sqlxy.cli import main

from .conftest import REPO, load_example, write_features
from .engines import postgres_dsn, target_config  # noqa: F401  (fixture)


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


def _project(root: Path, files: dict[str, str], engine: str, request: pytest.FixtureRequest) -> sqlxy.Project:
    write_features(root, files, yaml.safe_dump(target_config(engine, request, root)))
    return sqlxy.load_project(root)


# -- examples --------------------------------------------------------------------------------

def test_aggregation_walkthrough(tmp_path: Path) -> None:
    example = load_example("aggregation")
    steps = dict(example.walkthrough(example.copy_project(tmp_path)))
    first, rerun, rerecorded, new_member, removed = (s["speaker/embedding"] for s in steps.values())
    assert first["new"] == 2  # one increment row per group, never one per member
    assert rerun == {"new": 0, "stale": 0, "orphaned": 0, "stale_ids": [], "orphaned_ids": []}
    assert rerecorded["stale_ids"] == ["alice"] and new_member["stale_ids"] == ["bob"]
    assert removed["orphaned_ids"] == ["alice"] and removed["stale"] == 0


def test_overview_walkthrough(tmp_path: Path) -> None:
    example = load_example("overview")
    steps = dict(example.walkthrough(example.copy_project(tmp_path)))
    bump = steps["3. audio code_version 1 → 2, run"]
    assert bump["video/crop"]["stale_fields"] == ["audio"] and bump["video/crop"]["stale"] == 2
    assert bump["video/stt"]["stale_fields"] == ["transcript"]
    assert bump["video/face_detection"]["stale"] == bump["video/face_detection"]["new"] == 0


# -- aggregation -----------------------------------------------------------------------------

UTTERANCE = (REPO / "examples/aggregation/features/utterance.yaml").read_text()
SPEAKER = (REPO / "examples/aggregation/features/speaker.yaml").read_text()


def test_group_hash_matches_reference_and_member_removal_makes_stale(
        tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    project = _project(tmp_path, {"u.yaml": UTTERANCE, "s.yaml": SPEAKER}, engine, request)
    ids = ["u10", "u9", "ü1", "U2"]  # bytewise order: U2 < u10 < u9 < ü1
    rows = pa.table({"utterance_id": ids, "speaker_id": ["s"] * 4, "path": ["p"] * 4,
                     "audio_sha": ["a", "b", "c", "d"]})
    with project.store() as store:
        store.write("audio/utterance", store.resolve("audio/utterance", samples=rows).to_write())
        (group,) = store.resolve("speaker/embedding").new.to_pylist()
        dvs = {r["utterance_id"]: r["sqlxy_data_version__audio"] for r in store.read("audio/utterance").to_pylist()}
        value = ref.group_value([((i,), dvs[i]) for i in ids])
        assert group["sqlxy_provenance__embedding"] == ref.field_provenance(
            "speaker/embedding:embedding", "1", {"audio/utterance:audio": value})
        store.write("speaker/embedding", [group | {"embedding_path": "e"}])
        store.delete("audio/utterance", "utterance_id = 'u9'")
        assert store.resolve("speaker/embedding").stale["speaker_id"].to_pylist() == ["s"]


# -- several deps ----------------------------------------------------------------------------

ROOT = """
key: {key}
id_columns: [doc_id]
columns: {{doc_id: string, {column}: string}}
fields: [{field}]
source: {{versions: {{{field}: v}}}}
"""
JOINED = """
key: doc/joined
id_columns: [doc_id]
columns: {{doc_id: string}}
fields: [{{key: out, deps: [{{feature: doc/a, fields: [x]}}, {{feature: doc/b, fields: [y]}}]}}]
deps:
  - {{feature: doc/a, optional: {a_optional}, rename: {{title: a_title}}, filter: "a_title <> 'skip'"}}
  - {{feature: doc/b, optional: {b_optional}, select: [body]}}
"""


@pytest.mark.parametrize(("a_optional", "b_optional", "expected_ids"), [
    ("false", "false", ["both"]), ("false", "true", ["a-only", "both"]),
    ("true", "true", ["a-only", "b-only", "both"])])
def test_required_and_optional_deps(tmp_path: Path, engine: str, request: pytest.FixtureRequest,
                                    a_optional: str, b_optional: str, expected_ids: list[str]) -> None:
    files = {"a.yaml": ROOT.format(key="doc/a", column="title", field="x"),
             "b.yaml": ROOT.format(key="doc/b", column="body", field="y"),
             "j.yaml": JOINED.format(a_optional=a_optional, b_optional=b_optional)}
    project = _project(tmp_path, files, engine, request)
    a = pa.table({"doc_id": ["both", "a-only", "skipped"], "title": ["T", "T", "skip"], "v": ["1", "2", "3"]})
    b = pa.table({"doc_id": ["both", "b-only"], "body": ["B", "B2"], "v": ["4", "5"]})
    with project.store() as store:
        store.write("doc/a", store.resolve("doc/a", samples=a).to_write())
        store.write("doc/b", store.resolve("doc/b", samples=b).to_write())
        new = {r["doc_id"]: r for r in store.resolve("doc/joined").new.to_pylist()}
        dv = {(k, r["doc_id"]): r[f"sqlxy_data_version__{f}"] for k, f in (("doc/a", "x"), ("doc/b", "y"))
              for r in store.read(k).to_pylist()}
    assert sorted(new) == expected_ids  # the filter drops "skipped" from doc/a
    assert set(new["both"]) >= {"a_title", "body"}  # renamed and selected columns are carried
    for doc_id, row in new.items():
        want = ref.field_provenance("doc/joined:out", "__initial__",
                                    {"doc/a:x": dv.get(("doc/a", doc_id)), "doc/b:y": dv.get(("doc/b", doc_id))})
        assert row["sqlxy_provenance__out"] == want


# -- field mappings --------------------------------------------------------------------------

PARENT = """
key: m/parent
id_columns: [doc_id]
columns: {doc_id: string}
fields: [a, b, c]
source: {versions: {a: v, b: v, c: v}}
"""


@pytest.mark.parametrize(("mapping", "fields", "expected"), [
    ("default", "[a, z]", {"a": ["a"], "z": ["a", "b", "c"]}),
    ("all", "[a]", {"a": ["a", "b", "c"]}),
    ("none", "[a]", {"a": []}),
    ("{z: [b, c]}", "[a, z]", {"a": [], "z": ["b", "c"]}),
])
def test_fields_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str], mapping: str, fields: str,
                        expected: dict[str, list[str]]) -> None:
    child = f"key: m/child\nid_columns: [doc_id]\ncolumns: {{doc_id: string}}\nfields: {fields}\n" \
            f"deps: [{{feature: m/parent, fields_mapping: {mapping}}}]\n"
    write_features(tmp_path, {"p.yaml": PARENT, "c.yaml": child})
    project = sqlxy.load_project(tmp_path)
    parents = {f: [p for _, p in refs] for f, refs in project.graph["m/child"].field_parents.items()}
    assert parents == expected
    assert main(["graph", "--fields", "--format", "json", "--project", str(tmp_path)]) == 0
    edges = {(e["from"], e["to"]) for e in __import__("json").loads(capsys.readouterr().out)["field_edges"]}
    assert edges == {(f"m/parent:{p}", f"m/child:{f}") for f, ps in expected.items() for p in ps}


def test_star_field_dep_and_versions(tmp_path: Path) -> None:
    child = ("key: m/child\nid_columns: [doc_id]\ncolumns: {doc_id: string}\n"
             "fields: [{key: all, deps: [{feature: m/parent, fields: '*'}]}]\ndeps: [m/parent]\n")
    write_features(tmp_path, {"p.yaml": PARENT, "c.yaml": child})
    versions = sqlxy.load_project(tmp_path).versions
    parent = [f"m/parent:{f}={versions.fields[('m/parent', f)]}" for f in "abc"]
    assert versions.fields[("m/child", "all")] == ref.digest("|".join(["m/child:all", "__initial__", *parent]))


# -- data-version overrides, evolving specs, orphans -----------------------------------------

CHILD = """
key: doc/child
id_columns: [doc_id]
columns: {doc_id: string}
deps: [doc/a]
fields: [{key: x}]
"""


def test_identical_content_does_not_make_downstream_stale(tmp_path: Path, engine: str,
                                                          request: pytest.FixtureRequest) -> None:
    files = {"a.yaml": ROOT.format(key="doc/a", column="title", field="x"), "c.yaml": CHILD}
    project = _project(tmp_path, files, engine, request)
    samples = pa.table({"doc_id": ["d"], "title": ["t"], "v": ["1"]})
    with project.store() as store:
        rows = store.resolve("doc/a", samples=samples).to_write()
        store.write("doc/a", rows.append_column("sqlxy_data_version__x", pa.array(["content-hash-1"])))
        store.write("doc/child", store.resolve("doc/child").to_write())
        changed = samples.set_column(2, "v", pa.array(["2"]))  # the input changed ...
        increment = store.resolve("doc/a", samples=changed)
        assert increment.counts()["stale"] == 1
        # ... but recomputing it produced the same content: same data version
        store.write("doc/a", increment.to_write().append_column("sqlxy_data_version__x", pa.array(["content-hash-1"])))
        assert store.resolve("doc/child").counts() == {"new": 0, "stale": 0, "orphaned": 0}
        store.write("doc/a", increment.to_write().append_column("sqlxy_data_version__x", pa.array(["content-hash-2"])))
        assert store.resolve("doc/child").stale["sqlxy_stale_fields"].to_pylist() == [["x"]]


def test_removed_field_columns_stay_and_adding_a_dep_touches_only_its_fields(
        tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    two = CHILD.replace("fields: [{key: x}]", "fields: [{key: x}, {key: w}]")
    files = {"a.yaml": ROOT.format(key="doc/a", column="title", field="x"),
             "b.yaml": ROOT.format(key="doc/b", column="body", field="y"), "c.yaml": two}
    project = _project(tmp_path, files, engine, request)
    with project.store() as store:
        for key in ("doc/a", "doc/b"):
            store.write(key, store.resolve(key, samples=pa.table({"doc_id": ["d"], "v": ["1"]})).to_write())
        store.write("doc/child", store.resolve("doc/child").to_write())
    (tmp_path / "features/c.yaml").write_text(CHILD)  # field w removed
    with sqlxy.load_project(tmp_path).store() as store:
        assert store.resolve("doc/child").counts() == {"new": 0, "stale": 0, "orphaned": 0}
        assert "sqlxy_provenance__w" in store.adapter.columns("doc__child", None)
    with_b = CHILD.replace("deps: [doc/a]", "deps: [doc/a, {feature: doc/b, fields_mapping: {x: [y]}}]")
    (tmp_path / "features/c.yaml").write_text(with_b)  # dep doc/b added, read by field x only
    with sqlxy.load_project(tmp_path).store() as store:
        stale = store.resolve("doc/child").stale
        assert stale["sqlxy_stale_fields"].to_pylist() == [["x"]]
        store.write("doc/child", store.resolve("doc/child").to_write())
    with_y = with_b.replace("fields: [{key: x}]", "fields: [{key: x}, {key: y, deps: [{feature: doc/b}]}]")
    (tmp_path / "features/c.yaml").write_text(with_y)  # a new field: stale on exactly that field
    with sqlxy.load_project(tmp_path).store() as store:
        stale = store.resolve("doc/child").stale
        assert stale["sqlxy_stale_fields"].to_pylist() == [["y"]]


def test_orphans_across_identity_expansion_and_aggregation(tmp_path: Path, engine: str,
                                                          request: pytest.FixtureRequest) -> None:
    project = _project(tmp_path, {"u.yaml": UTTERANCE, "s.yaml": SPEAKER}, engine, request)
    rows = pa.table({"utterance_id": ["u1", "u2"], "speaker_id": ["s", "s"], "path": ["p", "p"],
                     "audio_sha": ["a", "b"]})
    with project.store() as store:
        store.write("audio/utterance", store.resolve("audio/utterance", samples=rows).to_write())
        store.write("speaker/embedding", [r | {"embedding_path": "e"}
                                          for r in store.resolve("speaker/embedding").to_write().to_pylist()])
        store.delete("audio/utterance", "speaker_id = 's'", hard=True)
        assert store.resolve("speaker/embedding").orphaned.to_pylist() == [{"speaker_id": "s"}]
        status = {r["feature"]: r for r in store.status()}
        assert status["speaker/embedding"]["orphaned"] == 1 and status["audio/utterance"]["rows"] == 0


def test_status_names_the_upstream_a_feature_waits_on(seed_store: sqlxy.Store) -> None:
    from .conftest import SEED_VIDEOS

    seed_store.write("video/raw", seed_store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    status = {r["feature"]: r for r in seed_store.status()}
    assert status["video/chunk"]["new"] == 3 and status["video/chunk"]["waiting_on"] == []
    assert status["video/faces"]["waiting_on"] == ["video/chunk"]
