"""PostgreSQL: fixes to sqlglot's transpilation of the constructs sqlxy relies on.

- `sha256` takes bytea: hash `convert_to(text, 'UTF8')` and hex-encode it (lowercase).
- Ordered string aggregation must sort bytewise whatever the database collation: `COLLATE "C"`.
- Expansion: DuckDB's `UNNEST(RANGE(0, n))` in a select list becomes `UNNEST(GENERATE_SERIES(0, n - 1))`
  in stock sqlglot, which PostgreSQL rejects (a set is not an array); the set-returning
  `GENERATE_SERIES(0, n - 1)` alone is what PostgreSQL expands into rows.
- The latest row per group (`latest.py`) is `DISTINCT ON (p) … ORDER BY p, o`: PostgreSQL reads
  the rows in the order of the table's index on (ids, sqlxy_updated_at DESC NULLS LAST) and keeps
  the first of each group, where a window numbers every row first.
- Table layout (`layout.py`): PostgreSQL keeps it all, the indexes, `COLLATE "C"` and `NOT NULL`.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres

from sqlxy.dialects.latest import rewrite_latest
from sqlxy.dialects.layout import Statements


def _sha256(self: Postgres.Generator, expression: exp.SHA2) -> str:
    utf8 = exp.func("CONVERT_TO", expression.this, exp.Literal.string("UTF8"))
    return self.func("ENCODE", exp.func("SHA256", utf8), exp.Literal.string("hex"))


def _ordered_string_agg(self: Postgres.Generator, expression: exp.GroupConcat) -> str:
    order = expression.this
    if isinstance(order, exp.Order):
        value = order.this
        keys = [exp.Ordered(this=exp.Collate(this=o.this, expression=exp.Identifier(this="C", quoted=True)))
                for o in order.expressions]
        ordered = f"{self.sql(value)}, {self.sql(expression, 'separator')} ORDER BY " + \
            ", ".join(self.sql(k) for k in keys)
        return f"STRING_AGG({ordered})"
    return self.func("STRING_AGG", order, expression.args.get("separator"))


def _explode(self: Postgres.Generator, expression: exp.Explode) -> str:
    series = expression.this
    if isinstance(series, exp.GenerateSeries):
        end = series.args["end"]
        if series.args.get("is_end_exclusive"):
            end = exp.Sub(this=end.copy(), expression=exp.Literal.number(1))
        return self.func("GENERATE_SERIES", series.args["start"], end)
    return self.func("UNNEST", series)


def _distinct_on(inner: exp.Select, keys: list[exp.Expression]) -> None:
    inner.set("distinct", exp.Distinct(on=exp.Tuple(expressions=keys)))


class SqlxyPostgres(Postgres):
    @staticmethod
    def realize_layout(statements: Statements) -> Statements:
        """PostgreSQL realizes the whole layout: indexes, bytewise collation, NOT NULL."""
        return statements

    class Generator(Postgres.Generator):
        TRANSFORMS = {
            **Postgres.Generator.TRANSFORMS,
            exp.SHA2: _sha256,
            exp.GroupConcat: _ordered_string_agg,
            exp.Explode: _explode,
        }

        def select_sql(self, expression: exp.Select) -> str:
            # the tree is the generator's own copy (`generate` copies it), so it may be rewritten
            return super().select_sql(rewrite_latest(expression, _distinct_on))
