"""Targets that cannot be used: a missing driver or an unreachable server exits 1, names the target
and what to install or check, and writes nothing."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import pytest

from sqlxy import dialects, store
from sqlxy.cli import main
from sqlxy.config import load_config
from sqlxy.engines import ENGINES
from sqlxy.errors import SpecError
from sqlxy.store.engines import adapter_class

from . import engines as fixtures
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
    (e.type, e.driver, f"sqlxy[{e.extra}]") for e in ENGINES.values() if e.extra])
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


# -- one engine registry ------------------------------------------------------------------------

def test_the_registry_the_dialects_and_the_fixtures_agree() -> None:
    """An engine added in one place only fails here: `sqlxy.engines` is the list, and the
    executable dialects and the tests' engines and targets are the same list."""
    assert list(ENGINES) == fixtures.ENGINES and set(fixtures.TARGETS) == set(ENGINES)
    assert set(dialects.EXECUTABLE) == {e.dialect for e in ENGINES.values()}
    assert set(dialects.EXECUTABLE) <= set(dialects.names())
    for engine in ENGINES.values():
        cls = adapter_class(engine)
        assert cls.dialect == engine.dialect and isinstance(cls.SUPPORTS_TRANSACTIONS, bool)
        assert engine.driver and (engine.extra or engine.type == "duckdb")  # duckdb is a dependency


def _adapter_classes() -> set[str]:
    """Every `…Adapter` class defined in a module of sqlxy/store."""
    folder = Path(inspect.getfile(store)).parent
    return {f"sqlxy.store.{path.stem}:{name}" for path in folder.glob("*.py")
            for name in re.findall(r"^class (\w+Adapter)\b(?!\(Protocol\))", path.read_text(), re.M)}


def test_every_adapter_is_registered() -> None:
    assert _adapter_classes() == {e.adapter for e in ENGINES.values()}


@pytest.mark.parametrize("engine", list(ENGINES.values()), ids=list(ENGINES))
def test_the_settings_are_those_the_adapter_reads(engine: object) -> None:
    source = inspect.getsource(inspect.getmodule(adapter_class(engine)))
    read = set(re.findall(r"settings(?:\.get\(|\[)[\"'](\w+)[\"']", source)) - {"type"}
    assert read == set(engine.settings)


@pytest.mark.parametrize("engine", list(ENGINES.values()), ids=list(ENGINES))
def test_config_validation_follows_the_registry(tmp_path: Path, engine: object) -> None:
    given = {key: "x" for key in engine.texts} | {key: {} for key in engine.mappings}
    lines = "".join(f"\n    {key}: {'{}' if value == {} else value}" for key, value in given.items())
    (tmp_path / "sqlxy.yaml").write_text(f"targets:\n  it:\n    type: {engine.type}{lines}\n")
    assert load_config(tmp_path).targets["it"] == {"type": engine.type, **given}
    (tmp_path / "sqlxy.yaml").write_text(f"targets:\n  it:\n    type: {engine.type}\n    pth: x\n")
    with pytest.raises(SpecError, match=f"unknown setting 'pth' \\(known for {engine.type}: "
                                         f"{', '.join(sorted(engine.settings))}\\)"):
        load_config(tmp_path)
