"""Targets that cannot be used: a missing driver or an unreachable server exits 1, names the target
and what to install or check, and writes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sqlxy.cli import main

from .conftest import write_features

RAW = """
key: doc/raw
id_columns: [doc_id]
columns: {doc_id: string}
fields: [a]
source: {versions: {a: a_version}}
"""


def _project(root: Path, target: str) -> Path:
    return write_features(root, {"raw.yaml": RAW}, f"targets:\n  it: {target}\ndefault_target: it\n")


@pytest.mark.parametrize(("target", "message"), [
    ("{type: postgres, dsn: 'host=127.0.0.1 port=1 user=nobody dbname=none connect_timeout=2'}",
     "cannot connect to target 'it' (PostgreSQL)"),
    ("{type: postgres}", "target 'it' needs a dsn"),
    ("{type: postgres, dsn: '${SQLXY_TEST_UNSET_DSN}'}", "environment variable SQLXY_TEST_UNSET_DSN is not set"),
    ("{type: oracle}", "target 'it' needs type: one of clickhouse, duckdb, postgres, spark"),
])
def test_unusable_target_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str,
                                 message: str) -> None:
    pytest.importorskip("psycopg")
    assert main(["status", "--project", str(_project(tmp_path, target))]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "target").exists()


@pytest.mark.parametrize(("kind", "module", "extra"), [
    ("postgres, dsn: x", "psycopg", "sqlxy[postgres]"), ("clickhouse", "chdb", "sqlxy[clickhouse]"),
    ("spark", "pyspark", "sqlxy[spark]")])
def test_missing_driver_names_the_extra(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, kind: str, module: str, extra: str) -> None:
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    assert main(["status", "--project", str(_project(tmp_path, f"{{type: {kind}}}"))]) == 1
    err = capsys.readouterr().err
    assert "target 'it'" in err and extra in err and "Traceback" not in err


def test_unknown_target_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, "{type: duckdb, path: ':memory:'}")
    assert main(["status", "--project", str(root), "--target", "prod"]) == 1
    assert "unknown target 'prod' (known: it)" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["{type: duckdb, path: null}", "{type: duckdb, path: ~, config: null}",
                                    "{type: postgres, dsn: null}"])
def test_null_setting_means_not_given(tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    """`path: null` is the engine's default, not a crash (found by the config fuzz test)."""
    root = _project(tmp_path, target)
    code = main(["status", "--project", str(root)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    if "postgres" in target:
        assert code == 1 and "target 'it' needs a dsn" in err
    else:
        assert code == 0
