"""The SPEC §3 rules that look across features; each rule is one small function.

Shape rules (unknown keys, key syntax, types) live in `model.py`; the column and field rules
that need upstream columns run while the graph is built (`graph.py`). All raise SpecError.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlglot
from sqlglot import exp

from sqlxy.errors import SpecError
from sqlxy.spec.model import FeatureSpec
from sqlxy.spec.sqlcheck import SOURCE_DIALECT, UnsafeSQL, parse_condition


def _error(spec: FeatureSpec, message: str, line: int | None = None) -> SpecError:
    return SpecError(message, spec.file, line or spec.line, spec.key)


def check_unique_features(specs: Sequence[FeatureSpec]) -> None:
    seen: dict[str, FeatureSpec] = {}
    for spec in specs:
        if spec.key in seen:
            first = seen[spec.key]
            raise _error(spec, f"duplicate feature key '{spec.key}' (first defined at "
                               f"{first.file}:{first.line})")
        seen[spec.key] = spec


def check_unique_fields(spec: FeatureSpec) -> None:
    keys = [f.key for f in spec.fields]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise _error(spec, f"duplicate field key '{duplicates[0]}'", spec.raw and None)
    suffixes = [f.column_suffix for f in spec.fields]
    clashes = sorted({f.key for f in spec.fields if suffixes.count(f.column_suffix) > 1})
    if clashes:
        raise _error(spec, f"field keys {', '.join(clashes)} map to the same column name")


def check_dep_targets(spec: FeatureSpec, known: set[str]) -> None:
    listed = "(known: " + ", ".join(sorted(known - {spec.key})) + ")"
    for dep in spec.deps:
        if dep.feature not in known:
            raise _error(spec, f"dependency '{dep.feature}' is not a feature {listed}", dep.line)
        if dep.feature == spec.key:
            raise _error(spec, "a feature cannot depend on itself", dep.line)
    dep_keys = [d.feature for d in spec.deps]
    twice = sorted({k for k in dep_keys if dep_keys.count(k) > 1})
    if twice:
        raise _error(spec, f"dependency '{twice[0]}' is listed twice")
    special = [d for d in spec.deps if d.lineage.kind != "identity"]
    if len(special) > 1:
        raise _error(spec, "at most one dependency may use expansion or aggregation lineage "
                           f"(found: {', '.join(d.feature for d in special)})", special[1].line)
    for field in spec.fields:
        for field_dep in field.deps or ():
            if field_dep.feature not in known:
                raise _error(spec, f"field '{field.key}' depends on '{field_dep.feature}', which "
                                   f"is not a feature {listed}")
            if field_dep.feature not in dep_keys:
                raise _error(spec, f"field '{field.key}' depends on '{field_dep.feature}', which is "
                                   f"not in this feature's deps ({', '.join(dep_keys) or 'none'})")


def check_source(spec: FeatureSpec) -> None:
    if spec.source and spec.deps:
        raise _error(spec, "source is only for root features; this feature has deps "
                           f"({', '.join(d.feature for d in spec.deps)})")
    if spec.deps:
        return
    versions = dict(spec.source.versions) if spec.source else {}
    missing = [f.key for f in spec.fields if f.key not in versions]
    if missing:
        raise _error(spec, "a root feature needs source.versions naming the input-version column "
                           f"of every field; missing: {', '.join(missing)}")
    unknown = sorted(set(versions) - {f.key for f in spec.fields})
    if unknown:
        raise _error(spec, f"source.versions names unknown field '{unknown[0]}'")
    if spec.source and spec.source.query is not None:
        check_source_query(spec, spec.source.query)
    if spec.source and spec.source.table is not None:
        check_table_name(spec, spec.source.table)


def check_source_query(spec: FeatureSpec, query: str) -> None:
    try:
        statements = [s for s in sqlglot.parse(query, read=SOURCE_DIALECT) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _error(spec, f"source.query does not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise _error(spec, "source.query must be a single SELECT statement")
    tree = statements[0]
    if any(isinstance(n, (exp.DDL, exp.DML, exp.Command)) for n in tree.walk()):
        raise _error(spec, "source.query must be a single SELECT statement (no DDL/DML)")


def check_table_name(spec: FeatureSpec, table: str) -> None:
    try:
        parsed = sqlglot.parse_one(table, into=exp.Table, read=SOURCE_DIALECT)
    except sqlglot.errors.SqlglotError:
        parsed = None
    if parsed is None or not parsed.name:
        raise _error(spec, f"source.table '{table}' is not a table name")


def check_expression(spec: FeatureSpec, sql: str, what: str, line: int | None = None) -> exp.Expression:
    try:
        return parse_condition(sql)
    except UnsafeSQL as exc:
        raise _error(spec, f"{what} '{sql}' {exc}", line) from None


def check_cycles(specs: Sequence[FeatureSpec]) -> list[str]:
    """Topological order of feature keys (stable: by key among ready features), or the cycle."""
    deps = {s.key: sorted({d.feature for d in s.deps}) for s in specs}
    by_key = {s.key: s for s in specs}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            cycle = path[path.index(key):] + [key]
            raise _error(by_key[key], "dependency cycle: " + " -> ".join(cycle))
        state[key] = 1
        for parent in deps[key]:
            visit(parent, path + [key])
        state[key] = 2
        order.append(key)

    for key in sorted(deps):
        visit(key, [])
    return order
