"""DuckDB: the source dialect of the templates and the default engine.

DuckDB's `md5`/`sha256` return lowercase hex of the UTF-8 bytes and its default collation is
binary, so the SPEC §5 formulas need no overrides here. One rewrite is DuckDB's own:

- A maintained resolve reads only the rows of touched keys (`(SELECT * FROM t WHERE c) AS
  touched_…`). DuckDB evaluates `c` as a semi join after scanning every column of every row; as
  `WHERE rowid IN (SELECT rowid FROM t WHERE c)` it scans only the columns of `c`, then fetches
  the matching rows by row id (7× faster on 8M rows: 0.11 s against 0.78 s).
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB

#: The alias prefix of the row restrictions a maintained resolve reads through (`DepModel.rows`,
#: `FeatureModel.own_rows`).
TOUCHED_PREFIX = "touched_"

TYPES = {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN",
         "timestamp": "TIMESTAMP", "date": "DATE", "json": "JSON"}


def by_row_id(subquery: exp.Subquery) -> exp.Subquery:
    """`(SELECT * FROM t WHERE c) AS touched_x` over a base table as `(SELECT * FROM t WHERE rowid
    IN (SELECT rowid FROM t WHERE c)) AS touched_x`, and a UNION ALL of such selects of one table
    as one select of the union of their row ids; anything else as it is."""
    if not subquery.alias.startswith(TOUCHED_PREFIX):
        return subquery
    branches = _branches(subquery.this)
    tables = {b.args["from_"].this.sql() for b in branches or []}
    if not branches or len(tables) != 1:
        return subquery
    table = branches[0].args["from_"].this
    row_ids = [exp.select(exp.column("rowid")).from_(table.copy()).where(b.args["where"].this.copy())
               for b in branches]
    union = row_ids[0] if len(row_ids) == 1 else exp.union(*row_ids, distinct=False)
    fetched = exp.select("*").from_(table.copy()).where(
        exp.In(this=exp.column("rowid"), query=exp.Subquery(this=union)))
    return fetched.subquery(subquery.alias)


def _branches(query: exp.Expression) -> list[exp.Select] | None:
    """The selects of `SELECT * FROM <table> WHERE c [UNION ALL …]`, None for any other shape."""
    if isinstance(query, exp.Union) and not query.args.get("distinct"):
        left, right = _branches(query.left), _branches(query.right)
        return None if left is None or right is None else left + right
    if not isinstance(query, exp.Select) or query.args.get("joins") or query.args.get("where") is None:
        return None
    source = query.args.get("from_")
    star = len(query.expressions) == 1 and isinstance(query.expressions[0], exp.Star)
    return [query] if star and source is not None and isinstance(source.this, exp.Table) else None


class SqlxyDuckDB(DuckDB):
    class Generator(DuckDB.Generator):
        def subquery_sql(self, expression: exp.Subquery, sep: str = " AS ") -> str:
            return super().subquery_sql(by_row_id(expression), sep)
