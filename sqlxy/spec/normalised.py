"""The inverse of `versions.normalised_spec`: a recorded spec (the JSON `push` stores in the graph
history) back into its `FeatureSpec`, so a graph recorded on a target can be rebuilt and its
versions compared field by field with the project's (`plan`, `explain`).

A recorded spec is read strictly: every value must have the type `normalised_spec` gives it (keys,
code versions, columns and SQL text are text, lists are lists), else it is a `SpecError`; a row
edited by hand must never become a spec that fails later, or hashes as something else."""

from __future__ import annotations

from typing import Any

from sqlxy.errors import SpecError
from sqlxy.spec.model import Dep, FeatureSpec, FieldDep, FieldSpec, Generate, Lineage, Source


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"a recorded spec has a {what} that is not text ({type(value).__name__})")
    return value


def _optional(value: Any, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise SpecError(f"a recorded spec has {what} that are not a list ({type(value).__name__})")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"a recorded spec has a {what} that is not a mapping ({type(value).__name__})")
    return value


def _pairs(items: Any, what: str) -> tuple[tuple[str, str], ...]:
    pairs = [_list(pair, what) for pair in _list(items or [], what)]
    if any(len(pair) != 2 for pair in pairs):
        raise SpecError(f"a recorded spec has {what} that are not pairs")
    return tuple((_text(a, what), _text(b, what)) for a, b in pairs)


def _names(items: Any, what: str) -> tuple[str, ...]:
    return tuple(_text(name, what) for name in _list(items, what))


def _field(data: Any) -> FieldSpec:
    data = _mapping(data, "field")
    deps = data.get("deps")
    parsed = None if deps is None else tuple(_field_dep(_mapping(d, "field dep")) for d in _list(deps, "field deps"))
    return FieldSpec(_text(data["key"], "field key"), _text(data["code_version"], "code_version"), parsed)


def _field_dep(data: dict[str, Any]) -> FieldDep:
    fields = data["fields"]
    return FieldDep(_text(data["feature"], "field dep"), "*" if fields == "*" else _names(fields, "field deps"))


def _lineage(data: Any) -> Lineage:
    data = _mapping(data, "lineage")
    generate = data.get("generate")
    if generate is not None:
        generate = _mapping(generate, "generate")
        generate = Generate(_text(generate["count"], "generate count"), _text(generate["index"], "generate index"),
                            _pairs(generate["columns"], "generate columns"))
    on = data.get("on")
    return Lineage(_text(data["kind"], "lineage kind"), None if on is None else _names(on, "lineage keys"),
                   generate)  # type: ignore[arg-type]  # FeatureGraph checks the kind


def _dep(data: Any) -> Dep:
    data = _mapping(data, "dep")
    mapping = data.get("fields_mapping", "default")
    if not isinstance(mapping, str):
        mapping = tuple((_text(_list(pair, "fields_mapping")[0], "fields_mapping"),
                         _names(pair[1], "fields_mapping")) for pair in _list(mapping, "fields_mapping"))
    select = data.get("select")
    return Dep(_text(data["feature"], "dep feature"), _lineage(data["lineage"]), _pairs(data.get("rename"), "renames"),
               None if select is None else _names(select, "dep select"), _optional(data.get("filter"), "dep filter"),
               bool(data.get("optional")), mapping)


def spec_from_normalised(data: Any) -> FeatureSpec:
    """The spec `normalised_spec` made `data` of (positions in files are not recorded); a
    `SpecError` when `data` is not one."""
    if not isinstance(data, dict):
        raise SpecError(f"a recorded spec is not a mapping ({type(data).__name__})")
    try:
        source = data.get("source")
        if source is not None:
            source = _mapping(source, "source")
            source = Source(_optional(source.get("table"), "source table"),
                            _optional(source.get("query"), "source query"),
                            _pairs(source.get("versions"), "source versions"))
        return FeatureSpec(
            key=_text(data["key"], "key"), id_columns=_names(data["id_columns"], "id_columns"),
            columns=_pairs(data["columns"], "columns"),
            fields=tuple(_field(f) for f in _list(data["fields"], "fields")),
            deps=tuple(_dep(d) for d in _list(data.get("deps") or [], "deps")),
            description=_optional(data.get("description"), "description") or "", source=source,
            metadata=_mapping(data.get("metadata") or {}, "metadata"))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise SpecError(f"a recorded spec cannot be read back ({type(exc).__name__}: {exc})") from None
