"""Template lookup: a project's own templates/ first, then the built-in ones shipped in the wheel."""

from __future__ import annotations

from pathlib import Path

import jinja2

from sqlxy.compiler.sqlparts import ident, literal


def builtin_template_dir() -> Path:
    """`sqlxy/templates` inside an installed wheel, else the repository's top-level templates/."""
    packaged = Path(__file__).resolve().parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def environment(project_root: Path | None) -> jinja2.Environment:
    folders = []
    if project_root is not None and (project_root / "templates").is_dir():
        folders.append(str(project_root / "templates"))
    folders.append(str(builtin_template_dir()))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folders), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=False)
    env.filters["sql_string"] = literal
    env.filters["ident"] = ident
    return env
