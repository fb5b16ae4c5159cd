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
    IN (SELECT rowid FROM t WHERE c)) AS touched_x`; anything else as it is."""
    inner, alias = subquery.this, subquery.alias
    if not alias.startswith(TOUCHED_PREFIX) or not isinstance(inner, exp.Select):
        return subquery
    source, where = inner.args.get("from_"), inner.args.get("where")
    if source is None or not isinstance(source.this, exp.Table) or where is None or inner.args.get("joins"):
        return subquery
    row_ids = exp.select(exp.column("rowid")).from_(source.this.copy()).where(where.this.copy())
    fetched = exp.select("*").from_(source.this.copy()).where(
        exp.In(this=exp.column("rowid"), query=exp.Subquery(this=row_ids)))
    return fetched.subquery(alias)


class SqlxyDuckDB(DuckDB):
    class Generator(DuckDB.Generator):
        def subquery_sql(self, expression: exp.Subquery, sep: str = " AS ") -> str:
            return super().subquery_sql(by_row_id(expression), sep)
