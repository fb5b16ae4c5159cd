"""The SPEC §3 rules a set of specs must keep, run once before the graph is built.

`validate_specs` runs every rule in a fixed order, so a spec with several problems always reports
the same one: first the rules across features (each a small function here: duplicates, unknown
deps, sources, cycles), then, feature by feature in topological order, the column rules
(`column_rules.py`) and the field rules (`fields.py`), which need the columns and fields of the
features upstream. Shape rules (unknown keys, key syntax, types) ran earlier, in `parse.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlglot
from sqlglot import exp

from sqlxy.spec.column_rules import check_feature_columns
from sqlxy.spec.columns import Columns, feature_columns
from sqlxy.spec.errors import spec_error
from sqlxy.spec.fields import check_field_edges
from sqlxy.spec.model import FeatureSpec
from sqlxy.spec.sqlcheck import SOURCE_DIALECT


def validate_specs(specs: Sequence[FeatureSpec]) -> list[str]:
    """The feature keys in topological order, once every rule holds; else the first SpecError."""
    check_unique_features(specs)
    known = {s.key for s in specs}
    for spec in specs:
        check_unique_fields(spec)
        check_dep_targets(spec, known)
        check_source(spec)
    order = check_cycles(specs)
    by_key = {s.key: s for s in specs}
    columns_of: dict[str, Columns] = {}
    for key in order:
        check_feature_columns(by_key[key], columns_of)
        check_field_edges(by_key[key], by_key)
        columns_of[key] = feature_columns(by_key[key], columns_of)
    return order


def check_unique_features(specs: Sequence[FeatureSpec]) -> None:
    seen: dict[str, FeatureSpec] = {}
    for spec in specs:
        if spec.key in seen:
            first = seen[spec.key]
            raise spec_error(spec, f"duplicate feature key '{spec.key}' (first defined at "
                                    f"{first.file}:{first.line})")
        seen[spec.key] = spec


def _second(values: Sequence[str]) -> int | None:
    """The index of the first value that repeats an earlier one, or None."""
    return next((i for i, v in enumerate(values) if v in values[:i]), None)


def check_unique_fields(spec: FeatureSpec) -> None:
    keys = [f.key for f in spec.fields]
    twice = _second(keys)
    if twice is not None:
        raise spec_error(spec, f"duplicate field key '{keys[twice]}'", spec.line_of("fields", twice))
    suffixes = [f.column_suffix for f in spec.fields]
    twice = _second(suffixes)
    if twice is not None:
        clashes = sorted(f.key for f in spec.fields if f.column_suffix == suffixes[twice])
        raise spec_error(spec, f"field keys {', '.join(clashes)} map to the same column name "
                                f"'{suffixes[twice]}'", spec.line_of("fields", twice))


def check_dep_targets(spec: FeatureSpec, known: set[str]) -> None:
    listed = "(known: " + ", ".join(sorted(known - {spec.key})) + ")"
    for dep in spec.deps:
        if dep.feature not in known:
            raise spec_error(spec, f"dependency '{dep.feature}' is not a feature {listed}", dep.line)
        if dep.feature == spec.key:
            raise spec_error(spec, "a feature cannot depend on itself", dep.line)
    dep_keys = [d.feature for d in spec.deps]
    twice = _second(dep_keys)
    if twice is not None:
        raise spec_error(spec, f"dependency '{dep_keys[twice]}' is listed twice", spec.deps[twice].line)
    special = [d for d in spec.deps if d.lineage.kind != "identity"]
    if len(special) > 1:
        raise spec_error(spec, "at most one dependency may use expansion or aggregation lineage "
                                f"(found: {', '.join(d.feature for d in special)})", special[1].line)
    _check_field_dep_targets(spec, known, dep_keys, listed)


def _check_field_dep_targets(spec: FeatureSpec, known: set[str], dep_keys: list[str], listed: str) -> None:
    """A field's own `deps` name features that exist and are deps of this feature."""
    for i, field in enumerate(spec.fields):
        for j, field_dep in enumerate(field.deps or ()):
            line = spec.line_of("fields", i, "deps", j)
            if field_dep.feature not in known:
                raise spec_error(spec, f"field '{field.key}' depends on '{field_dep.feature}', which "
                                        f"is not a feature {listed}", line)
            if field_dep.feature not in dep_keys:
                raise spec_error(spec, f"field '{field.key}' depends on '{field_dep.feature}', which is "
                                        f"not in this feature's deps ({', '.join(dep_keys) or 'none'})", line)


def check_source(spec: FeatureSpec) -> None:
    if spec.source and spec.deps:
        raise spec_error(spec, "source is only for root features; this feature has deps "
                                f"({', '.join(d.feature for d in spec.deps)})", spec.line_of("source"))
    if spec.deps:
        return
    versions = spec.input_versions
    missing = [f.key for f in spec.fields if f.key not in versions]
    if missing:
        raise spec_error(spec, "a root feature needs source.versions naming the input-version column "
                                f"of every field; missing: {', '.join(missing)}", spec.line_of("source", "versions"))
    unknown = sorted(set(versions) - {f.key for f in spec.fields})
    if unknown:
        raise spec_error(spec, f"source.versions names unknown field '{unknown[0]}'",
                          spec.line_of("source", "versions", unknown[0]))
    if spec.source and spec.source.query is not None:
        check_source_query(spec, spec.source.query)
    if spec.source and spec.source.table is not None:
        check_table_name(spec, spec.source.table)


def check_source_query(spec: FeatureSpec, query: str) -> None:
    line = spec.line_of("source", "query")
    try:
        statements = [s for s in sqlglot.parse(query, read=SOURCE_DIALECT) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise spec_error(spec, f"source.query '{query}' does not parse as DuckDB SQL "
                                f"({str(exc).splitlines()[0]})", line) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise spec_error(spec, f"source.query '{query}' is not a single SELECT statement", line)
    if any(isinstance(n, (exp.DDL, exp.DML, exp.Command, exp.Drop)) for n in statements[0].walk()):
        raise spec_error(spec, f"source.query '{query}' is not a single SELECT statement (no DDL/DML)", line)


def check_table_name(spec: FeatureSpec, table: str) -> None:
    try:
        parsed = sqlglot.parse_one(table, into=exp.Table, read=SOURCE_DIALECT)
    except sqlglot.errors.SqlglotError:
        parsed = None
    if parsed is None or not parsed.name:
        raise spec_error(spec, f"source.table '{table}' is not a table name", spec.line_of("source", "table"))


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
            raise spec_error(by_key[key], "dependency cycle: " + " -> ".join(cycle))
        state[key] = 1
        for parent in deps[key]:
            visit(parent, path + [key])
        state[key] = 2
        order.append(key)

    for key in sorted(deps):
        visit(key, [])
    return order
