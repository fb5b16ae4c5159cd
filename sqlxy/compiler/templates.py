"""Template lookup: a project's own templates/ first, then the built-in ones shipped in the wheel."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import jinja2
from sqlglot import exp

from sqlxy.compiler.sqlparts import ident, literal
from sqlxy.dialects import SOURCE


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
                             autoescape=False, keep_trailing_newline=False, finalize=_finalize)
    env.filters["sql_string"] = literal
    env.filters["ident"] = ident
    env.filters["idents"] = idents
    env.filters["sql"] = sql
    return env


def idents(names: Iterable[str], table: str | None = None) -> str:
    """`"a", "b"`, or `t."a", t."b"`: a list of columns, quoted here at the edge."""
    prefix = f"{table}." if table else ""
    return ", ".join(prefix + ident(name) for name in names)


def sql(value: exp.Expression | str) -> str:
    """A model expression as source-dialect SQL (text passes through)."""
    return value.sql(SOURCE) if isinstance(value, exp.Expression) else value


def _finalize(value: object) -> object:
    """`{{ expression }}` renders as source-dialect SQL, never as sqlglot's default dialect."""
    return sql(value) if isinstance(value, exp.Expression) else value
