"""The wheel ships the templates, and an installed copy compiles with them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import REPO


def test_wheel_ships_templates_and_compiles_from_them(tmp_path: Path, seed_dir: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                    str(REPO)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("sqlxy-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    templates = {n for n in names if n.startswith("sqlxy/templates/")}
    assert {"sqlxy/templates/resolve.sql.j2", "sqlxy/templates/_macros.sql.j2"} <= templates
    assert len(templates) == len(list((REPO / "templates").glob("*.sql.j2")))
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    probe = "import sqlxy.compiler.templates as t; print(t.builtin_template_dir())"
    where = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path, check=True,
                           capture_output=True, text=True).stdout.strip()
    assert where == str(tmp_path / "site/sqlxy/templates")
    subprocess.run([sys.executable, "-m", "sqlxy", "compile", "--project", str(seed_dir)], env=env,
                   cwd=tmp_path, check=True, capture_output=True)
    assert (seed_dir / "target/compiled/duckdb/video__chunk/materialize.sql").exists()
