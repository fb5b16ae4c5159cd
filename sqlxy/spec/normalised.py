"""The inverse of `versions.normalised_spec`: a recorded spec (the JSON `push` stores in the graph
history) back into its `FeatureSpec`, so a graph recorded on a target can be rebuilt and its
versions compared field by field with the project's (`plan`, `explain`)."""

from __future__ import annotations

from typing import Any

from sqlxy.errors import SpecError
from sqlxy.spec.model import Dep, FeatureSpec, FieldDep, FieldSpec, Generate, Lineage, Source


def _pairs(items: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in items or ())


def _names(items: Any) -> tuple[str, ...] | None:
    return None if items is None else tuple(items)


def _field(data: dict[str, Any]) -> FieldSpec:
    deps = data.get("deps")
    parsed = None if deps is None else tuple(
        FieldDep(d["feature"], "*" if d["fields"] == "*" else tuple(d["fields"])) for d in deps)
    return FieldSpec(data["key"], data["code_version"], parsed)


def _lineage(data: dict[str, Any]) -> Lineage:
    generate = data.get("generate")
    made = None if generate is None else Generate(generate["count"], generate["index"], _pairs(generate["columns"]))
    return Lineage(data["kind"], _names(data.get("on")), made)


def _dep(data: dict[str, Any]) -> Dep:
    mapping = data.get("fields_mapping", "default")
    if not isinstance(mapping, str):
        mapping = tuple((str(field), tuple(parents)) for field, parents in mapping)
    return Dep(data["feature"], _lineage(data["lineage"]), _pairs(data.get("rename")), _names(data.get("select")),
               data.get("filter"), bool(data.get("optional")), mapping)


def spec_from_normalised(data: dict[str, Any]) -> FeatureSpec:
    """The spec `normalised_spec` made `data` of (positions in files are not recorded)."""
    if not isinstance(data, dict):
        raise SpecError(f"a recorded spec is not a mapping ({type(data).__name__})")
    try:
        source = data.get("source")
        return FeatureSpec(
            key=data["key"], id_columns=tuple(data["id_columns"]), columns=_pairs(data["columns"]),
            fields=tuple(_field(f) for f in data["fields"]), deps=tuple(_dep(d) for d in data.get("deps") or ()),
            description=data.get("description") or "",
            source=None if source is None else Source(source.get("table"), source.get("query"),
                                                      _pairs(source.get("versions"))),
            metadata=data.get("metadata") or {})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SpecError(f"a recorded spec cannot be read back ({type(exc).__name__}: {exc})") from None
