"""Compiled SQL of the seed project in every dialect: golden files that parse back, determinism,
template overrides, and that the DuckDB output runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlglot

import sqlxy
from sqlxy import dialects
from sqlxy.cli import main

from .conftest import REPO

GOLDEN = REPO / "tests/golden"
UPDATE = os.environ.get("SQLXY_UPDATE_GOLDEN") == "1"


def _compiled(project: sqlxy.Project, dialect: str) -> dict[Path, str]:
    return {Path(project.table(k)) / f"{q}.sql": sql
            for k in project.features for q, sql in project.compile(k, dialect).items()}


@pytest.mark.parametrize("dialect", dialects.names())
def test_golden_files(seed_project: sqlxy.Project, dialect: str) -> None:
    compiled, folder = _compiled(seed_project, dialect), GOLDEN / dialect
    if UPDATE:
        for path, sql in compiled.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(sql, encoding="utf-8")
    on_disk = {p.relative_to(folder) for p in folder.rglob("*.sql")}
    assert on_disk == set(compiled), "set SQLXY_UPDATE_GOLDEN=1 to regenerate golden files"
    for path, sql in compiled.items():
        assert sql == (folder / path).read_text(encoding="utf-8"), f"{dialect}/{path} differs from its golden file"


@pytest.mark.parametrize("path", sorted(GOLDEN.rglob("*.sql")), ids=lambda p: str(p.relative_to(GOLDEN)))
def test_golden_file_parses_back_in_its_dialect(path: Path) -> None:
    dialect = path.relative_to(GOLDEN).parts[0]
    statements = sqlglot.parse(path.read_text(encoding="utf-8"), read=dialect)
    assert statements and all(s is not None for s in statements)


def test_compile_writes_target_and_manifest_without_a_database(seed_dir: Path) -> None:
    assert main(["compile", "--project", str(seed_dir)]) == 0
    first = {p: p.read_bytes() for p in (seed_dir / "target").rglob("*") if p.is_file()}
    assert main(["compile", "--project", str(seed_dir)]) == 0
    second = {p: p.read_bytes() for p in (seed_dir / "target").rglob("*") if p.is_file()}
    assert first == second  # byte-for-byte deterministic
    assert not list(seed_dir.rglob("*.duckdb"))
    manifest = json.loads((seed_dir / "target/manifest.json").read_text())
    chunk = manifest["features"]["video/chunk"]
    assert chunk["lineage"] == "expansion" and chunk["table"] == "video__chunk"
    assert chunk["compiled"]["duckdb"]["resolve"] == "target/compiled/duckdb/video__chunk/resolve.sql"
    assert (seed_dir / chunk["compiled"]["duckdb"]["materialize"]).exists()
    resolve_sql = (seed_dir / "target/compiled/duckdb/video__faces/resolve.sql").read_text()
    assert resolve_sql.startswith("-- sqlxy video/faces · feature version ")


def test_compile_every_dialect_from_the_cli(seed_dir: Path) -> None:
    args = ["compile", "--project", str(seed_dir)]
    for name in dialects.names():
        args += ["--dialect", name]
    assert main(args) == 0
    compiled = {p.name for p in (seed_dir / "target/compiled").iterdir()}
    assert compiled == set(dialects.names())
    manifest = json.loads((seed_dir / "target/manifest.json").read_text())
    assert set(manifest["features"]["video/raw"]["compiled"]) == set(dialects.names())


def test_select_limits_features(seed_dir: Path) -> None:
    assert main(["compile", "--project", str(seed_dir), "--select", "+video/chunk"]) == 0
    tables = {p.name for p in (seed_dir / "target/compiled/duckdb").iterdir()}
    assert tables == {"video__raw", "video__chunk"}


def test_project_template_overrides_builtin(seed_dir: Path) -> None:
    (seed_dir / "templates").mkdir()
    (seed_dir / "templates/orphaned.sql.j2").write_text(
        "SELECT {{ f.keys | join(', ') }} FROM {{ f.table }} WHERE FALSE")
    sql = sqlxy.load_project(seed_dir).compile("video/faces")["orphaned"]
    assert 'FROM "video__faces"' in sql and "WHERE\n  FALSE" in sql


def test_compiled_queries_run_on_duckdb(seed_store: sqlxy.Store) -> None:
    from .conftest import SEED_VIDEOS

    seed_store.write("video/raw", seed_store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    seed_store.materialize("video/chunk")
    seed_store.ensure_table("video/faces")
    for key in ("video/chunk", "video/faces"):
        for query in ("current", "expected", "new", "stale", "orphaned", "status", "resolve"):
            seed_store.adapter.fetch_arrow(seed_store.sql(key, query))
    expected = seed_store.adapter.fetch_arrow(seed_store.sql("video/faces", "expected"))
    assert expected.num_rows == 13
