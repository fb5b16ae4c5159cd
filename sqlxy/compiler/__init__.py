"""Compiler: render a feature's templates with its context and transpile them through sqlglot.

Templates are written in the source dialect (DuckDB). `render` parses the rendered text and
generates every statement for the target dialect, so identifiers are quoted by sqlglot and the
per-dialect fixes in `sqlxy.dialects` apply to every query alike.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlglot

from sqlxy import dialects
from sqlxy.compiler.context import INPUT_RELATION, FeatureContext, build_context
from sqlxy.compiler.sqlparts import ident, literal
from sqlxy.compiler.templates import environment
from sqlxy.config import Config
from sqlxy.errors import SqlxyError
from sqlxy.graph import FeatureGraph
from sqlxy.versions import Versions

NOW_UTC = "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)"
#: Queries compiled for every feature; the rest apply only where the feature allows them.
QUERIES = ("create", "extend", "current", "expected", "resolve", "new", "stale", "orphaned", "status",
           "insert", "soft_delete", "hard_delete")


def queries_for(context: FeatureContext, has_source_rows: bool) -> list[str]:
    names = list(QUERIES)
    if context.generate or (context.root and has_source_rows):
        names += ["materialize", "materialize_checks", "retire_orphaned"]
    if context.root:
        names.append("invalid_versions")
    return names


class Compiler:
    def __init__(self, graph: FeatureGraph, versions: Versions, config: Config,
                 project_root: Path | None) -> None:
        self.graph, self.versions, self.config = graph, versions, config
        self.env = environment(project_root)
        self._contexts: dict[str, FeatureContext] = {}

    def context(self, key: str) -> FeatureContext:
        if key not in self._contexts:
            self._contexts[key] = build_context(self.graph, self.versions, self.config, key)
        return self._contexts[key]

    def table_name(self, key: str) -> str:
        """The feature table's name on the target (table_prefix + the key as an identifier)."""
        return self.config.table_prefix + self.graph[key].spec.table

    def queries(self, key: str) -> list[str]:
        spec = self.graph[key].spec
        return queries_for(self.context(key), spec.has_sql_source)

    def render(self, key: str, query: str, dialect: str = dialects.SOURCE, *, stale_if: str | None = None,
               where: str | None = None, run_id: str | None = None, header: bool = True) -> str:
        """The SQL of one query for one feature; `stale_if`/`where` are already-checked conditions."""
        statements = self.statements(key, query, dialect, stale_if=stale_if, where=where, run_id=run_id)
        body = ";\n\n".join(statements) + ("\n" if statements else "")
        if not header:
            return body
        comment = (f"-- sqlxy {key} · feature version {self.versions.features[key]} · "
                   f"template {query}.sql.j2 · dialect {dialect}")
        return comment + "\n" + body

    def statements(self, key: str, query: str, dialect: str = dialects.SOURCE, *, stale_if: str | None = None,
                   where: str | None = None, run_id: str | None = None, include_deleted: bool = False,
                   missing: tuple[str, ...] | None = None, row_filter: str | None = None,
                   partial: bool = False, increment_relation: str | None = None) -> list[str]:
        """The statements of one query, each generated for `dialect`.

        `missing` limits `extend` to the columns a table lacks (not every engine has
        ADD COLUMN IF NOT EXISTS).
        """
        context = self.context(key)
        text = self.env.get_template(f"{query}.sql.j2").render(
            f=context, stale_if=f"({stale_if})" if stale_if else "FALSE",
            where=f"({where})" if where else "FALSE", input=ident(INPUT_RELATION),
            now=NOW_UTC, run_id=literal(run_id) if run_id else "CAST(NULL AS VARCHAR)",
            include_deleted=include_deleted, increment_relation=increment_relation,
            missing=context.typed_columns(missing), row_filter=row_filter, partial=partial)
        return list(transpile(text, dialect))


@lru_cache(maxsize=512)
def transpile(sql: str, dialect: str) -> tuple[str, ...]:
    """Source-dialect SQL → one string per statement in `dialect`."""
    target = dialects.get(dialect)
    try:
        parsed = sqlglot.parse(sql, read=dialects.SOURCE)
    except sqlglot.errors.SqlglotError as exc:
        raise SqlxyError(f"a template rendered SQL that does not parse: {exc}\n{sql}") from None
    return tuple(s.sql(dialect=target, pretty=True) for s in _expand(target, parsed))


def _expand(target: object, statements: list) -> list:
    """Statements a dialect must run as several (e.g. DELETE on Spark's Parquet tables)."""
    expansions = getattr(target, "EXPANSIONS", {})
    out = []
    for statement in statements:
        if statement is None:
            continue
        expand = expansions.get(type(statement))
        out += expand(statement) if expand else [statement]
    return out
