"""Parsing of one feature mapping into the frozen models: the shape rules of SPEC §3 (unknown
keys, key and column-name syntax, value types). The keys each mapping allows, the lineage kinds and
the plain value types are declared once in `schema.py`, which also renders them as JSON Schema. Rules
that look at other features or at upstream columns live in `validate.py`, `column_rules.py` and
`fields.py`."""

from __future__ import annotations

from typing import Any

from sqlxy.errors import SpecError
from sqlxy.spec.errors import spec_error
from sqlxy.spec.load import LineDict, LineList, line_at
from sqlxy.spec.model import (
    COLUMN_TYPES,
    INITIAL_CODE_VERSION,
    SYSTEM_PREFIX,
    Dep,
    FeatureSpec,
    FieldDep,
    FieldSpec,
    Generate,
    Lineage,
    Source,
)
from sqlxy.spec.names import COLUMN_NAME, check_column_name, check_key
from sqlxy.spec.schema import LINEAGE_KINDS, MAPPING_WORDS, allowed_keys, holds


class _Reader:
    """Reads one feature mapping; every complaint carries file, line and feature key."""

    def __init__(self, raw: LineDict, file: str) -> None:
        self.raw, self.file = raw, file
        self.key = raw.get("key") if isinstance(raw.get("key"), str) else None

    @property
    def line(self) -> int:
        return self.raw.line

    def fail(self, message: str, node: Any = None, key: str | None = None) -> SpecError:
        """`spec_error` at the line of `key` in `node` (or of `node` itself)."""
        line = node.line_of(key) if isinstance(node, LineDict) and key else getattr(node, "line", None)
        return spec_error(self, message, line)

    def check_keys(self, node: LineDict, what: str) -> None:
        """No key but those a mapping of shape `what` allows (`schema.SHAPES`)."""
        allowed = allowed_keys(what)
        unknown = sorted(set(node) - allowed, key=str)  # YAML keys may be numbers too: `1: x`
        if unknown:
            raise self.fail(f"unknown key '{unknown[0]}' in {what} (allowed: {', '.join(sorted(allowed))})",
                            node, unknown[0])

    def names(self, value: Any, what: str, node: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{what} must be a list of names, got {value!r}", node, key)
        twice = next((i for i, v in enumerate(value) if v in value[:i]), None)
        if twice is not None:  # a repeated id or key column would join and hash one column twice
            message = f"{what} lists '{value[twice]}' twice; name each one once"
            if isinstance(value, LineList):
                raise spec_error(self, message, value.line_of(twice))
            raise self.fail(message, node, key)
        return tuple(value)


def parse_feature(raw: LineDict, file: str) -> FeatureSpec:
    r = _Reader(raw, file)
    r.check_keys(raw, "feature")
    if "key" not in raw:
        raise r.fail("feature has no 'key'")
    problem = check_key(raw["key"])
    if problem:
        raise r.fail(problem, raw, "key")
    if "id_columns" not in raw:
        raise r.fail("id_columns is required (a non-empty list of column names)")
    ids = r.names(raw["id_columns"], "id_columns", raw, "id_columns")
    if not ids:
        raise r.fail("id_columns must not be empty", raw, "id_columns")
    columns = _parse_columns(r, raw.get("columns") or LineDict())
    fields = _parse_fields(r, raw.get("fields"))
    deps = tuple(_parse_dep(r, d, line_at(raw, ("deps", i), raw.line))
                 for i, d in enumerate(_as_list(r, raw.get("deps"), "deps")))
    description = raw.get("description") or ""
    if not holds("feature", "description", description):
        raise r.fail("description must be a string", raw, "description")
    metadata = raw.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise r.fail("metadata must be a mapping", raw, "metadata")
    odd = _non_text_keys(metadata)
    if odd:  # the spec hash covers metadata as JSON, whose keys are text
        raise r.fail(f"metadata keys must be text, got {odd[0]!r}", raw, "metadata")
    return FeatureSpec(key=raw["key"], id_columns=ids, columns=columns, fields=fields, deps=deps,
                       description=description, source=_parse_source(r, raw.get("source")),
                       metadata=dict(metadata), file=file, line=raw.line, raw=raw)


def _non_text_keys(value: Any) -> list[Any]:
    """The mapping keys below `value` that are not strings (`1:`, `null:`, `2024-01-01:`)."""
    if isinstance(value, dict):
        return [k for k in value if not isinstance(k, str)] + [k for v in value.values() for k in _non_text_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _non_text_keys(v)]
    return []


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _as_list(r: _Reader, value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise r.fail(f"{what} must be a list", r.raw, what)
    return value


def _parse_columns(r: _Reader, node: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, dict):
        raise r.fail("columns must be a mapping of column name → type", r.raw, "columns")
    out = []
    for name, kind in node.items():
        problem = check_column_name(name)
        if problem:
            raise r.fail(problem, node, str(name))
        if name.startswith(SYSTEM_PREFIX):
            raise r.fail(f"column '{name}' collides with sqlxy's system columns (prefix "
                         f"'{SYSTEM_PREFIX}')", node, name)
        if kind not in COLUMN_TYPES:
            raise r.fail(f"column '{name}' has unknown type {kind!r} (types: {', '.join(COLUMN_TYPES)})",
                         node, name)
        out.append((name, kind))
    return tuple(out)


def _parse_fields(r: _Reader, value: Any) -> tuple[FieldSpec, ...]:
    if value is None:
        return (FieldSpec("default"),)
    items = _as_list(r, value, "fields")
    if not items:
        raise r.fail("fields must not be empty (omit it for one field named 'default')", r.raw, "fields")
    return tuple(_parse_field(r, item, line_at(r.raw, ("fields", i), r.raw.line))
                 for i, item in enumerate(items))


def _parse_field(r: _Reader, item: Any, line: int) -> FieldSpec:
    if isinstance(item, str):
        item = LineDict(key=item)
        item.line = line
    if not isinstance(item, LineDict):
        raise r.fail(f"a field must be a name or a mapping, got {item!r}", r.raw, "fields")
    r.check_keys(item, "field")
    problem = check_key(item.get("key"), "field key")
    if problem:
        raise r.fail(problem, item, "key")
    version = item.text_of("code_version") if "code_version" in item else INITIAL_CODE_VERSION
    if not isinstance(version, str) or not version or "|" in version:
        raise r.fail(f"field '{item['key']}': code_version must be a non-empty string without '|', "
                     f"got {version!r}", item, "code_version")
    deps = None
    if "deps" in item:
        deps = tuple(_parse_field_dep(r, d) for d in _as_list(r, item["deps"], "field deps"))
    return FieldSpec(item["key"], version, deps)


def _parse_field_dep(r: _Reader, item: Any) -> FieldDep:
    if isinstance(item, str):
        return FieldDep(item, "*")
    if not isinstance(item, LineDict):
        raise r.fail(f"a field dep must be a feature key or a mapping, got {item!r}", r.raw, "fields")
    r.check_keys(item, "field dep")
    fields = item.get("fields", "*")
    if fields != "*":
        fields = r.names(fields, "field dep fields", item, "fields")
    return FieldDep(str(item.get("feature")), fields)


def _parse_dep(r: _Reader, item: Any, line: int) -> Dep:
    if isinstance(item, str):
        return Dep(item, line=line)
    if not isinstance(item, LineDict):
        raise r.fail(f"a dep must be a feature key or a mapping, got {item!r}", r.raw, "deps")
    r.check_keys(item, "dep")
    if not isinstance(item.get("feature"), str):
        raise r.fail("a dep needs 'feature': the upstream feature key", item)
    rename = item.get("rename") or {}
    if not isinstance(rename, dict) or not all(isinstance(v, str) for v in rename.values()):
        raise r.fail("rename must be a mapping of upstream column → new name", item, "rename")
    select = r.names(item["select"], "select", item, "select") if "select" in item else None
    filter_sql = item.get("filter")
    if not holds("dep", "filter", filter_sql):
        raise r.fail("filter must be a SQL condition string", item, "filter")
    optional = item.get("optional", False)
    if not holds("dep", "optional", optional):
        raise r.fail("optional must be true or false", item, "optional")
    return Dep(feature=item["feature"], lineage=_parse_lineage(r, item), rename=tuple(rename.items()),
               select=select, filter=filter_sql, optional=optional,
               fields_mapping=_parse_mapping(r, item), line=item.line)


def _parse_mapping(r: _Reader, item: LineDict) -> str | tuple[tuple[str, tuple[str, ...]], ...]:
    mapping = item.get("fields_mapping", "default")
    if mapping in MAPPING_WORDS:
        return mapping
    if isinstance(mapping, dict):
        return tuple((k, r.names(v, f"fields_mapping.{k}", item, "fields_mapping"))
                     for k, v in mapping.items())
    raise r.fail(f"fields_mapping must be default, all, none or {{field: [upstream fields]}}, "
                 f"got {mapping!r}", item, "fields_mapping")


def _parse_lineage(r: _Reader, item: LineDict) -> Lineage:
    value = item.get("lineage", "identity")
    if value == "identity":
        return Lineage()
    if not isinstance(value, LineDict) or len(value) != 1 or next(iter(value)) not in LINEAGE_KINDS:
        raise r.fail(f"lineage must be identity, {{expansion: {{on: [...]}}}} or "
                     f"{{aggregation: {{on: [...]}}}}, got {_plain(value)!r}", item, "lineage")
    kind = next(iter(value))
    body = value[kind] or LineDict()
    if kind == "identity":
        return Lineage()
    if not isinstance(body, LineDict):
        raise r.fail(f"{kind} lineage must be a mapping", value, kind)
    r.check_keys(body, f"{kind} lineage")
    on = r.names(body["on"], f"{kind}.on", body, "on") if "on" in body else None
    if on is not None and not on:
        raise r.fail(f"{kind}.on must not be empty", body, "on")
    generate = _parse_generate(r, body["generate"]) if "generate" in body else None
    return Lineage(kind, on, generate)


def _parse_generate(r: _Reader, node: Any) -> Generate:
    if not isinstance(node, LineDict):
        raise r.fail("generate must be a mapping with count, index and columns", r.raw, "deps")
    r.check_keys(node, "generate")
    count, index, columns = node.get("count"), node.get("index", "sqlxy_index"), node.get("columns") or {}
    if not holds("generate", "count", count):
        raise r.fail("generate.count must be a SQL expression over parent columns", node, "count")
    if not isinstance(index, str) or not COLUMN_NAME.fullmatch(index):
        raise r.fail(f"generate.index {index!r} must be a column name", node, "index")
    if not isinstance(columns, dict) or not all(isinstance(v, (str, int, float)) for v in columns.values()):
        raise r.fail("generate.columns must map child column → SQL expression", node, "columns")
    # A bare number is SQL as written: YAML would read `010` as 8 where SQL reads 10.
    texts = columns.text_of if isinstance(columns, LineDict) else columns.get
    return Generate(str(node.text_of("count")), index, tuple((k, str(texts(k))) for k in columns))


def _parse_source(r: _Reader, node: Any) -> Source | None:
    if node is None:
        return None
    if not isinstance(node, LineDict):
        raise r.fail("source must be a mapping (table or query, and versions)", r.raw, "source")
    r.check_keys(node, "source")
    if "table" in node and "query" in node:
        raise r.fail("source takes table or query, not both", node, "query")
    versions = node.get("versions") or {}
    if not isinstance(versions, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in versions.items()):
        raise r.fail("source.versions must map each field to the column holding its input version",
                     node, "versions")
    for value_key in ("table", "query"):
        if value_key in node and not holds("source", value_key, node[value_key]):
            raise r.fail(f"source.{value_key} must be a string", node, value_key)
    return Source(node.get("table"), node.get("query"), tuple(versions.items()))
