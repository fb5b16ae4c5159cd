"""The canonical SQL definition of a feature whose rows sqlxy computes (SPEC §4, since 0.2).

A root with `source.table`/`source.query` and an expansion with `generate` have rows that sqlxy
itself computes, so the SQL that shapes those rows is part of their version: editing a chunk
length from 10 s to 5 s must make every chunk stale. The canonical text holds every such snippet
parsed by sqlglot and generated back without comments, so whitespace, comments and keyword case
change nothing while any change of meaning changes the text (and its hash, `D`).
"""

from __future__ import annotations

import json
from typing import Any

import sqlglot
from sqlglot import exp

from sqlxy.spec.model import Dep, FeatureSpec
from sqlxy.spec.sqlcheck import SOURCE_DIALECT


def canonical_sql(sql: str) -> str:
    """One snippet (already validated at load) as sqlglot writes it back: no comments, one line,
    identifiers unquoted (column names are lowercase identifiers, so quotes change nothing)."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    for identifier in tree.find_all(exp.Identifier):
        identifier.set("quoted", False)
    return tree.sql(SOURCE_DIALECT, comments=False)


def canonical_table(name: str) -> str:
    return exp.to_table(name, dialect=SOURCE_DIALECT).sql(SOURCE_DIALECT, comments=False)


def canonical_definition(spec: FeatureSpec, columns: dict[str, str]) -> str | None:
    """The canonical definition (compact JSON, sorted keys), or None for features without one.

    `columns` are the feature table's columns and types (declared and carried): they decide which
    values are read from the source or the parent and how they are stored, so they shape the
    rows too (a column declared later must not leave the stored rows looking settled)."""
    body = _definition(spec)
    if body is None:
        return None
    return json.dumps({**body, "columns": columns}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _definition(spec: FeatureSpec) -> dict[str, Any] | None:
    source = spec.source
    if source is not None and source.table is not None:
        return {"source": {"table": canonical_table(source.table)}}
    if source is not None and source.query is not None:
        return {"source": {"query": canonical_sql(source.query)}}
    dep = next((d for d in spec.deps if d.lineage.generate is not None), None)
    return None if dep is None else {"expansion": _expansion(spec, dep)}


def _expansion(spec: FeatureSpec, dep: Dep) -> dict[str, Any]:
    generate = dep.lineage.generate
    assert generate is not None
    return {
        "feature": dep.feature,
        "on": sorted(dep.lineage.on or spec.id_columns),
        "generate": {"count": canonical_sql(generate.count), "index": generate.index,
                     "columns": {name: canonical_sql(sql) for name, sql in generate.columns}},
        "rename": {old: new for old, new in dep.rename if old != new},
        "select": sorted(dep.select) if dep.select is not None else None,
        "filter": canonical_sql(dep.filter) if dep.filter is not None else None,
    }
