"""Small SQL builders shared by the render context and the store: quoting and the hash formula.

Every identifier goes through sqlglot quoting; every literal through sqlglot escaping. The hash
formula of SPEC §4/§5 is built here once for every query and dialect.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from sqlxy.dialects import SOURCE


def ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(SOURCE)


def table_ref(name: str, schema: str | None = None) -> str:
    return table_expr(name, schema).sql(SOURCE)


def table_expr(name: str, schema: str | None = None) -> exp.Table:
    return exp.table_(name, db=schema, quoted=True)


def literal(value: str) -> str:
    return exp.Literal.string(value).sql(SOURCE)


def hash_expr(parts: Sequence[str | exp.Expression], algorithm: str, length: int) -> exp.Expression:
    """H(join(parts)): literal strings are str, SQL values are expressions (already non-NULL).

    Adjacent literals are merged so the compiled SQL reads like the formula.
    """
    pieces: list[exp.Expression] = []
    pending: list[str] = []
    for i, part in enumerate(parts):
        sep = "|" if i < len(parts) - 1 else ""
        if isinstance(part, str):
            pending.append(part + sep)
            continue
        if pending:
            pieces.append(exp.Literal.string("".join(pending)))
            pending = []
        pieces.append(part)
        if sep:
            pending.append(sep)
    if pending:
        pieces.append(exp.Literal.string("".join(pending)))
    text: exp.Expression = pieces[0]
    for piece in pieces[1:]:
        text = exp.DPipe(this=text, expression=piece, safe=True)
    return digest_expr(text, algorithm, length)


def digest_expr(text: exp.Expression, algorithm: str, length: int) -> exp.Expression:
    """H(text) as an expression: the hex digest of a non-NULL text value, cut to `length`."""
    digest: exp.Expression = (exp.MD5(this=text) if algorithm == "md5"
                              else exp.SHA2(this=text, length=exp.Literal.number(256)))
    full = 32 if algorithm == "md5" else 64
    if length < full:
        digest = exp.Substring(this=digest, start=exp.Literal.number(1),
                               length=exp.Literal.number(length))
    return digest


def column(name: str, table: str | None = None) -> exp.Expression:
    return exp.column(name, table=table, quoted=True)


def coalesced(name: str, table: str | None = None) -> exp.Expression:
    return exp.Coalesce(this=column(name, table), expressions=[exp.Literal.string("")])


def restricted(table: exp.Expression, condition: exp.Expression, alias: str) -> exp.Expression:
    return exp.select("*").from_(table.copy()).where(condition).subquery(alias)


def in_relation(columns: tuple[str, ...], named: tuple[str, ...], relation: str) -> exp.Expression:
    """`(columns) IN (SELECT named FROM relation)`: row-value membership, portable where correlated
    subqueries are not."""
    return in_query(columns, exp.select(*(column(c) for c in named)).from_(exp.table_(relation, quoted=True)))


def in_query(columns: tuple[str, ...], query: exp.Select) -> exp.Expression:
    left = column(columns[0]) if len(columns) == 1 else exp.Tuple(expressions=[column(c) for c in columns])
    return exp.In(this=left, query=exp.Subquery(this=query))


def samples_relation(table: exp.Expression, child_id: str | None) -> exp.Expression:
    """A feature table's rows that are samples (see `FeatureModel.samples_table`)."""
    if child_id is None:
        return table
    return (exp.select("*").from_(table.copy())
            .where(exp.Not(this=exp.Is(this=column(child_id), expression=exp.Null())))
            .subquery("stored_samples"))
