"""Staging of user rows: the column checks (in Python, on the schema) and the typed SELECT plus
the row checks (in SQL, in the engine) that run before anything is written.

Rows never loop through Python: a single validation query counts the bad values per column and
returns one example of each, and the typed SELECT casts everything to the table's types.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlxy.compiler.context import SYSTEM_TYPES, FeatureContext
from sqlxy.compiler.sqlparts import ident, literal
from sqlxy.dialects.duckdb import TYPES
from sqlxy.errors import InputError
from sqlxy.graph import FeatureNode

#: Columns that resolve and read output carry and write accepts and drops: informational, or
#: recomputed by the insert (sample hashes, versions, timestamps, run id).
IGNORED_ON_WRITE = {"sqlxy_change", "sqlxy_stale_fields", "sqlxy_stale_reason"} | set(SYSTEM_TYPES)


@dataclass(frozen=True)
class Check:
    label: str       # what the error says is wrong
    condition: str   # SQL true for a bad row
    shown: str       # SQL of the value shown as an example


@dataclass(frozen=True)
class Staging:
    select: str              # typed rows, ready for the compiled templates
    checks: list[Check]
    duplicate_ids: str       # SQL counting ids given more than once


def _type_check(name: str, kind: str) -> Check:
    col, target = ident(name), TYPES[kind]
    bad = f"{col} IS NOT NULL AND TRY_CAST({col} AS {target}) IS NULL"
    if kind == "int":  # a float given for an int must be whole, not rounded
        bad = f"{bad} OR TRY_CAST({col} AS DOUBLE) <> TRY_CAST({col} AS BIGINT)"
    if kind == "string":  # a list, struct or map is not text (only json holds them), whatever it prints as
        bad = f"{bad} OR regexp_matches(typeof({col}), '{_NESTED_TYPE}')"
    return Check(f"column '{name}' is not {kind}", f"({bad})", f"CAST({col} AS VARCHAR)")


def _finite_check(name: str) -> Check:
    """inf, -inf and nan (from `1e400`, `inf`, `nan` in a csv, or a float from a frame) are
    refused: engines store and print them unlike each other, and JSON has no such numbers."""
    col = ident(name)
    return Check(f"column '{name}' holds a non-finite float (inf, -inf or nan)",
                 f"NOT isfinite(TRY_CAST({col} AS DOUBLE))", f"CAST({col} AS VARCHAR)")


def _value_checks(node: FeatureNode, present: set[str]) -> list[Check]:
    """Per user column given: the value casts to the column type; floats are finite."""
    checks = [_type_check(n, k) for n, k in node.columns.items() if n in present]
    return checks + [_finite_check(n) for n, k in node.columns.items() if n in present and k == "float"]


#: DuckDB type names of values that are not scalars: lists, arrays, structs, maps, unions.
_NESTED_TYPE = r"^(STRUCT|MAP|UNION)|\]$"


def _token_check(name: str, required: bool) -> Check:
    col = ident(name)
    text = f"CAST({col} AS VARCHAR)"
    bad = f"regexp_matches(typeof({col}), '{_NESTED_TYPE}') OR {text} = '' OR {text} LIKE '%|%'"
    if required:
        bad = f"{col} IS NULL OR {bad}"
    what = "must be a non-empty version token (a scalar, without '|')"
    return Check(f"column '{name}' {what}", f"({bad})", f"COALESCE({text}, 'NULL')")


def _id_checks(node: FeatureNode, present: set[str], identity: tuple[str, ...] | None = None) -> list[Check]:
    """`identity`: the columns that identify a staged row (default: the feature's id columns)."""
    ids = identity or node.spec.id_columns
    required = list(ids) + [k for k in node.compare_keys if k not in ids]
    missing = [c for c in required if c not in present]
    if missing:
        raise InputError(f"{node.key}: rows lack id column(s) {', '.join(missing)}")
    return [Check(f"id column '{c}' is NULL", f"{ident(c)} IS NULL", "'NULL'") for c in required]


def _check_names(node: FeatureNode, columns: list[str], allowed: set[str], what: str) -> None:
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise InputError(f"{node.key}: {what} has column(s) {', '.join(twice)} more than once")
    unknown = sorted(set(columns) - allowed)
    if unknown:
        raise InputError(f"{node.key}: {what} has unknown column(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(allowed - IGNORED_ON_WRITE))})")


def _typed_user_columns(node: FeatureNode, present: set[str]) -> list[str]:
    out = []
    for name, kind in node.columns.items():
        value = f"TRY_CAST({ident(name)} AS {TYPES[kind]})" if name in present else \
            f"CAST(NULL AS {TYPES[kind]})"
        out.append(f"{value} AS {ident(name)}")
    return out


def _duplicates(node: FeatureNode, relation: str, identity: tuple[str, ...] | None = None) -> str:
    columns = identity or node.spec.id_columns
    ids = ", ".join(ident(c) for c in columns)
    return (f"SELECT COUNT(*) AS n, MIN(CAST({ident(columns[0])} AS VARCHAR)) AS example "
            f"FROM (SELECT {ids} FROM {relation} GROUP BY {ids} HAVING COUNT(*) > 1) AS twice")


def empty_parents_staging(node: FeatureNode, ctx: FeatureContext, columns: list[str], relation: str,
                          run_id: str | None) -> Staging:
    """Typed rows for `insert.sql` that record expansion parents without children (SPEC §6): the
    rows resolve returned for them (parent keys, carried columns, provenance), no child id."""
    if node.child_id is None:
        raise InputError(f"{node.key}: only expansion features have parents without children")
    child_ids = sorted(set(columns) & (set(node.spec.id_columns) - set(node.compare_keys)))
    if child_ids:
        raise InputError(f"{node.key}: a parent without children has no child id, but the empty "
                         f"parents give {', '.join(child_ids)}")
    return write_staging(node, ctx, columns, relation, run_id, identity=node.compare_keys)


def _one_version_source(node: FeatureNode, provenance: str, version: str | None, present: set[str]) -> None:
    """A root row gives a field's provenance or its input version, not both: they could disagree,
    and either choice would silently drop the other. (A version column that is also a declared
    column is data too, and may come with the provenance, as rows from `read` do.)"""
    if version is not None and {provenance, version} <= present and version not in node.columns:
        raise InputError(f"{node.key}: input rejected, nothing written: rows give both {provenance} and "
                         f"'{version}' (the input version of the same field); pass one of them")


def write_staging(node: FeatureNode, ctx: FeatureContext, columns: list[str], relation: str,
                  run_id: str | None, identity: tuple[str, ...] | None = None) -> Staging:
    """Typed rows for `insert.sql`: user columns, per-field provenance and data versions, run id.
    `identity`: the columns that must be present, non-NULL and unique (default: the id columns)."""
    present = set(columns)
    versions = node.spec.input_versions
    allowed = set(node.columns) | IGNORED_ON_WRITE | set(versions.values())
    allowed |= set(ctx.field_column_names)
    _check_names(node, columns, allowed, "input")
    checks = _id_checks(node, present, identity) + _value_checks(node, present)
    provenance = []
    for field in ctx.fields:
        _one_version_source(node, field.prov_name, versions.get(field.key), present)
        if field.prov_name in present:
            checks.append(_token_check(field.prov_name, required=True))
            provenance.append(f"CAST({field.prov} AS VARCHAR) AS {field.prov}")
        elif node.is_root and versions[field.key] in present:
            checks.append(_token_check(versions[field.key], required=True))
            provenance.append(f"{field.expected} AS {field.prov}")
        elif node.is_root:
            raise InputError(f"{node.key}: rows need {field.prov_name} or the input-version column "
                             f"'{versions[field.key]}' of field '{field.key}'")
        else:
            raise InputError(f"{node.key}: rows lack {field.prov_name}: pass the rows resolve returned "
                             "(their provenance pins the inputs a sample was computed from)")
        if field.dv_name in present:
            checks.append(_token_check(field.dv_name, required=False))
            provenance.append(f"CAST({field.dv} AS VARCHAR) AS {field.dv}")
        else:
            provenance.append(f"CAST(NULL AS VARCHAR) AS {field.dv}")
    run = literal(run_id) if run_id else "CAST(NULL AS VARCHAR)"
    select = ", ".join(_typed_user_columns(node, present) + provenance + [f"{run} AS sqlxy_run_id"])
    return Staging(f"SELECT {select} FROM {relation}", checks, _duplicates(node, relation, identity))


def samples_staging(node: FeatureNode, columns: list[str], relation: str) -> Staging:
    """Typed root samples for resolve: user columns and the input-version column of every field."""
    present = set(columns)
    versions = node.spec.input_versions
    _check_names(node, columns, set(node.columns) | set(versions.values()), "samples")
    missing = sorted({v for v in versions.values() if v not in present})
    if missing:
        raise InputError(f"{node.key}: samples lack input-version column(s) {', '.join(missing)} "
                         "named by source.versions")
    checks = _id_checks(node, present) + _value_checks(node, present)
    checks += [_token_check(v, required=True) for v in sorted(set(versions.values()))]
    typed = _typed_user_columns(node, present)
    typed += [f"CAST({ident(v)} AS VARCHAR) AS {ident(v)}" for v in sorted(set(versions.values()))
              if v not in node.columns]
    return Staging(f"SELECT {', '.join(typed)} FROM {relation}", checks, _duplicates(node, relation))


def validation_query(checks: list[Check], relation: str) -> str:
    parts = []
    for i, check in enumerate(checks):
        parts.append(f"SUM(CASE WHEN {check.condition} THEN 1 ELSE 0 END) AS bad_{i}")
        parts.append(f"MIN(CASE WHEN {check.condition} THEN {check.shown} END) AS example_{i}")
    return f"SELECT {', '.join(parts)} FROM {relation}"
