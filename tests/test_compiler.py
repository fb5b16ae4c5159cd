"""The compiler's typed API (`sqlxy/compiler/`): queries are an enum with one parameter object
each, the model is built once per feature, and column order is no hidden contract."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pyarrow.compute as pc
import pytest
import sqlglot
from sqlglot import exp

import sqlxy
from sqlxy.compiler import IncrementParams, MaterializeParams, Query, ReadParams, WriteParams
from sqlxy.compiler import model as model_module
from sqlxy.compiler.model import SYSTEM_COLUMNS, Column
from sqlxy.errors import SqlxyError

from .conftest import REPO, write_videos


def test_queries_are_checked(seed_project: sqlxy.Project) -> None:
    compiler = seed_project.compiler
    with pytest.raises(SqlxyError, match=r"unknown query 'nonsense' \(known: create, extend, "):
        compiler.statements("video/raw", "nonsense")
    with pytest.raises(TypeError, match="query resolve takes IncrementParams, not WriteParams"):
        compiler.statements("video/raw", Query.RESOLVE, params=WriteParams(run_id="r"))
    assert str(Query.SOFT_DELETE) == "soft_delete" and f"{Query.INSERT}.sql" == "insert.sql"


def test_parameters_reach_the_sql(seed_project: sqlxy.Project) -> None:
    compiler = seed_project.compiler
    (plain,) = compiler.statements("video/chunk", Query.RESOLVE)
    (predicate,) = compiler.statements("video/chunk", Query.RESOLVE,
                                       params=IncrementParams(stale_if='"chunk_index" > 3'))
    assert "chunk_index\" > 3" in predicate and "chunk_index\" > 3" not in plain
    (read,) = compiler.statements("video/raw", Query.CURRENT, params=ReadParams(where='"path" = \'x\''))
    assert "\"path\" = 'x'" in read
    (rows,) = compiler.statements("video/chunk", Query.MATERIALIZE,
                                  params=MaterializeParams(staged=True, run_id="run-7"))
    assert '"sqlxy_increment"' in rows and "'run-7'" in rows


def test_model_is_built_once_and_typed(seed_project: sqlxy.Project) -> None:
    compiler = seed_project.compiler
    chunk = compiler.model("video/chunk")
    assert compiler.model("video/chunk") is chunk
    assert chunk.keys == ("video_id",) and chunk.child_id == "video_chunk_id"
    assert all(isinstance(c, Column) for c in chunk.table_columns)
    assert chunk.table_column_names[-len(SYSTEM_COLUMNS):] == [c.name for c in SYSTEM_COLUMNS]
    assert all(isinstance(f.expected, exp.Expression) for f in chunk.fields)
    assert compiler.table_name("video/chunk") == "video__chunk"


def _insert_pairs(sql: str) -> dict[str, exp.Expression]:
    """column → the value the INSERT's final SELECT gives it."""
    insert = sqlglot.parse_one(sql, read="duckdb")
    columns = [c.name for c in insert.this.expressions]
    select = insert.expression
    while isinstance(select, exp.Union):  # expansions put tombstones first
        select = select.expression
    return dict(zip(columns, select.expressions, strict=True))


@pytest.mark.parametrize("order", ["as declared", "reversed"])
def test_insert_values_follow_column_names(seed_project: sqlxy.Project, order: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Reordering the system columns moves each value with its column."""
    if order == "reversed":
        monkeypatch.setattr(model_module, "SYSTEM_COLUMNS", tuple(reversed(SYSTEM_COLUMNS)))
    project = sqlxy.load_project(seed_project.root)
    pairs = _insert_pairs(project.compiler.render("video/raw", Query.INSERT, header=False))
    assert pairs["sqlxy_feature_version"].name == project.versions.features["video/raw"]
    assert pairs["sqlxy_project_version"].name == project.versions.project
    assert isinstance(pairs["sqlxy_provenance"], exp.MD5) and isinstance(pairs["sqlxy_data_version"], exp.MD5)
    assert "sqlxy_provenance__audio" in pairs["sqlxy_provenance"].sql()
    assert "sqlxy_data_version__audio" in pairs["sqlxy_data_version"].sql()
    assert pairs["sqlxy_run_id"].name == "sqlxy_run_id"
    assert isinstance(pairs["sqlxy_deleted_at"], exp.Cast)
    for name in ("video_id", "path", "sqlxy_provenance__frames", "sqlxy_data_version__frames"):
        assert pairs[name].name == name


def test_reordered_system_columns_store_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written with the system columns in reverse order, each value still lands in its column."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    monkeypatch.setattr(model_module, "SYSTEM_COLUMNS", tuple(reversed(SYSTEM_COLUMNS)))
    project = sqlxy.load_project(tmp_path)
    with project.store(connection=None) as store:
        write_videos(store, [12.0, 0.0])
        rows = store.read("video/raw").sort_by("video_id")
    assert rows.column_names[-1] == "sqlxy_provenance"  # the table itself was created reversed
    assert rows.column("sqlxy_deleted_at").null_count == rows.num_rows
    assert rows.column("sqlxy_feature_version").to_pylist() == [project.versions.features["video/raw"]] * 2
    assert pc.all(pc.equal(pc.utf8_length(rows.column("sqlxy_provenance")), 32)).as_py()
    assert pc.all(pc.less_equal(rows.column("sqlxy_created_at"), rows.column("sqlxy_updated_at"))).as_py()


def test_a_system_column_without_a_value_fails_the_render(seed_project: sqlxy.Project,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "SYSTEM_COLUMNS", (*SYSTEM_COLUMNS, Column("sqlxy_extra", "VARCHAR")))
    project = sqlxy.load_project(seed_project.root)
    with pytest.raises(jinja2.UndefinedError, match="sqlxy_extra"):
        project.compiler.render("video/raw", Query.INSERT)
