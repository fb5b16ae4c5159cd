"""Staging of user rows: the column checks (in Python, on the schema) and the typed SELECT plus
the row checks (in SQL, in the engine) that run before anything is written.

Rows never loop through Python: a single validation query counts the bad values per column and
returns one example of each, and the typed SELECT casts everything to the table's types.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from sqlxy.compiler.model import SYSTEM_COLUMN_NAMES, FeatureModel, FieldModel
from sqlxy.dialects import SOURCE
from sqlxy.dialects.duckdb import TYPES
from sqlxy.errors import InputError
from sqlxy.graph import FeatureNode

#: Columns that resolve and read output carry and write accepts and drops: informational, or
#: recomputed by the insert (sample hashes, versions, timestamps, run id).
IGNORED_ON_WRITE = {"sqlxy_change", "sqlxy_stale_fields", "sqlxy_stale_reason"} | SYSTEM_COLUMN_NAMES


@dataclass(frozen=True)
class Check:
    label: str                 # what the error says is wrong
    condition: exp.Expression  # true for a bad row
    shown: exp.Expression      # the value shown as an example


@dataclass(frozen=True)
class Staging:
    select: exp.Select          # typed rows, ready for the compiled templates
    checks: list[Check]
    duplicate_ids: exp.Select   # counts the ids given more than once, with an example


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _text(value: exp.Expression) -> exp.Cast:
    return exp.cast(value, "VARCHAR", dialect=SOURCE)


def _try_cast(value: exp.Expression, kind: str) -> exp.TryCast:
    return exp.TryCast(this=value, to=exp.DataType.build(kind, dialect=SOURCE), safe=True)


def _nested(value: exp.Expression) -> exp.Expression:
    """True for a list, struct or map: not a scalar, whatever it prints as."""
    return exp.RegexpLike(this=exp.Typeof(this=value), expression=exp.Literal.string(_NESTED_TYPE))


def _type_check(name: str, kind: str) -> Check:
    col, target = _col(name), TYPES[kind]
    bad: exp.Expression = exp.and_(col.is_(exp.null()).not_(), _try_cast(col, target).is_(exp.null()))
    if kind == "int":  # a float given for an int must be whole, not rounded
        bad = exp.or_(bad, _try_cast(col, "DOUBLE").neq(_try_cast(col, "BIGINT")), wrap=False)
    if kind == "string":  # a list, struct or map is not text (only json holds them), whatever it prints as
        bad = exp.or_(bad, _nested(col), wrap=False)
    return Check(f"column '{name}' is not {kind}", exp.paren(bad), _text(col))


def _finite_check(name: str) -> Check:
    """inf, -inf and nan (from `1e400`, `inf`, `nan` in a csv, or a float from a frame) are
    refused: engines store and print them unlike each other, and JSON has no such numbers."""
    col = _col(name)
    finite = exp.Anonymous(this="isfinite", expressions=[_try_cast(col, "DOUBLE")])
    return Check(f"column '{name}' holds a non-finite float (inf, -inf or nan)", exp.not_(finite), _text(col))


def _value_checks(node: FeatureNode, present: set[str]) -> list[Check]:
    """Per user column given: the value casts to the column type; floats are finite."""
    checks = [_type_check(n, k) for n, k in node.columns.items() if n in present]
    return checks + [_finite_check(n) for n, k in node.columns.items() if n in present and k == "float"]


#: The longest error message a record keeps (a summary: resolve reads it with every held sample).
MAX_MESSAGE = 1_000_000
#: DuckDB type names of values that are not scalars: lists, arrays, structs, maps, unions.
_NESTED_TYPE = r"^(STRUCT|MAP|UNION)|\]$"


def _token_check(name: str, required: bool) -> Check:
    col = _col(name)
    bad = [_nested(col), _text(col).eq(exp.Literal.string("")), _text(col).like(exp.Literal.string("%|%"))]
    if required:
        bad.insert(0, col.is_(exp.null()))
    what = "must be a non-empty version token (a scalar, without '|')"
    return Check(f"column '{name}' {what}", exp.paren(exp.or_(*bad)),
                 exp.func("COALESCE", _text(col), exp.Literal.string("NULL")))


def _id_checks(node: FeatureNode, present: set[str], identity: tuple[str, ...] | None = None) -> list[Check]:
    """`identity`: the columns that identify a staged row (default: the feature's id columns)."""
    ids = identity or node.spec.id_columns
    required = list(ids) + [k for k in node.compare_keys if k not in ids]
    missing = [c for c in required if c not in present]
    if missing:
        raise InputError(f"{node.key}: rows lack id column(s) {', '.join(missing)}")
    return [Check(f"id column '{c}' is NULL", _col(c).is_(exp.null()), exp.Literal.string("NULL"))
            for c in required]


def _check_names(node: FeatureNode, columns: list[str], allowed: set[str], what: str) -> None:
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise InputError(f"{node.key}: {what} has column(s) {', '.join(twice)} more than once")
    unknown = sorted(set(columns) - allowed)
    if unknown:
        raise InputError(f"{node.key}: {what} has unknown column(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(allowed - IGNORED_ON_WRITE))})")


def _typed_user_columns(node: FeatureNode, present: set[str]) -> list[exp.Expression]:
    out = []
    for name, kind in node.columns.items():
        value = _try_cast(_col(name), TYPES[kind]) if name in present else \
            exp.cast(exp.null(), TYPES[kind], dialect=SOURCE)
        out.append(exp.alias_(value, name, quoted=True))
    return out


def _duplicates(node: FeatureNode, relation: str, identity: tuple[str, ...] | None = None) -> exp.Select:
    columns = identity or node.spec.id_columns
    ids = [_col(c) for c in columns]
    twice = exp.select(*ids).from_(exp.table_(relation, quoted=True)).group_by(*ids) \
        .having(exp.Count(this=exp.Star()) > 1)
    return exp.select(exp.alias_(exp.Count(this=exp.Star()), "n"),
                      exp.alias_(exp.Min(this=_text(_col(columns[0]))), "example")).from_(twice.subquery("twice"))


def empty_parents_staging(node: FeatureNode, model: FeatureModel, columns: list[str], relation: str,
                          run_id: str | None) -> Staging:
    """Typed rows for `insert.sql` that record expansion parents without children (SPEC §6): the
    rows resolve returned for them (parent keys, carried columns, provenance), no child id."""
    if node.child_id is None:
        raise InputError(f"{node.key}: only expansion features have parents without children")
    child_ids = sorted(set(columns) & (set(node.spec.id_columns) - set(node.compare_keys)))
    if child_ids:
        raise InputError(f"{node.key}: a parent without children has no child id, but the empty "
                         f"parents give {', '.join(child_ids)}")
    return write_staging(node, model, columns, relation, run_id, identity=node.compare_keys)


def _one_version_source(node: FeatureNode, provenance: str, version: str | None, present: set[str]) -> None:
    """A root row gives a field's provenance or its input version, not both: they could disagree,
    and either choice would silently drop the other. (A version column that is also a declared
    column is data too, and may come with the provenance, as rows from `read` do.)"""
    if version is not None and {provenance, version} <= present and version not in node.columns:
        raise InputError(f"{node.key}: input rejected, nothing written: rows give both {provenance} and "
                         f"'{version}' (the input version of the same field); pass one of them")


def write_staging(node: FeatureNode, model: FeatureModel, columns: list[str], relation: str,
                  run_id: str | None, identity: tuple[str, ...] | None = None) -> Staging:
    """Typed rows for `insert.sql` read from `relation`: user columns, per-field provenance and
    data versions, run id. `identity`: the columns that must be present, non-NULL and unique
    (default: the id columns)."""
    present = set(columns)
    versions = node.spec.input_versions
    allowed = set(node.columns) | IGNORED_ON_WRITE | set(versions.values())
    allowed |= {c.name for c in model.field_columns}
    _check_names(node, columns, allowed, "input")
    checks = _id_checks(node, present, identity) + _value_checks(node, present)
    provenance: list[exp.Expression] = []
    for field in model.fields:
        provenance += _field_columns(node, field, present, checks)
    run = exp.Literal.string(run_id) if run_id else exp.cast(exp.null(), "VARCHAR", dialect=SOURCE)
    typed = [*_typed_user_columns(node, present), *provenance, exp.alias_(run, "sqlxy_run_id")]
    return Staging(exp.select(*typed).from_(exp.table_(relation, quoted=True)), checks,
                   _duplicates(node, relation, identity))


def _field_columns(node: FeatureNode, field: FieldModel, present: set[str],
                   checks: list[Check]) -> list[exp.Expression]:
    """A field's provenance (given, or computed from a root's input version) and data version;
    the checks of the token columns given are added to `checks`."""
    versions = node.spec.input_versions
    _one_version_source(node, field.provenance, versions.get(field.key), present)
    if field.provenance in present:
        checks.append(_token_check(field.provenance, required=True))
        provenance: exp.Expression = _text(_col(field.provenance))
    elif node.is_root and versions[field.key] in present:
        checks.append(_token_check(versions[field.key], required=True))
        provenance = field.expected.copy()
    elif node.is_root:
        raise InputError(f"{node.key}: rows need {field.provenance} or the input-version column "
                         f"'{versions[field.key]}' of field '{field.key}'")
    else:
        raise InputError(f"{node.key}: rows lack {field.provenance}: pass the rows resolve returned "
                         "(their provenance pins the inputs a sample was computed from)")
    if field.data_version in present:
        checks.append(_token_check(field.data_version, required=False))
        data_version: exp.Expression = _text(_col(field.data_version))
    else:
        data_version = exp.cast(exp.null(), "VARCHAR", dialect=SOURCE)
    return [exp.alias_(provenance, field.provenance, quoted=True),
            exp.alias_(data_version, field.data_version, quoted=True)]


def samples_staging(node: FeatureNode, columns: list[str], relation: str) -> Staging:
    """Typed root samples for resolve, read from `relation`: user columns and the input-version
    column of every field."""
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
    typed += [exp.alias_(_text(_col(v)), v, quoted=True) for v in sorted(set(versions.values()))
              if v not in node.columns]
    return Staging(exp.select(*typed).from_(exp.table_(relation, quoted=True)), checks,
                   _duplicates(node, relation))


def ids_staging(node: FeatureNode, columns: list[str], relation: str) -> Staging:
    """Typed ids of the samples `explain` is asked about: the id columns, nothing else."""
    _check_names(node, columns, set(node.spec.id_columns), "ids")
    present = set(columns)
    missing = [c for c in node.spec.id_columns if c not in present]
    if missing:
        raise InputError(f"{node.key}: ids lack id column(s) {', '.join(missing)}")
    checks = [_type_check(c, node.columns[c]) for c in node.spec.id_columns]
    checks += [Check(f"id column '{c}' is NULL", _col(c).is_(exp.null()), exp.Literal.string("NULL"))
               for c in node.spec.id_columns]
    typed = [exp.alias_(_try_cast(_col(c), TYPES[node.columns[c]]), c, quoted=True) for c in node.spec.id_columns]
    return Staging(exp.select(*typed).from_(exp.table_(relation, quoted=True)), checks,
                   exp.select(exp.alias_(exp.Literal.number(0), "n"), exp.alias_(exp.null(), "example")))


def errors_staging(node: FeatureNode, model: FeatureModel, columns: list[str], relation: str,
                   message: str | None) -> Staging:
    """Typed records of failed samples read from `relation` (the rows resolve returned): compare
    keys, the sample provenance they were tried with, and the message (`sqlxy_error` per row,
    else `message`)."""
    present = set(columns)
    allowed = set(node.columns) | IGNORED_ON_WRITE | set(node.spec.input_versions.values())
    _check_names(node, columns, allowed | {c.name for c in model.field_columns} | {"sqlxy_error"}, "failed samples")
    keys = node.compare_keys
    checks = _id_checks(node, present, keys) + [_type_check(k, node.columns[k]) for k in keys]
    if "sqlxy_provenance" not in present:
        raise InputError(f"{node.key}: failed samples lack sqlxy_provenance: pass the rows resolve returned "
                         "(a record holds for the provenance the sample was tried with)")
    checks += [_token_check("sqlxy_provenance", required=True), _text_check("sqlxy_provenance")]
    text: exp.Expression = exp.Literal.string(message) if message is not None else \
        exp.cast(exp.null(), "VARCHAR", dialect=SOURCE)
    if "sqlxy_error" in present:  # a row's own message, unless blank
        given = _text(_col("sqlxy_error"))
        checks.append(_text_check("sqlxy_error"))
        blank = exp.or_(given.copy().is_(exp.null()), exp.func("TRIM", given.copy()).eq(exp.Literal.string("")))
        text = exp.Case().when(blank, text).else_(given.copy())
    if message is None:
        checks.append(Check("no error message (give one, or a sqlxy_error column)", text.copy().is_(exp.null()),
                            exp.func("COALESCE", _text(_col(keys[0])), exp.Literal.string("NULL"))))
    checks.append(Check(f"an error message longer than {MAX_MESSAGE:,} characters",
                        exp.func("LENGTH", text.copy()) > MAX_MESSAGE, exp.func("LEFT", text.copy(), 40)))
    typed = [exp.alias_(_try_cast(_col(k), TYPES[node.columns[k]]), k, quoted=True) for k in keys]
    typed += [exp.alias_(_text(_col("sqlxy_provenance")), "sqlxy_provenance", quoted=True),
              exp.alias_(text, "sqlxy_error", quoted=True)]
    return Staging(exp.select(*typed).from_(exp.table_(relation, quoted=True)), checks,
                   _duplicates(node, relation, keys))


def _text_check(name: str) -> Check:
    """The column holds text (a number or a list is refused, not turned into text)."""
    col = _col(name)
    bad = exp.and_(col.is_(exp.null()).not_(),
                   exp.RegexpLike(this=exp.Typeof(this=col), expression=exp.Literal.string("^(VARCHAR|ENUM)")).not_())
    return Check(f"column '{name}' is not text", exp.paren(bad), _text(col))


def validation_query(checks: list[Check], relation: str) -> exp.Select:
    """One pass over `relation`: per check, the rows it refuses and one example."""
    parts: list[exp.Expression] = []
    for i, check in enumerate(checks):
        bad = exp.Case().when(check.condition.copy(), exp.Literal.number(1)).else_(exp.Literal.number(0))
        parts.append(exp.alias_(exp.Sum(this=bad), f"bad_{i}"))
        example = exp.Case().when(check.condition.copy(), check.shown.copy())
        parts.append(exp.alias_(exp.Min(this=example), f"example_{i}"))
    return exp.select(*parts).from_(exp.table_(relation, quoted=True))
