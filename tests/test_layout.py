"""Table layout per engine (docs/design.md): PostgreSQL's indexes and bytewise collation,
ClickHouse's sorting key and non-Nullable ids, on new tables and on tables an older sqlxy made,
which `status` reports and `migrate` brings up to date without changing a row or an increment."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml

import sqlxy
from sqlxy.cli import main
from sqlxy.compiler import Query, system

from .conftest import REPO, write_videos
from .engines import postgres_dsn, run_native, spark_session, target_config  # noqa: F401  (fixture)

FEATURES = ("video/raw", "video/chunk", "video/faces")
TABLES = {"video/raw": "video__raw", "video/chunk": "video__chunk", "video/faces": "video__faces"}


@pytest.fixture(params=["postgres", "clickhouse", "spark"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sqlxy.Store]:
    shutil.copytree(REPO / "features", tmp_path / "features")
    config = target_config(request.param, request, tmp_path)
    (tmp_path / "sqlxy.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with sqlxy.load_project(tmp_path).store() as opened:
        yield opened


def _pg_layout(store: sqlxy.Store, table: str) -> dict[str, object]:
    indexes = store.adapter.fetch_arrow(f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '{table}'")
    columns = store.adapter.fetch_arrow(
        f"SELECT column_name, collation_name FROM information_schema.columns WHERE table_name = '{table}'")
    return {"indexes": {r["indexname"]: r["indexdef"].split(" USING ")[1] for r in indexes.to_pylist()},
            "bytewise": sorted(r["column_name"] for r in columns.to_pylist() if r["collation_name"] == "C")}


def _ch_layout(store: sqlxy.Store, table: str) -> dict[str, object]:
    (key,) = store.adapter.fetch_arrow(f"SELECT sorting_key FROM system.tables WHERE name = '{table}' "
                                       "AND database = currentDatabase()").column(0).to_pylist()
    types = store.adapter.fetch_arrow(f"SELECT name, type FROM system.columns WHERE table = '{table}' "
                                      "AND database = currentDatabase()").to_pylist()
    not_nullable = sorted(r["name"] for r in types if not r["type"].startswith("Nullable"))
    return {"sorting_key": key, "not_nullable": not_nullable}


NEW = {
    "postgres": {
        "video__raw": {"indexes": {"video__raw:latest": "btree (video_id, sqlxy_updated_at DESC NULLS LAST)",
                                   "video__raw:commit": "brin (sqlxy_commit)"},
                       "bytewise": ["sqlxy_provenance", "sqlxy_provenance__audio", "sqlxy_provenance__frames",
                                    "video_id"]},
        "video__chunk": {"indexes": {"video__chunk:latest": "btree (video_chunk_id, sqlxy_updated_at DESC NULLS LAST)",
                                     "video__chunk:markers": "btree (video_id, sqlxy_updated_at DESC NULLS LAST) "
                                                             "WHERE (video_chunk_id IS NULL)",
                                     "video__chunk:commit": "brin (sqlxy_commit)"},
                         "bytewise": ["sqlxy_provenance", "sqlxy_provenance__audio", "sqlxy_provenance__frames",
                                      "video_chunk_id", "video_id"]},
        "video__faces": {"indexes": {"video__faces:latest": "btree (video_chunk_id, sqlxy_updated_at DESC NULLS LAST)",
                                     "video__faces:commit": "brin (sqlxy_commit)"},
                         "bytewise": ["sqlxy_provenance", "sqlxy_provenance__faces", "video_chunk_id"]},
    },
    "clickhouse": {  # the chunk id stays Nullable: NULL in the rows recording a video without chunks
        "video__raw": {"sorting_key": "video_id, sqlxy_updated_at", "not_nullable": ["sqlxy_updated_at", "video_id"]},
        "video__chunk": {"sorting_key": "video_chunk_id, sqlxy_updated_at", "not_nullable": ["sqlxy_updated_at"]},
        "video__faces": {"sorting_key": "video_chunk_id, sqlxy_updated_at",
                         "not_nullable": ["sqlxy_updated_at", "video_chunk_id"]},
    },
    "spark": {  # bucketed by the ids: a resolve ranks and joins them bucket by bucket
        "video__raw": {"buckets": "8", "by": "[`video_id`]"},
        "video__chunk": {"buckets": "8", "by": "[`video_chunk_id`]"},
        "video__faces": {"buckets": "8", "by": "[`video_chunk_id`]"},
    },
}


def _spark_layout(store: sqlxy.Store, table: str) -> dict[str, object]:
    schema = store.compiler.config.schema
    name = f"{schema}.{table}" if schema else table
    described = store.adapter.fetch_arrow(f"DESCRIBE TABLE EXTENDED {name}").to_pylist()
    details = {r["col_name"]: r["data_type"] for r in described}
    return {"buckets": details.get("Num Buckets"), "by": details.get("Bucket Columns")}


def _layouts(store: sqlxy.Store) -> dict[str, dict[str, object]]:
    read = {"postgres": _pg_layout, "clickhouse": _ch_layout, "spark": _spark_layout}[store.adapter.dialect]
    return {table: read(store, table) for table in TABLES.values()}


def _populate(store: sqlxy.Store) -> None:
    """Three videos, one of 0 s (a row recording a parent without children), chunks, faces."""
    write_videos(store, [30.0, 0.0, 45.0])
    store.materialize("video/chunk")
    faces = store.resolve("video/faces").to_write()
    store.write("video/faces", faces.append_column("num_faces", pc.cast(pc.utf8_length(faces["video_chunk_id"]),
                                                                        pa.int64())))


def _snapshot(store: sqlxy.Store) -> dict[str, object]:
    """Every feature's current rows (tombstones too) and its increment."""
    rows = {k: sorted(store.read(k, include_deleted=True).to_pylist(), key=repr) for k in FEATURES}
    return {"rows": rows, "changes": {k: store.resolve(k).counts() for k in FEATURES[1:]}}


def _layout_column(store: sqlxy.Store) -> dict[str, str]:
    return {row["feature"]: row["layout"] for row in store.status()}


def test_new_tables_have_the_engines_layout(store: sqlxy.Store) -> None:
    _populate(store)
    assert _layouts(store) == NEW[store.adapter.dialect]
    assert set(_layout_column(store).values()) == {"ok"}
    assert store.migrate() == [{"feature": k, "migrated": []} for k in FEATURES]
    assert store.resolve("video/chunk").counts() == {"new": 0, "stale": 0, "orphaned": 0}


def _create_the_old_way(store: sqlxy.Store) -> None:
    """The tables as sqlxy made them before it had a layout: DuckDB's plain CREATE, transpiled."""
    if store.compiler.config.schema:
        store.adapter.execute(system.create_schema(store.compiler.config.schema, store.adapter.dialect))
    for key in FEATURES:
        for statement in store.compiler.statements(key, Query.CREATE, "duckdb"):
            run_native(store, statement)


def test_old_tables_are_reported_and_migrated(store: sqlxy.Store) -> None:
    _create_the_old_way(store)
    postgres = store.adapter.dialect == "postgres"
    layout = _layout_column(store)
    assert all(text.startswith("old: ") for text in layout.values()), layout
    if postgres:
        assert layout["video/raw"] == (
            "old: no index video__raw:latest; no index video__raw:commit; no trigger noticing writes outside "
            "sqlxy; video_id, sqlxy_provenance__audio, sqlxy_provenance__frames, sqlxy_provenance compare by "
            "the database's locale, not bytewise; run `sqlxy migrate video/raw`")
    elif store.adapter.dialect == "clickhouse":
        assert layout["video/raw"] == ("old: sorted by (tuple()), not (video_id, sqlxy_updated_at); video_id, "
                                       "sqlxy_updated_at Nullable; run `sqlxy migrate video/raw`")
    else:
        assert layout["video/raw"] == ("old: bucketed by (nothing), not (video_id) into 8 buckets; "
                                       "run `sqlxy migrate video/raw`")
    _populate(store)  # old tables keep working; PostgreSQL's writes add the missing indexes
    if postgres:
        assert all(not _pg_layout(store, t)["bytewise"] for t in TABLES.values())
        assert {t: set(v["indexes"]) for t, v in _layouts(store).items()} == \
            {t: set(v["indexes"]) for t, v in NEW["postgres"].items()}
        assert "no index" not in _layout_column(store)["video/chunk"]
    before = _snapshot(store)
    migrated = store.migrate()
    assert [row["feature"] for row in migrated] == list(FEATURES) and all(row["migrated"] for row in migrated)
    assert _layouts(store) == NEW[store.adapter.dialect]
    assert set(_layout_column(store).values()) == {"ok"}
    assert _snapshot(store) == before
    assert store.migrate(["video/raw"]) == [{"feature": "video/raw", "migrated": []}]
    # and the migrated tables take writes as new ones do
    write_videos(store, [30.0, 0.0, 45.0], audio="b")
    assert store.resolve("video/chunk").counts() == {"new": 0, "stale": 3, "orphaned": 0}
    store.materialize("video/chunk")
    assert store.resolve("video/chunk").counts() == {"new": 0, "stale": 0, "orphaned": 0}


@pytest.mark.parametrize("store", ["clickhouse"], indirect=True)
def test_a_clickhouse_migration_cut_short_is_reported_and_completed(store: sqlxy.Store) -> None:
    """ClickHouse rebuilds a table through a copy: one left by a stop before the swap is reported,
    and dropped by the next migrate."""
    _create_the_old_way(store)
    _populate(store)
    before = _snapshot(store)
    # stopped after the copy was filled, before the swap: the old table is untouched
    statements = store.adapter.migration("video__raw", None, store.compiler.model("video/raw"),
                                         store.compiler.statements("video/raw", Query.CREATE, "clickhouse"))
    for statement in statements[:statements.index(next(s for s in statements if s.startswith("EXCHANGE")))]:
        store.adapter.execute(statement)
    assert "video__raw__sqlxy_migrating left by a migration cut short" in _layout_column(store)["video/raw"]
    store.migrate()
    assert "video__raw__sqlxy_migrating" not in store.adapter.fetch_arrow(
        "SELECT name FROM system.tables WHERE database = currentDatabase()").column(0).to_pylist()
    assert set(_layout_column(store).values()) == {"ok"}
    assert _snapshot(store) == before


@pytest.mark.parametrize("store", ["spark"], indirect=True)
def test_a_spark_rewrite_cut_short_is_reported_and_never_overwritten(store: sqlxy.Store) -> None:
    """Spark rebuilds a table through the copy a hard delete keeps; one left by a rewrite cut short
    may hold the only rows, so status names it and migrate refuses to run over it."""
    _create_the_old_way(store)
    _populate(store)
    schema = store.compiler.config.schema
    copy = f"{schema}.video__raw__sqlxy_kept" if schema else "video__raw__sqlxy_kept"
    store.adapter.execute(f"CREATE TABLE {copy} USING PARQUET AS SELECT * FROM {copy.replace('__sqlxy_kept', '')}")
    assert "video__raw__sqlxy_kept left by a delete or migration cut short" in _layout_column(store)["video/raw"]
    with pytest.raises(sqlxy.SqlxyError, match="video__raw__sqlxy_kept exists"):
        store.migrate(["video/raw"])
    assert store.adapter.fetch_arrow(f"SELECT COUNT(*) AS n FROM {copy}").column(0)[0].as_py() == 3


def test_engines_without_a_layout_report_none(seed_store: sqlxy.Store) -> None:
    assert {row["layout"] for row in seed_store.status()} == {"ok"}
    assert seed_store.migrate() == [{"feature": k, "migrated": []} for k in FEATURES]


def test_migrate_from_the_cli(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--project", str(seed_dir), "--select", "video/raw"]) == 0
    assert capsys.readouterr().out == "video/raw: already had the layout\n"
    assert main(["status", "--project", str(seed_dir)]) == 0
    assert "layout" in capsys.readouterr().out.splitlines()[0]
