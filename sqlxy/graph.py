"""FeatureGraph: features in topological order, the columns each dependency carries, and the
field-level edges after the mapping rules of SPEC §3.

The graph is built from specs that `spec.validate_specs` found valid: it checks nothing itself,
and computes columns and field edges with the same functions the rules use (`spec/columns.py`,
`spec/fields.py`). Selecting features by name lives in `selectors.py`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from sqlxy.errors import SpecError
from sqlxy.spec.columns import carried_columns, compare_keys, dep_columns, table_columns
from sqlxy.spec.fields import parent_fields
from sqlxy.spec.model import Dep, FeatureSpec, FieldSpec
from sqlxy.spec.sqlcheck import parse_condition
from sqlxy.spec.validate import validate_specs

FieldRef = tuple[str, str]  # (feature key, field key)


def fullname(ref: FieldRef) -> str:
    return f"{ref[0]}:{ref[1]}"


@dataclass(frozen=True)
class DepView:
    """One dependency as the compiler sees it: the upstream relation after rename/select/filter."""

    dep: Dep
    upstream: str
    renamed_from: dict[str, str]       # output column → upstream column
    columns: dict[str, str]            # output column → type, keys first
    keys: tuple[str, ...]              # columns joining this dep to the others and to the feature
    filter: exp.Expression | None

    @property
    def lineage(self) -> str:
        return self.dep.lineage.kind


@dataclass(frozen=True)
class FeatureNode:
    spec: FeatureSpec
    deps: tuple[DepView, ...]
    columns: dict[str, str]            # the feature table's user columns → type
    carried: dict[str, str]            # columns expected rows carry from upstream
    compare_keys: tuple[str, ...]
    field_parents: dict[str, tuple[FieldRef, ...]]

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def is_root(self) -> bool:
        return not self.deps

    @property
    def lineage(self) -> str:
        special = [d for d in self.deps if d.lineage != "identity"]
        return special[0].lineage if special else "identity"

    @property
    def expansion(self) -> DepView | None:
        return next((d for d in self.deps if d.lineage == "expansion"), None)

    @property
    def child_id(self) -> str | None:
        """Expansions: the first id column that is not a parent key. It is NULL only in the rows
        that record a parent without children (SPEC §6, empty expansions), never in a sample."""
        if self.expansion is None:
            return None
        return next(c for c in self.spec.id_columns if c not in self.compare_keys)


class FeatureGraph:
    def __init__(self, specs: Sequence[FeatureSpec]) -> None:
        self.order: list[str] = validate_specs(specs)
        self.specs = {s.key: s for s in specs}
        self.nodes: dict[str, FeatureNode] = {}
        for key in self.order:
            self.nodes[key] = _build_node(self.specs[key], self.nodes)

    def __getitem__(self, key: str) -> FeatureNode:
        if key not in self.nodes:
            raise SpecError(f"unknown feature '{key}' (known: {', '.join(sorted(self.nodes))})")
        return self.nodes[key]

    def __iter__(self) -> Iterator[FeatureNode]:
        return iter(self.nodes[k] for k in self.order)

    def upstream(self, key: str) -> list[str]:
        """The features `key` depends on directly, in the order of its deps."""
        return [d.upstream for d in self.nodes[key].deps]

    def downstream(self, key: str) -> list[str]:
        """The features that depend on `key` directly, in topological order."""
        return [k for k in self.order if any(d.upstream == key for d in self.nodes[k].deps)]


def _build_node(spec: FeatureSpec, built: Mapping[str, FeatureNode]) -> FeatureNode:
    views = tuple(_dep_view(spec, dep, built[dep.feature].columns) for dep in spec.deps)
    carried = carried_columns(view.columns for view in views)
    specs = {view.upstream: built[view.upstream].spec for view in views}
    parents = {f.key: _field_parents(spec, f, specs) for f in spec.fields}
    return FeatureNode(spec, views, table_columns(spec, carried), carried, compare_keys(spec), parents)


def _dep_view(spec: FeatureSpec, dep: Dep, upstream_columns: Mapping[str, str]) -> DepView:
    shape = dep_columns(spec, dep, upstream_columns)
    filter_tree = parse_condition(dep.filter) if dep.filter is not None else None
    return DepView(dep, dep.feature, shape.renamed_from, shape.columns, shape.keys, filter_tree)


def _field_parents(spec: FeatureSpec, field: FieldSpec, specs: Mapping[str, FeatureSpec]) -> tuple[FieldRef, ...]:
    """The field's parents sorted by `feature:field` as UTF-8 bytes: the order its version hashes
    them in (SPEC §4)."""
    return tuple(sorted(parent_fields(spec, field, specs), key=lambda ref: fullname(ref).encode()))
