"""Every executing engine runs the seed walkthrough and computes byte-identical hashes, equal to
the Python reference: unicode ids, a missing optional upstream, md5 and truncated sha256."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

import sqlxy
from sqlxy import provenance as ref

from .conftest import load_example, write_features
from .engines import ENGINES, postgres_dsn, spark_session, target_config  # noqa: F401  (fixtures)

pytestmark = pytest.mark.parametrize("engine", ENGINES)


def _configure(root: Path, engine: str, request: pytest.FixtureRequest, extra: str = "") -> None:
    config = target_config(engine, request, root)
    (root / "sqlxy.yaml").write_text(yaml.safe_dump(config) + extra, encoding="utf-8")


HASH_COLUMNS = ("sqlxy_provenance", "sqlxy_data_version")


def _hashes(store: sqlxy.Store, key: str) -> list[dict[str, object]]:
    rows = store.read(key).to_pylist()
    ids = store.graph[key].spec.id_columns
    keep = [c for c in rows[0] if c.startswith(HASH_COLUMNS)] if rows else []
    return sorted(({**{i: r[i] for i in ids}, **{c: r[c] for c in keep}} for r in rows),
                  key=lambda r: [str(r[i]) for i in ids])


def test_seed_walkthrough(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    example = load_example("expansion")
    reference_dir, engine_dir = tmp_path / "reference", tmp_path / "engine"
    for folder, name in ((reference_dir, "duckdb"), (engine_dir, engine)):
        folder.mkdir()
        example.copy_project(folder)
        _configure(folder, name, request)
    steps = dict(example.walkthrough(engine_dir))
    bump = steps["3. audio code_version 1 → 2, run"]
    assert (bump["video/chunk"]["stale"], bump["video/chunk"]["stale_fields"]) == (3, ["audio"])
    assert bump["video/faces"]["stale"] == bump["video/faces"]["new"] == 0
    assert steps == dict(example.walkthrough(reference_dir))  # re-chunking included
    with sqlxy.load_project(engine_dir).store() as ours, sqlxy.load_project(reference_dir).store() as duck:
        for key in ("video/raw", "video/chunk", "video/faces"):
            assert _hashes(ours, key) == _hashes(duck, key), key


@pytest.mark.parametrize("name", ["aggregation", "overview"])
def test_other_walkthroughs(engine: str, name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Aggregation groups (ordered string aggregation) and multi-feature graphs hash alike everywhere."""
    example = load_example(name)
    reference_dir, engine_dir = tmp_path / "reference", tmp_path / "engine"
    for folder, target in ((reference_dir, "duckdb"), (engine_dir, engine)):
        folder.mkdir()
        example.copy_project(folder)
        _configure(folder, target, request)
    assert dict(example.walkthrough(engine_dir)) == dict(example.walkthrough(reference_dir))
    with sqlxy.load_project(engine_dir).store() as ours, sqlxy.load_project(reference_dir).store() as duck:
        for key in ours.graph.order:
            assert _hashes(ours, key) == _hashes(duck, key), key


RAW = """
key: doc/raw
id_columns: [doc_id]
columns: {doc_id: string, n: int}
fields: [{key: a, code_version: "1"}, b]
source: {versions: {a: a_version, b: b_version}}
"""
EXTRA = """
key: doc/extra
id_columns: [doc_id]
columns: {doc_id: string}
fields: [e]
source: {versions: {e: e_version}}
"""
CHILD = """
key: doc/child
id_columns: [doc_id]
columns: {doc_id: string}
deps: [doc/raw, {feature: doc/extra, optional: true}]
fields:
  - key: both
    deps: [{feature: doc/raw, fields: [a]}, {feature: doc/extra, fields: [e]}]
"""
IDS = ["ascii", "ünï-cödé", "日本語", "emoji 🎥", "quote ' \" \\", "ascii-2"]


@pytest.mark.parametrize("hashing", ["md5", "sha256-16"])
def test_hashes_match_reference(engine: str, hashing: str, request: pytest.FixtureRequest,
                                tmp_path: Path) -> None:
    algorithm, length = ("md5", 32) if hashing == "md5" else ("sha256", 16)
    write_features(tmp_path, {"raw.yaml": RAW, "extra.yaml": EXTRA, "child.yaml": CHILD})
    _configure(tmp_path, engine, request, f"hash: {algorithm}\nhash_length: {length}\n")
    raw = pa.table({"doc_id": IDS, "n": list(range(6)), "a_version": [f"a-{i}" for i in IDS],
                    "b_version": [f"b{i}" for i in range(6)]})
    extra = pa.table({"doc_id": IDS[:3], "e_version": ["é1", "é2", "é3"]})  # the others miss it
    with sqlxy.load_project(tmp_path).store() as store:
        store.write("doc/raw", store.resolve("doc/raw", samples=raw).to_write())
        store.write("doc/extra", store.resolve("doc/extra", samples=extra).to_write())
        child = store.resolve("doc/child").new
        store.write("doc/child", child)
        stored = {r["doc_id"]: r for r in store.read("doc/child").to_pylist()}
    assert sorted(stored) == sorted(IDS)
    for i, doc_id in enumerate(IDS):
        a = ref.root_field_provenance("doc/raw:a", "1", f"a-{doc_id}", algorithm, length)
        e = ref.root_field_provenance("doc/extra:e", "__initial__", f"é{i + 1}", algorithm, length) \
            if i < 3 else None
        both = ref.field_provenance("doc/child:both", "__initial__", {"doc/raw:a": a, "doc/extra:e": e},
                                    algorithm, length)
        row = stored[doc_id]
        assert row["sqlxy_provenance__both"] == row["sqlxy_data_version__both"] == both
        assert row["sqlxy_provenance"] == ref.sample_hash({"both": both}, algorithm, length)
