"""Compiler: render a feature's templates with its typed model and transpile them through sqlglot.

Templates are written in the source dialect (DuckDB). `statements` renders one `Query` with its
parameter object, parses the text and generates every statement for the target dialect, so the
per-dialect fixes in `sqlxy.dialects` apply to every query alike.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from sqlxy import dialects
from sqlxy.compiler.build import build_model, field_provenance
from sqlxy.compiler.model import FeatureModel
from sqlxy.compiler.params import (
    NOW_UTC,
    CompactParams,
    DeleteParams,
    ErrorParams,
    ExplainParams,
    ExtendParams,
    IncrementParams,
    MaterializeParams,
    Params,
    ReadParams,
    RebaseParams,
    TouchedParams,
    WriteParams,
)
from sqlxy.compiler.queries import Query, params_for
from sqlxy.compiler.templates import environment
from sqlxy.config import Config
from sqlxy.dialects import layout
from sqlxy.errors import SqlxyError
from sqlxy.graph import FeatureGraph
from sqlxy.versions import Versions

__all__ = ["NOW_UTC", "CompactParams", "Compiler", "DeleteParams", "ErrorParams", "ExplainParams", "ExtendParams",
           "IncrementParams", "MaterializeParams", "Params", "Query", "ReadParams", "RebaseParams", "TouchedParams",
           "WriteParams", "transpile"]

#: Queries compiled for every feature; the rest apply only where the feature allows them.
EVERY_FEATURE = (Query.CREATE, Query.EXTEND, Query.CURRENT, Query.EXPECTED, Query.RESOLVE, Query.NEW,
                 Query.STALE, Query.ORPHANED, Query.STATUS, Query.INSERT, Query.SOFT_DELETE,
                 Query.HARD_DELETE, Query.COMPACT, Query.TOUCHED, Query.KEEP, Query.REBASE, Query.REBASE_COUNTS,
                 Query.CASCADE_START)
SQL_DEFINED = (Query.MATERIALIZE, Query.MATERIALIZE_CHECKS, Query.RETIRE_ORPHANED)
#: A cascading delete's queries of a feature downstream of where it starts (not a root).
DOWNSTREAM = (Query.CASCADE_REACH, Query.CASCADE_DOOMED, Query.CASCADE_DELETE)


class Compiler:
    def __init__(self, graph: FeatureGraph, versions: Versions, config: Config,
                 project_root: Path | None) -> None:
        self.graph, self.versions, self.config = graph, versions, config
        self.env = environment(project_root)
        self._models: dict[str, FeatureModel] = {}

    def model(self, key: str) -> FeatureModel:
        if key not in self._models:
            self._models[key] = build_model(self.graph, self.versions, self.config, key)
        return self._models[key]

    def candidate_provenance(self, key: str, field_key: str, code_version: str) -> exp.Expression:
        """The field's expected provenance had it `code_version` (the formula's string) instead of
        its own: what its stored rows hold when nothing but that changed since (rebase)."""
        return field_provenance(self.graph[key], field_key, code_version, self.config, self.model(key).deps)

    def table_name(self, key: str) -> str:
        """The feature table's name on the target (table_prefix + the key as an identifier)."""
        return self.model(key).table.name

    def queries(self, key: str) -> list[Query]:
        model, spec = self.model(key), self.graph[key].spec
        names = list(EVERY_FEATURE)
        if model.generate or spec.has_sql_source:
            names += SQL_DEFINED
        if model.root:
            names.append(Query.INVALID_VERSIONS)
        else:
            names += DOWNSTREAM
        return names

    def render(self, key: str, query: Query | str, dialect: str = dialects.SOURCE,
               params: Params | None = None, header: bool = True) -> str:
        """The SQL of one query for one feature, as `sqlxy compile` writes it."""
        query = Query.named(query)
        statements = self.statements(key, query, dialect, params)
        body = ";\n\n".join(statements) + ("\n" if statements else "")
        if not header:
            return body
        comment = (f"-- sqlxy {key} · feature version {self.versions.features[key]} · "
                   f"template {query.template} · dialect {dialect}")
        return comment + "\n" + body

    def statements(self, key: str, query: Query | str, dialect: str = dialects.SOURCE,
                   params: Params | None = None) -> list[str]:
        """The statements of one query, each generated for `dialect`."""
        query = Query.named(query)
        chosen = params_for(query, params)
        text = self.env.get_template(query.template).render(f=self.model(key), p=chosen)
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


def _expand(target: dialects.Dialect, statements: list) -> list:
    """The table layout as the dialect's engine realizes it (`dialects/layout.py`), and statements
    a dialect must run as several (e.g. DELETE on Spark's Parquet tables)."""
    expansions = getattr(target, "EXPANSIONS", {})
    out = []
    for statement in layout.realize(target, [s for s in statements if s is not None]):
        expand = expansions.get(type(statement))
        out += expand(statement) if expand else [statement]
    return out
