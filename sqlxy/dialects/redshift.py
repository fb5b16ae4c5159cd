"""Redshift (compile only): fixes to sqlglot's transpilation of the constructs sqlxy relies on.

- `LISTAGG(x, sep) WITHIN GROUP (ORDER BY x)` (stock sqlglot puts the ORDER BY inside the call).
- Redshift has no `IS DISTINCT FROM`: `NOT (a = b OR (a IS NULL AND b IS NULL))` instead.
- Expansion compiles to PostgreSQL's `GENERATE_SERIES(0, n - 1)` (stock sqlglot emits nothing),
  but Redshift runs it on the leader node only, so `generate` expansions cannot be materialized in
  Redshift; resolve, write and the other queries compile as usual.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.redshift import Redshift

from sqlxy.dialects.postgres import _explode


def _null_safe_neq(self: Redshift.Generator, expression: exp.NullSafeNEQ) -> str:
    left, right = expression.this, expression.expression
    same = exp.or_(exp.EQ(this=left.copy(), expression=right.copy()),
                   exp.and_(exp.Is(this=left.copy(), expression=exp.Null()),
                            exp.Is(this=right.copy(), expression=exp.Null())))
    return self.sql(exp.Not(this=exp.Paren(this=same)))


def _listagg(self: Redshift.Generator, expression: exp.GroupConcat) -> str:
    order = expression.this
    value = order.this if isinstance(order, exp.Order) else order
    separator = self.sql(expression.args.get("separator") or exp.Literal.string(","))
    keys = ", ".join(self.sql(k) for k in order.expressions) if isinstance(order, exp.Order) else ""
    within = f" WITHIN GROUP (ORDER BY {keys})" if keys else ""
    return f"LISTAGG({self.sql(value)}, {separator}){within}"


class SqlxyRedshift(Redshift):
    class Generator(Redshift.Generator):
        TRANSFORMS = {**Redshift.Generator.TRANSFORMS, exp.NullSafeNEQ: _null_safe_neq, exp.Explode: _explode,
                      exp.GroupConcat: _listagg}
