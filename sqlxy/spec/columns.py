"""The column algebra of SPEC §3 (see "Carried columns" in docs/design.md): the columns a dep
brings after rename → select, the keys it joins on, what a feature carries and its table's columns.

Pure functions, shared by the rules that check specs (`column_rules.py`) and by the graph that is
built from valid ones, so each is computed one way only. Column maps keep their order: keys first,
then upstream order, which is the order of the feature table's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlxy.spec.model import Dep, FeatureSpec

Columns = dict[str, str]  # column name → type


@dataclass(frozen=True)
class DepColumns:
    """One dep's upstream relation after rename → select."""

    renamed_from: dict[str, str]  # output column → upstream column
    columns: Columns              # output column → type, keys first
    keys: tuple[str, ...]         # columns joining this dep to the others and to the feature


def renamed_columns(dep: Dep, upstream_columns: Mapping[str, str]) -> Columns:
    """Every upstream column under the name it takes here, in upstream order."""
    mapping = dep.rename_map
    return {mapping.get(name, name): kind for name, kind in upstream_columns.items()}


def dep_keys(spec: FeatureSpec, dep: Dep) -> tuple[str, ...]:
    """The `on` columns of an expansion or aggregation, else the feature's id columns."""
    return tuple(dep.lineage.on or spec.id_columns)


def kept_columns(dep: Dep, renamed: Mapping[str, str], keys: tuple[str, ...]) -> list[str]:
    """The keys, then the selected columns (default all); aggregations keep their keys only."""
    kept = list(keys)
    if dep.lineage.kind != "aggregation":
        kept += [c for c in (dep.select if dep.select is not None else renamed) if c not in keys]
    return kept


def dep_columns(spec: FeatureSpec, dep: Dep, upstream_columns: Mapping[str, str]) -> DepColumns:
    mapping = dep.rename_map
    renamed = renamed_columns(dep, upstream_columns)
    renamed_from = {mapping.get(name, name): name for name in upstream_columns}
    keys = dep_keys(spec, dep)
    kept = kept_columns(dep, renamed, keys)
    return DepColumns({c: renamed_from[c] for c in kept}, {c: renamed[c] for c in kept}, keys)


def carried_columns(dep_column_maps: Iterable[Mapping[str, str]]) -> Columns:
    """The columns expected rows carry from upstream: each dep's kept columns, the first dep that
    brings a name gives its type (only keys and id columns may come from several deps)."""
    carried: Columns = {}
    for columns in dep_column_maps:
        for name, kind in columns.items():
            carried.setdefault(name, kind)
    return carried


def table_columns(spec: FeatureSpec, carried: Mapping[str, str]) -> Columns:
    """The feature table's user columns: declared ones (their type wins), then carried ones."""
    columns = spec.column_types
    for name, kind in carried.items():
        columns.setdefault(name, kind)
    return columns


def feature_columns(spec: FeatureSpec, columns_of: Mapping[str, Mapping[str, str]]) -> Columns:
    """The feature table's user columns, given the table columns of its deps (by feature key)."""
    deps = (dep_columns(spec, dep, columns_of[dep.feature]) for dep in spec.deps)
    return table_columns(spec, carried_columns(d.columns for d in deps))


def compare_keys(spec: FeatureSpec) -> tuple[str, ...]:
    """Identity: the id columns; expansion/aggregation: that dep's keys (its `on` columns)."""
    special = next((dep for dep in spec.deps if dep.lineage.kind != "identity"), None)
    return spec.id_columns if special is None else dep_keys(spec, special)
