"""FeatureGraph: features in topological order, the columns each dependency carries, and the
field-level edges after the mapping rules of SPEC §3."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from sqlxy.errors import SpecError
from sqlxy.spec import validate
from sqlxy.spec.model import SYSTEM_PREFIX, Dep, FeatureSpec, FieldSpec, check_column_name
from sqlxy.spec.sqlcheck import referenced_columns

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
        validate.check_unique_features(specs)
        known = {s.key for s in specs}
        for spec in specs:
            validate.check_unique_fields(spec)
            validate.check_dep_targets(spec, known)
            validate.check_source(spec)
        self.order: list[str] = validate.check_cycles(specs)
        self.specs = {s.key: s for s in specs}
        self.nodes: dict[str, FeatureNode] = {}
        for key in self.order:
            self.nodes[key] = _build_node(self.specs[key], self.nodes)

    def __getitem__(self, key: str) -> FeatureNode:
        if key not in self.nodes:
            raise SpecError(f"unknown feature '{key}' (known: {', '.join(sorted(self.nodes))})")
        return self.nodes[key]

    def __iter__(self) -> Iterable[FeatureNode]:
        return iter(self.nodes[k] for k in self.order)

    def downstream(self, key: str) -> list[str]:
        return [k for k in self.order if any(d.upstream == key for d in self.nodes[k].deps)]

    def select(self, selectors: Sequence[str] | None) -> list[str]:
        """Feature keys chosen by dbt-style selectors (`K`, `+K` upstream too, `K+` downstream too)."""
        if not selectors:
            return list(self.order)
        chosen: set[str] = set()
        for selector in selectors:
            key = selector.strip("+")
            self[key]
            chosen.add(key)
            if selector.startswith("+"):
                chosen |= self._closure(key, lambda k: [d.upstream for d in self.nodes[k].deps])
            if selector.endswith("+"):
                chosen |= self._closure(key, self.downstream)
        return [k for k in self.order if k in chosen]

    def _closure(self, key: str, step) -> set[str]:  # type: ignore[no-untyped-def]
        seen: set[str] = set()
        todo = [key]
        while todo:
            for nxt in step(todo.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen


def _fail(spec: FeatureSpec, message: str, line: int | None = None) -> SpecError:
    return SpecError(message, spec.file, line or spec.line, spec.key)


def _dep_line(spec: FeatureSpec, dep: Dep, *path: str | int) -> int:
    """The line of `path` inside one dep's YAML (e.g. "filter"); the dep's own line when absent."""
    return spec.line_of("deps", spec.deps.index(dep), *path)


def _lineage_line(spec: FeatureSpec, dep: Dep, *path: str | int) -> int:
    return _dep_line(spec, dep, "lineage", dep.lineage.kind, *path)


def _build_node(spec: FeatureSpec, built: dict[str, FeatureNode]) -> FeatureNode:
    declared = spec.column_types
    views = tuple(_dep_view(spec, dep, built[dep.feature]) for dep in spec.deps)
    carried = _carried_columns(spec, views)
    columns = dict(declared)
    for name, kind in carried.items():
        columns.setdefault(name, kind)
    _check_generate(spec, views, columns)
    for column in spec.id_columns:
        if column not in columns:
            raise _fail(spec, f"id column '{column}' is missing from columns and from upstream columns",
                        spec.line_of("id_columns"))
    compare_keys = next((v.keys for v in views if v.lineage != "identity"), spec.id_columns)
    expansion = next((v for v in views if v.lineage == "expansion"), None)
    if expansion is not None and set(spec.id_columns) <= set(compare_keys):
        raise _fail(spec, f"an expansion's id_columns need a column beyond expansion.on "
                          f"({', '.join(compare_keys)}) that tells a parent's children apart",
                    spec.line_of("id_columns"))
    parents = {f.key: _field_parents(spec, f, views, built) for f in spec.fields}
    return FeatureNode(spec, views, columns, carried, tuple(compare_keys), parents)


def _dep_view(spec: FeatureSpec, dep: Dep, upstream: FeatureNode) -> DepView:
    available = dict(upstream.columns)
    renamed_from = {name: name for name in available}
    for old, new in dep.rename:
        line = _dep_line(spec, dep, "rename", old)
        if old not in available:
            raise _fail(spec, f"rename of '{dep.feature}' names unknown column '{old}' "
                              f"(known: {', '.join(available)})", line)
        if new.startswith(SYSTEM_PREFIX):
            raise _fail(spec, f"rename '{old}' → '{new}' collides with sqlxy's system columns (prefix "
                              f"'{SYSTEM_PREFIX}')", line)
        if check_column_name(new):
            raise _fail(spec, f"rename '{old}' → '{new}' is not a valid user column name "
                              f"({check_column_name(new)})", line)
        if new in renamed_from and new != old:
            raise _fail(spec, f"rename '{old}' → '{new}' collides with existing column '{new}' of "
                              f"'{dep.feature}'", line)
    mapping = dep.rename_map
    renamed = {mapping.get(n, n): t for n, t in available.items()}
    renamed_from = {mapping.get(n, n): n for n in available}
    keys = _dep_keys(spec, dep, renamed)
    if dep.select is not None:
        unknown = [c for c in dep.select if c not in renamed]
        system = [c for c in unknown if c.startswith(SYSTEM_PREFIX)]
        if system:
            raise _fail(spec, f"select of '{dep.feature}' names system column '{system[0]}'; only user "
                              "columns are carried", _dep_line(spec, dep, "select"))
        if unknown:
            raise _fail(spec, f"select of '{dep.feature}' names unknown column '{unknown[0]}' "
                              f"(known: {', '.join(renamed)})", _dep_line(spec, dep, "select"))
    kept = list(keys)
    if dep.lineage.kind != "aggregation":
        kept += [c for c in (dep.select if dep.select is not None else renamed) if c not in keys]
    filter_tree = None
    if dep.filter is not None:
        line = _dep_line(spec, dep, "filter")
        filter_tree = validate.check_expression(spec, dep.filter, f"filter on '{dep.feature}'", line)
        unknown = sorted(referenced_columns(filter_tree) - set(renamed))
        if unknown:
            raise _fail(spec, f"filter on '{dep.feature}' names unknown column '{unknown[0]}'", line)
    return DepView(dep, dep.feature, {c: renamed_from[c] for c in kept},
                   {c: renamed[c] for c in kept}, keys, filter_tree)


def _dep_keys(spec: FeatureSpec, dep: Dep, upstream_columns: dict[str, str]) -> tuple[str, ...]:
    kind = dep.lineage.kind
    keys = dep.lineage.on or spec.id_columns
    line = _lineage_line(spec, dep, "on") if dep.lineage.on else dep.line
    for key in keys:
        if key not in upstream_columns:
            what = f"{kind}.on column" if dep.lineage.on else "id column"
            raise _fail(spec, f"{what} '{key}' is missing upstream in '{dep.feature}' "
                              f"(upstream columns: {', '.join(upstream_columns)})", line)
    if kind == "expansion":
        missing = [k for k in keys if k not in spec.column_types]
        if missing:
            raise _fail(spec, f"expansion.on column '{missing[0]}' is not a column of this feature "
                              "(declare it under columns)", line)
    if kind == "aggregation":
        for key in keys:
            if upstream_columns[key] not in ("string", "int"):
                raise _fail(spec, f"aggregation.on column '{key}' must be string or int typed", line)
    return tuple(keys)


def _carried_columns(spec: FeatureSpec, views: Sequence[DepView]) -> dict[str, str]:
    carried: dict[str, str] = {}
    owner: dict[str, str] = {}
    for view in views:
        for name, kind in view.columns.items():
            if name in carried and name not in view.keys and name not in spec.id_columns:
                raise _fail(spec, f"deps '{owner[name]}' and '{view.upstream}' both bring column "
                                  f"'{name}'; rename or deselect one", view.dep.line)
            carried.setdefault(name, kind)
            owner.setdefault(name, view.upstream)
    return carried


def _check_generate(spec: FeatureSpec, views: Sequence[DepView], columns: dict[str, str]) -> None:
    view = next((v for v in views if v.dep.lineage.generate), None)
    if view is None:
        return
    generate = view.dep.lineage.generate
    assert generate is not None
    parent_columns = set(view.columns)
    if generate.index in parent_columns:  # the parent's column would shadow the index
        raise _fail(spec, f"generate.index '{generate.index}' is also a parent column; name the index "
                          "differently", _lineage_line(spec, view.dep, "generate", "index"))
    line = _lineage_line(spec, view.dep, "generate", "count")
    tree = validate.check_expression(spec, generate.count, "generate.count", line)
    unknown = sorted(referenced_columns(tree) - parent_columns)
    if unknown:
        raise _fail(spec, f"generate.count names '{unknown[0]}', which is not a parent column", line)
    for name, sql in generate.columns:
        line = _lineage_line(spec, view.dep, "generate", "columns", name)
        if name not in spec.column_types:
            raise _fail(spec, f"generate.columns '{name}' is not declared under columns", line)
        if name in view.keys:  # children inherit the parent key; a computed one links to no parent
            raise _fail(spec, f"generate.columns '{name}' is an expansion.on column, which children "
                              "take from their parent", line)
        tree = validate.check_expression(spec, sql, f"generate.columns.{name}", line)
        unknown = sorted(referenced_columns(tree) - parent_columns - {generate.index})
        if unknown:
            raise _fail(spec, f"generate.columns.{name} names '{unknown[0]}', which is neither a "
                              f"parent column nor the index '{generate.index}'", line)
    produced = set(dict(generate.columns)) | parent_columns | {generate.index}
    missing = [c for c in spec.id_columns if c not in produced]
    if missing:
        raise _fail(spec, f"generate does not produce id column '{missing[0]}'",
                    _lineage_line(spec, view.dep, "generate"))


def _field_parents(spec: FeatureSpec, field: FieldSpec, views: Sequence[DepView],
                   built: dict[str, FeatureNode]) -> tuple[FieldRef, ...]:
    refs: set[FieldRef] = set()
    if field.deps is not None:
        for j, field_dep in enumerate(field.deps):
            upstream = built[field_dep.feature].spec
            names = [f.key for f in upstream.fields] if field_dep.fields == "*" else field_dep.fields
            for k, name in enumerate(names):
                if upstream.field(name) is None:
                    line = spec.line_of("fields", spec.fields.index(field), "deps", j, "fields", k)
                    raise _fail(spec, f"field '{field.key}' depends on unknown field "
                                      f"'{field_dep.feature}:{name}' (fields: "
                                      f"{', '.join(f.key for f in upstream.fields)})", line)
                refs.add((field_dep.feature, name))
    else:
        for view in views:
            refs |= {(view.upstream, name) for name in _mapped(spec, field, view, built)}
    return tuple(sorted(refs, key=lambda r: fullname(r).encode()))


def _mapped(spec: FeatureSpec, field: FieldSpec, view: DepView,
            built: dict[str, FeatureNode]) -> list[str]:
    upstream_fields = [f.key for f in built[view.upstream].spec.fields]
    mapping = view.dep.fields_mapping
    if isinstance(mapping, tuple):
        explicit = dict(mapping)
        for name, targets in explicit.items():
            line = _dep_line(spec, view.dep, "fields_mapping", name)
            if spec.field(name) is None:
                raise _fail(spec, f"fields_mapping names unknown field '{name}'", line)
            unknown = [t for t in targets if t not in upstream_fields]
            if unknown:
                raise _fail(spec, f"fields_mapping.{name} names unknown field "
                                  f"'{view.upstream}:{unknown[0]}'", line)
        return list(explicit.get(field.key, ()))  # fields it does not name read nothing of this dep
    if mapping == "none":
        return []
    if mapping == "all" or field.key not in upstream_fields:
        return upstream_fields
    return [field.key]
