"""Field-level edges of SPEC §3: which upstream fields a field reads, and the rule that every
field named on either side exists.

`parent_fields` is what the graph builds its field edges from; `check_field_edges` is the rule,
run on every feature before the graph exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlxy.spec.errors import dep_line, spec_error
from sqlxy.spec.model import Dep, FeatureSpec, FieldDep, FieldSpec


def field_dep_names(field_dep: FieldDep, upstream: FeatureSpec) -> tuple[str, ...]:
    """The upstream fields an explicit field dep names (`*`: all of them)."""
    if field_dep.fields == "*":
        return tuple(f.key for f in upstream.fields)
    return field_dep.fields


def mapped_fields(field: FieldSpec, dep: Dep, upstream: FeatureSpec) -> list[str]:
    """The fields of `dep`'s feature that `field` reads through the dep's `fields_mapping`."""
    upstream_fields = [f.key for f in upstream.fields]
    mapping = dep.fields_mapping
    if isinstance(mapping, tuple):
        return list(dict(mapping).get(field.key, ()))  # fields it does not name read nothing of this dep
    if mapping == "none":
        return []
    if mapping == "all" or field.key not in upstream_fields:
        return upstream_fields
    return [field.key]


def parent_fields(spec: FeatureSpec, field: FieldSpec, specs: Mapping[str, FeatureSpec]) -> set[tuple[str, str]]:
    """(feature key, field key) of every upstream field `field` reads: its own `deps` when given,
    else what each dep's mapping gives it."""
    if field.deps is not None:
        return {(fd.feature, name) for fd in field.deps for name in field_dep_names(fd, specs[fd.feature])}
    return {(dep.feature, name) for dep in spec.deps for name in mapped_fields(field, dep, specs[dep.feature])}


def check_field_edges(spec: FeatureSpec, specs: Mapping[str, FeatureSpec]) -> None:
    """Field by field: the upstream fields of its own `deps` exist; every explicit
    `fields_mapping` is checked where the first field reads through the mappings, or last when
    every field gives its own deps (an unused mapping with a typo is still a typo)."""
    mappings_checked = False
    for i, field in enumerate(spec.fields):
        if field.deps is not None:
            _check_field_deps(spec, i, field, specs)
        elif not mappings_checked:
            _check_mappings(spec, specs)
            mappings_checked = True
    if not mappings_checked:
        _check_mappings(spec, specs)


def _check_mappings(spec: FeatureSpec, specs: Mapping[str, FeatureSpec]) -> None:
    for dep in spec.deps:
        _check_mapping(spec, dep, specs[dep.feature])


def _check_field_deps(spec: FeatureSpec, index: int, field: FieldSpec, specs: Mapping[str, FeatureSpec]) -> None:
    assert field.deps is not None
    for j, field_dep in enumerate(field.deps):
        upstream = specs[field_dep.feature]
        for k, name in enumerate(field_dep_names(field_dep, upstream)):
            if upstream.field(name) is None:
                line = spec.line_of("fields", index, "deps", j, "fields", k)
                raise spec_error(spec, f"field '{field.key}' depends on unknown field "
                                       f"'{field_dep.feature}:{name}' (fields: "
                                       f"{', '.join(f.key for f in upstream.fields)})", line)


def _check_mapping(spec: FeatureSpec, dep: Dep, upstream: FeatureSpec) -> None:
    if not isinstance(dep.fields_mapping, tuple):
        return
    upstream_fields = [f.key for f in upstream.fields]
    for name, targets in dep.fields_mapping:
        line = dep_line(spec, dep, "fields_mapping", name)
        if spec.field(name) is None:
            raise spec_error(spec, f"fields_mapping names unknown field '{name}'", line)
        unknown = [t for t in targets if t not in upstream_fields]
        if unknown:
            raise spec_error(spec, f"fields_mapping.{name} names unknown field '{dep.feature}:{unknown[0]}'", line)
