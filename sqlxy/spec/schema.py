"""The shape of a feature file, declared once, and its JSON Schema (`sqlxy schema`).

Each mapping a spec holds (a feature, a field, a dep, a lineage body, …) allows exactly the
fields of its model in `model.py`, bar the bookkeeping ones (`SHAPES`); `KEYS` says what each key
holds and means, and which are required. `parse.py` takes from here its allowed keys, the lineage
kinds, the `fields_mapping` words and the plain value types (`holds`); the names' syntax comes from
`names.py`, the column types from `model.py`. `feature_schema()` renders all of it as JSON Schema
(draft 2020-12) for editors and CI; `config.config_schema()` does the same for `sqlxy.yaml`.

The schema checks one file's shape. What needs other features or upstream columns (unknown deps,
cycles, columns a dep does not have, SQL that does not parse, `source.versions` for every field,
…) is checked by the loader only (`validate.py`, `column_rules.py`, `fields.py`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from typing import Any, NamedTuple, get_args

from sqlxy.spec.model import (
    COLUMN_TYPES,
    FIELD_COLUMN_PREFIX,
    MAX_NAME,
    SYSTEM_PREFIX,
    Dep,
    FeatureSpec,
    FieldDep,
    FieldSpec,
    Generate,
    Lineage,
    LineageKind,
    Source,
)
from sqlxy.spec.names import COLUMN_NAME, KEY_PART

DIALECT = "https://json-schema.org/draft/2020-12/schema"
LINEAGE_KINDS: tuple[str, ...] = get_args(LineageKind)
MAPPING_WORDS = ("default", "all", "none")  # fields_mapping's words; a mapping names the fields

#: JSON Schema's types as Python values: a bool is only a boolean, never a number.
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "object": (dict,),
    "array": (list,), "null": (type(None),)}


def is_a(value: Any, types: tuple[str, ...]) -> bool:
    """`value` is of one of the JSON types. As in YAML (and unlike JSON Schema, for which 3.0 is an
    integer), a float is no integer; a bool is no number in either."""
    if isinstance(value, bool):
        return "boolean" in types
    return any(isinstance(value, _JSON_TYPES[t]) for t in types)


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def names(item: dict[str, Any], at_least: int = 0) -> dict[str, Any]:
    """One name or a list of distinct names (`parse._Reader.names`)."""
    return {"anyOf": [item, {"type": "array", "items": item, "uniqueItems": True, "minItems": at_least}]}


_KEY = rf"^(?!.*__){KEY_PART.pattern}(?:/{KEY_PART.pattern})*$"
_FEATURE_KEY = rf"^(?!sqlxy)(?!.*(?:/[-_]*|[-_]{{2}})sqlxy){_KEY[1:]}"  # names.RESERVED_KEY
_COLUMN = {"type": "string", "pattern": rf"^{COLUMN_NAME.pattern}$", "maxLength": MAX_NAME}
_USER_COLUMN = {**_COLUMN, "not": {"pattern": f"^{SYSTEM_PREFIX}"}}
_SQL = "; one SQL expression over the parent's columns (DuckDB SQL), checked at load"


@dataclass(frozen=True)
class Key:
    doc: str
    schema: dict[str, Any]
    required: bool = False

    @property
    def types(self) -> tuple[str, ...]:
        """The JSON types of a plain-typed value (`{"type": …}`)."""
        kind = self.schema["type"]
        return (kind,) if isinstance(kind, str) else tuple(kind)


class Shape(NamedTuple):
    model: type                # the frozen model the mapping becomes (`model.py`)
    skipped: tuple[str, ...]   # the model's fields that are no YAML keys
    name: str                  # its name under the schema's $defs
    doc: str


#: Each mapping of a feature file, by the name the loader's messages give it.
SHAPES: dict[str, Shape] = {
    "feature": Shape(FeatureSpec, ("file", "line", "raw"), "feature",
                     "One feature: a table of sample metadata, its fields and its upstream features."),
    "field": Shape(FieldSpec, (), "field", "A field: its key, code version and (optionally) the upstream fields "
                                           "it reads."),
    "field dep": Shape(FieldDep, (), "field_dep", "Upstream fields one field reads."),
    "dep": Shape(Dep, ("line",), "dep", "One upstream feature and how this feature reads it."),
    "expansion lineage": Shape(Lineage, ("kind",), "expansion", "1:N: each parent has many children."),
    "aggregation lineage": Shape(Lineage, ("kind", "generate"), "aggregation", "N:1: many parents make one child."),
    "generate": Shape(Generate, (), "generate", "Children created inside the database from each parent."),
    "source": Shape(Source, (), "source", "Where a root's samples come from: table or query (neither: the "
                                          "samples passed to resolve)."),
}

KEYS: dict[str, dict[str, Key]] = {
    "feature": {
        "key": Key("The feature's key: slash-separated parts of [a-z0-9_-], no '__' (video/chunk). Its table "
                   "is named after it (video__chunk), at most 63 characters.", ref("feature_key"), True),
        "description": Key("What the feature holds, for people.", {"type": ["string", "null"]}),
        "id_columns": Key("The columns that identify a sample (not empty): columns of this feature or of its "
                          "upstream.", names(_COLUMN, 1), True),
        "columns": Key("The feature's own columns: name → type.", {
            "type": ["object", "null"], "propertyNames": _USER_COLUMN,
            "additionalProperties": {"enum": list(COLUMN_TYPES), "description": "the column's type"}}),
        "fields": Key("The logical parts of a sample's data (not columns), each with a code version: a field key, "
                      "or a mapping. Default: one field named 'default'.", {
                          "type": ["array", "null"], "minItems": 1,
                          "items": {"anyOf": [ref("field_key"), ref("field")]}}),
        "deps": Key("The upstream features: a feature key, or a mapping with its lineage, rename, select, filter, "
                    "optional and fields_mapping.", {
                        "type": ["array", "null"], "items": {"anyOf": [ref("feature_key"), ref("dep")]}}),
        "source": Key("Root features only (no deps): where the samples come from, and the column holding each "
                      "field's input version.", {"anyOf": [{"type": "null"}, ref("source")]}),
        "metadata": Key("Free-form; never affects versions.", {
            "type": ["object", "null"], "propertyNames": {"type": "string"}, "additionalProperties": ref("json")}),
    },
    "field": {
        "key": Key("The field's key (audio, frames): the syntax of a feature key, at most "
                   f"{MAX_NAME - FIELD_COLUMN_PREFIX} characters.", ref("field_key"), True),
        "code_version": Key("The version of the code computing this field, as written (an unquoted 1.10 is "
                            "'1.10'); change it to recompute the field. Default: __initial__.",
                            {"anyOf": [{"type": "string", "pattern": r"^[^|]+$"}, {"type": "number"}]}),
        "deps": Key("The upstream fields this field reads, replacing the automatic mapping: a feature key (all "
                    "its fields) or {feature, fields}.", {
                        "type": ["array", "null"], "items": {"anyOf": [ref("feature_key"), ref("field_dep")]}}),
    },
    "field dep": {
        "feature": Key("The upstream feature's key (one of the feature's deps).", ref("feature_key"), True),
        "fields": Key("The upstream fields read: names, or '*' for all of them (the default).",
                      {"anyOf": [{"const": "*"}, names(ref("field_key"))], "default": "*"}),
    },
    "dep": {
        "feature": Key("The upstream feature's key.", ref("feature_key"), True),
        "lineage": Key("How samples map: identity (1:1, the default), {expansion: {on}} (1:N, one parent → many "
                       "children) or {aggregation: {on}} (N:1, many parents → one child).", ref("lineage")),
        "rename": Key("Upstream column → the name it takes here, applied first.", {
            "type": ["object", "null"], "propertyNames": _COLUMN, "additionalProperties": _USER_COLUMN}),
        "select": Key("The upstream columns to carry (after rename). Default: all.", names(_COLUMN)),
        "filter": Key("A SQL condition over the (renamed) upstream columns; only matching upstream samples count.",
                      {"type": ["string", "null"]}),
        "optional": Key("Left-join the upstream: samples without an upstream row still count.",
                        {"type": "boolean", "default": False}),
        "fields_mapping": Key("Which upstream fields this feature's fields read when they name no deps: default "
                              "(the same-named field, else all), all, none, or {field: [upstream fields]}.", {
                                  "anyOf": [{"enum": list(MAPPING_WORDS)}, {
                                      "type": "object", "propertyNames": ref("field_key"),
                                      "additionalProperties": names(ref("field_key"))}],
                                  "default": "default"}),
    },
    "expansion lineage": {
        "on": Key("The parent columns that link a child to its parent (not empty). Default: the id columns.",
                  names(_COLUMN, 1)),
        "generate": Key("Create the children inside the database: count, index and columns, as SQL over the "
                        "parent's columns.", ref("generate")),
    },
    "aggregation lineage": {
        "on": Key("The columns that group the parents into one child (not empty). Default: the id columns.",
                  names(_COLUMN, 1)),
    },
    "generate": {
        "count": Key("How many children a parent has" + _SQL + ".", {"type": ["string", "integer"]}, True),
        "index": Key("The name of the 0-based child index column.", {
            "type": "string", "pattern": rf"^{COLUMN_NAME.pattern}$", "default": "sqlxy_index"}),
        "columns": Key("Child column → its value" + _SQL + " (the index column too).", {
            "type": ["object", "null"], "propertyNames": _COLUMN,
            "additionalProperties": {"type": ["string", "number", "boolean"]}}),
    },
    "source": {
        "table": Key("The table holding the samples (not with query).", {"type": "string"}),
        "query": Key("A single SELECT giving the samples (not with table).", {"type": "string"}),
        "versions": Key("Field → the column holding its input version (in the table, the query or the samples "
                        "passed to resolve); every field needs one.", {
                            "type": ["object", "null"], "propertyNames": ref("field_key"),
                            "additionalProperties": {"type": "string"}}),
    },
}


def allowed_keys(shape: str) -> frozenset[str]:
    """The keys a mapping of `shape` allows: its model's fields, bar the bookkeeping ones."""
    return frozenset(f.name for f in fields(SHAPES[shape].model)) - set(SHAPES[shape].skipped)


def holds(shape: str, key: str, value: Any) -> bool:
    """`value` is of the plain type `KEYS[shape][key]` declares."""
    return is_a(value, KEYS[shape][key].types)


for _shape in SHAPES:  # every key a model takes is described, and nothing else
    if set(KEYS[_shape]) != allowed_keys(_shape):
        raise RuntimeError(f"spec/schema.py: the {_shape} keys {sorted(KEYS[_shape])} are not the fields of "
                           f"its model {sorted(allowed_keys(_shape))}")


def described(schema: dict[str, Any], doc: str) -> dict[str, Any]:
    return {**schema, "description": doc}


def mapping_schema(keys: dict[str, Key], doc: str) -> dict[str, Any]:
    """A mapping that allows exactly `keys` (unknown keys are errors, as in the loader)."""
    out: dict[str, Any] = {"type": "object", "description": doc,
                           "properties": {name: described(key.schema, key.doc) for name, key in keys.items()},
                           "additionalProperties": False}
    required = [name for name, key in keys.items() if key.required]
    return {**out, "required": required} if required else out


def _lineage() -> dict[str, Any]:
    bodies = {kind: {"anyOf": [{"type": "null"}, ref(SHAPES[f"{kind} lineage"].name)],
                     "description": SHAPES[f"{kind} lineage"].doc}
              if f"{kind} lineage" in SHAPES else {"description": "1:1 (the default); takes no settings"}
              for kind in LINEAGE_KINDS}
    return {"anyOf": [{"const": "identity"},
                      {"type": "object", "properties": bodies, "additionalProperties": False,
                       "minProperties": 1, "maxProperties": 1}], "default": "identity"}


def feature_schema() -> dict[str, Any]:
    """The JSON Schema of one feature file: a feature mapping, or `features:` and a list of them."""
    defs: dict[str, Any] = {s.name: mapping_schema(KEYS[shape], s.doc) for shape, s in SHAPES.items()}
    defs["source"]["not"] = {"required": ["table", "query"]}  # the loader: table or query, not both
    defs.update({
        "features": {"type": "object", "description": "Several features in one file.",
                     "properties": {"features": {"type": "array", "items": ref("feature"),
                                                 "description": "The file's features."}},
                     "required": ["features"], "additionalProperties": False},
        "feature_key": {"type": "string", "pattern": _FEATURE_KEY, "maxLength": MAX_NAME,
                        "description": "A feature key: slash-separated parts of [a-z0-9_-], no '__'; its "
                                       "table name neither starts with 'sqlxy' nor holds '__sqlxy'."},
        "field_key": {"type": "string", "pattern": _KEY, "maxLength": MAX_NAME - FIELD_COLUMN_PREFIX,
                      "description": "A field key: parts of [a-z0-9_-], no '__'."},
        "lineage": _lineage(),
        "json": {"type": ["string", "number", "boolean", "null", "array", "object"], "items": ref("json"),
                 "propertyNames": {"type": "string"}, "additionalProperties": ref("json")},
    })
    return {"$schema": DIALECT, "title": "sqlxy feature file",
            "description": "A feature spec of sqlxy (features/**/*.yaml): one feature, or `features:` and a list "
                           "of them. Checks the file's shape; rules across features are checked by the loader.",
            "anyOf": [ref("feature"), ref("features"), {"type": "null"}], "$defs": copy.deepcopy(defs)}
