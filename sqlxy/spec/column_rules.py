"""The SPEC §3 rules about one feature's columns, checked against its deps' table columns:
rename, join keys, select, filter, columns two deps both bring, `generate`, id columns.

Each rule raises the first problem it finds; `check_feature_columns` runs them in a fixed order
(dep by dep, then the feature as a whole), so a spec with several problems always reports the
same one. The columns themselves come from `columns.py`, as the graph computes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp

from sqlxy.spec.columns import (
    DepColumns,
    carried_columns,
    compare_keys,
    dep_columns,
    dep_keys,
    renamed_columns,
    table_columns,
)
from sqlxy.spec.errors import dep_line, lineage_line, spec_error
from sqlxy.spec.model import SYSTEM_PREFIX, Dep, FeatureSpec, Generate
from sqlxy.spec.names import check_column_name
from sqlxy.spec.sqlcheck import UnsafeSQL, parse_condition, referenced_columns


def check_feature_columns(spec: FeatureSpec, columns_of: Mapping[str, Mapping[str, str]]) -> None:
    """`columns_of`: the table columns of every feature upstream of `spec` (by key)."""
    for dep in spec.deps:
        check_dep(spec, dep, columns_of[dep.feature])
    deps = [dep_columns(spec, dep, columns_of[dep.feature]) for dep in spec.deps]
    check_carried(spec, deps)
    check_generate(spec, deps)
    check_id_columns(spec, table_columns(spec, carried_columns(d.columns for d in deps)))


def check_expression(spec: FeatureSpec, sql: str, what: str, line: int | None = None) -> exp.Expression:
    """One safe SQL expression (`sqlcheck.py`), or the reason it is not, naming `what`."""
    try:
        return parse_condition(sql)
    except UnsafeSQL as exc:
        raise spec_error(spec, f"{what} '{sql}' {exc}", line) from None


def check_dep(spec: FeatureSpec, dep: Dep, upstream_columns: Mapping[str, str]) -> None:
    _check_rename(spec, dep, upstream_columns)
    renamed = renamed_columns(dep, upstream_columns)
    _check_keys(spec, dep, renamed)
    _check_select(spec, dep, renamed)
    _check_filter(spec, dep, renamed)


def _check_rename(spec: FeatureSpec, dep: Dep, upstream_columns: Mapping[str, str]) -> None:
    targets: dict[str, str] = {}
    for old, new in dep.rename:
        line = dep_line(spec, dep, "rename", old)
        if old not in upstream_columns:
            raise spec_error(spec, f"rename of '{dep.feature}' names unknown column '{old}' "
                                   f"(known: {', '.join(upstream_columns)})", line)
        if new.startswith(SYSTEM_PREFIX):
            raise spec_error(spec, f"rename '{old}' → '{new}' collides with sqlxy's system columns (prefix "
                                   f"'{SYSTEM_PREFIX}')", line)
        if check_column_name(new):
            raise spec_error(spec, f"rename '{old}' → '{new}' is not a valid user column name "
                                   f"({check_column_name(new)})", line)
        if new in upstream_columns and new != old:
            raise spec_error(spec, f"rename '{old}' → '{new}' collides with existing column '{new}' of "
                                   f"'{dep.feature}'", line)
        if new in targets:  # two columns under one name: one of them would silently vanish
            raise spec_error(spec, f"rename '{old}' → '{new}' collides with rename '{targets[new]}' → "
                                   f"'{new}'", line)
        targets[new] = old


def _check_keys(spec: FeatureSpec, dep: Dep, renamed: Mapping[str, str]) -> None:
    kind = dep.lineage.kind
    keys = dep_keys(spec, dep)
    line = lineage_line(spec, dep, "on") if dep.lineage.on else dep.line
    for key in keys:
        if key not in renamed:
            what = f"{kind}.on column" if dep.lineage.on else "id column"
            raise spec_error(spec, f"{what} '{key}' is missing upstream in '{dep.feature}' "
                                   f"(upstream columns: {', '.join(renamed)})", line)
    if kind == "expansion":
        missing = [k for k in keys if k not in spec.column_types]
        if missing:
            raise spec_error(spec, f"expansion.on column '{missing[0]}' is not a column of this feature "
                                   "(declare it under columns)", line)
    if kind == "aggregation":
        for key in keys:
            if renamed[key] not in ("string", "int"):
                raise spec_error(spec, f"aggregation.on column '{key}' must be string or int typed", line)


def _check_select(spec: FeatureSpec, dep: Dep, renamed: Mapping[str, str]) -> None:
    if dep.select is None:
        return
    unknown = [c for c in dep.select if c not in renamed]
    system = [c for c in unknown if c.startswith(SYSTEM_PREFIX)]
    if system:
        raise spec_error(spec, f"select of '{dep.feature}' names system column '{system[0]}'; only user "
                               "columns are carried", dep_line(spec, dep, "select"))
    if unknown:
        raise spec_error(spec, f"select of '{dep.feature}' names unknown column '{unknown[0]}' "
                               f"(known: {', '.join(renamed)})", dep_line(spec, dep, "select"))


def _check_filter(spec: FeatureSpec, dep: Dep, renamed: Mapping[str, str]) -> None:
    if dep.filter is None:
        return
    line = dep_line(spec, dep, "filter")
    tree = check_expression(spec, dep.filter, f"filter on '{dep.feature}'", line)
    unknown = sorted(referenced_columns(tree) - set(renamed))
    if unknown:
        raise spec_error(spec, f"filter on '{dep.feature}' names unknown column '{unknown[0]}'", line)


def check_carried(spec: FeatureSpec, deps: Sequence[DepColumns]) -> None:
    """Two deps may both bring a column only when it is a key or an id column."""
    owner: dict[str, str] = {}
    for dep, columns in zip(spec.deps, deps, strict=True):
        for name in columns.columns:
            if name in owner and name not in columns.keys and name not in spec.id_columns:
                raise spec_error(spec, f"deps '{owner[name]}' and '{dep.feature}' both bring column "
                                       f"'{name}'; rename or deselect one", dep.line)
            owner.setdefault(name, dep.feature)


def check_generate(spec: FeatureSpec, deps: Sequence[DepColumns]) -> None:
    """`generate` reads parent columns only, computes declared non-key columns, and makes every
    id column (from the parent, the index or a computed column)."""
    found = next(((d, c) for d, c in zip(spec.deps, deps, strict=True) if d.lineage.generate), None)
    if found is None:
        return
    dep, parent = found
    generate = dep.lineage.generate
    assert generate is not None
    if generate.index in parent.columns:  # the parent's column would shadow the index
        raise spec_error(spec, f"generate.index '{generate.index}' is also a parent column; name the index "
                               "differently", lineage_line(spec, dep, "generate", "index"))
    line = lineage_line(spec, dep, "generate", "count")
    tree = check_expression(spec, generate.count, "generate.count", line)
    unknown = sorted(referenced_columns(tree) - set(parent.columns))
    if unknown:
        raise spec_error(spec, f"generate.count names '{unknown[0]}', which is not a parent column", line)
    _check_generated_columns(spec, dep, generate, parent)
    produced = set(dict(generate.columns)) | set(parent.columns) | {generate.index}
    missing = [c for c in spec.id_columns if c not in produced]
    if missing:
        raise spec_error(spec, f"generate does not produce id column '{missing[0]}'",
                         lineage_line(spec, dep, "generate"))


def _check_generated_columns(spec: FeatureSpec, dep: Dep, generate: Generate, parent: DepColumns) -> None:
    for name, sql in generate.columns:
        line = lineage_line(spec, dep, "generate", "columns", name)
        if name not in spec.column_types:
            raise spec_error(spec, f"generate.columns '{name}' is not declared under columns", line)
        if name in parent.keys:  # children inherit the parent key; a computed one links to no parent
            raise spec_error(spec, f"generate.columns '{name}' is an expansion.on column, which children "
                                   "take from their parent", line)
        tree = check_expression(spec, sql, f"generate.columns.{name}", line)
        unknown = sorted(referenced_columns(tree) - set(parent.columns) - {generate.index})
        if unknown:
            raise spec_error(spec, f"generate.columns.{name} names '{unknown[0]}', which is neither a "
                                   f"parent column nor the index '{generate.index}'", line)


def check_id_columns(spec: FeatureSpec, columns: Mapping[str, str]) -> None:
    """Every id column is declared or carried; an expansion's include one beyond its `on` columns
    (the child id, NULL only in a record of a parent without children)."""
    for column in spec.id_columns:
        if column not in columns:
            raise spec_error(spec, f"id column '{column}' is missing from columns and from upstream columns",
                             spec.line_of("id_columns"))
    keys = compare_keys(spec)
    if any(d.lineage.kind == "expansion" for d in spec.deps) and set(spec.id_columns) <= set(keys):
        raise spec_error(spec, f"an expansion's id_columns need a column beyond expansion.on "
                               f"({', '.join(keys)}) that tells a parent's children apart",
                         spec.line_of("id_columns"))
