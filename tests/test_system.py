"""compiler/system.py: the SQL that is not per feature, built with sqlglot and run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from sqlxy.compiler import system
from sqlxy.store.readonly import read_through


@pytest.fixture
def db() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def count(db: duckdb.DuckDBPyConnection, sql: str) -> int:
    return db.execute(sql).fetchall()[0][0]


def test_history_round_trip(db: duckdb.DuckDBPyConnection) -> None:
    db.execute(system.create_schema("meta", "duckdb"))
    db.execute(system.create_schema("meta", "duckdb"))  # IF NOT EXISTS
    db.execute(system.create_history("meta", "duckdb"))
    version = "v'1"  # literals are escaped by sqlglot
    assert count(db, system.history_of_version("meta", version, "duckdb")) == 0
    rows = [[version, "a/b", "f1", "s1", '{"k": "it\'s"}'], [version, "a/c", "f2", "s2", "{}"]]
    db.execute(system.insert_history("meta", rows, "duckdb"))
    assert count(db, system.history_of_version("meta", version, "duckdb")) == 2
    assert count(db, system.history_of_version("meta", "other", "duckdb")) == 0
    assert count(db, system.table_rows(system.HISTORY_TABLE, "meta", "duckdb")) == 2
    stored = db.execute('SELECT feature_key, spec_json, pushed_at IS NOT NULL FROM meta.sqlxy_graph_history '
                        "ORDER BY feature_key").fetchall()
    assert stored == [("a/b", '{"k": "it\'s"}', True), ("a/c", "{}", True)]


@pytest.mark.parametrize(("dialect", "fix"), [
    ("clickhouse", "ENGINE=MergeTree"), ("spark", "USING PARQUET"), ("postgres", '"pushed_at" TIMESTAMP')])
def test_history_table_takes_each_dialects_fixes(dialect: str, fix: str) -> None:
    assert fix in system.create_history(None, dialect)


def test_schema_creation_per_dialect() -> None:
    assert system.create_schema("meta", "postgres") == 'CREATE SCHEMA IF NOT EXISTS "meta"'
    assert system.create_schema("meta", "clickhouse") == 'CREATE DATABASE IF NOT EXISTS "meta"'


def test_stand_ins(db: duckdb.DuckDBPyConnection) -> None:
    """A missing table reads as no rows with the spec's columns; a table lacking a column reads
    with NULL in it."""
    db.execute('CREATE TABLE "t" (a VARCHAR)')
    db.execute("INSERT INTO t VALUES ('x'), ('y')")
    missing = system.missing_table([("a", "VARCHAR"), ("n", "BIGINT")])
    extended = system.extended_table("t", None, [("n", "BIGINT")])
    assert db.execute(missing.sql("duckdb")).fetchall() == []
    assert [d[0] for d in db.execute(missing.sql("duckdb")).description] == ["a", "n"]
    assert db.execute(extended.sql("duckdb") + " ORDER BY a").fetchall() == [("x", None), ("y", None)]
    swapped = read_through('SELECT s.n FROM "t" AS s JOIN "gone" ON TRUE', {"t": extended, "gone": missing}, None)
    assert count(db, system.row_count(swapped, "duckdb")) == 0
    assert count(db, system.row_count(read_through('SELECT * FROM "t"', {"t": extended}, None), "duckdb")) == 2
