"""Spark SQL: fixes to sqlglot's transpilation of the constructs sqlxy relies on.

- Ordered string aggregation: `array_join(array_sort(collect_list(x)), sep)` (bytewise: Spark
  compares strings as UTF-8 binary), which every Spark 3+ and Databricks runtime runs.
- `NOW() AT TIME ZONE 'UTC'`: `to_utc_timestamp(now(), current_timezone())` cast to
  TIMESTAMP_NTZ, right whatever the session time zone (stock sqlglot is right only in UTC).
- Tables are Parquet datasource tables (`USING PARQUET`); JSON columns are STRING.
- Parquet tables cannot `DELETE`: `expand` turns a DELETE into keep-copy, overwrite, drop.
- Layout (`realize_layout`): a feature table is bucketed by the columns of its first full index
  (its ids: an expansion's by the child id), into `BUCKETS` buckets. `latest` ranks each sample's
  rows within its bucket, and two tables joined on those ids (an identity dep) join bucket by
  bucket: a resolve shuffles neither. Other indexes, collations and NOT NULL are dropped.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.spark import Spark

from sqlxy.dialects.layout import Statements, first_full_index, is_index, plain

DType = exp.DataType.Type
#: Buckets per feature table: the tasks that scan and rank it in parallel (a bucketed scan reads
#: one bucket per task), and the files a write adds per task.
BUCKETS = 8
#: The copy of the rows a delete or a migration keeps while it rewrites a table.
KEPT_COPY = "{table}__sqlxy_kept"


def bucketed(statements: Statements) -> Statements:
    """The created table bucketed by its first full index's columns; the rest as `plain`."""
    indexes = [s for s in statements if is_index(s)]
    kept = plain(statements)
    for statement in kept:
        if isinstance(statement, exp.Create) and statement.kind == "TABLE" and isinstance(statement.this, exp.Schema):
            key = [c.this.name for c in first_full_index(statement.this.this, indexes) if not c.args.get("desc")]
            if key:
                columns = [exp.column(name, quoted=True) for name in key]
                properties = [exp.FileFormatProperty(this=exp.var("PARQUET")),
                              exp.ClusteredByProperty(expressions=columns, buckets=exp.Literal.number(BUCKETS))]
                statement.set("properties", exp.Properties(expressions=properties))
    return kept


def _ordered_string_agg(self: Spark.Generator, expression: exp.GroupConcat) -> str:
    value = expression.this.this if isinstance(expression.this, exp.Order) else expression.this
    separator = expression.args.get("separator") or exp.Literal.string(",")
    return self.func("ARRAY_JOIN", exp.func("ARRAY_SORT", exp.func("COLLECT_LIST", value)), separator)


def _at_time_zone(self: Spark.Generator, expression: exp.AtTimeZone) -> str:
    utc = exp.func("TO_UTC_TIMESTAMP", expression.this, exp.func("CURRENT_TIMEZONE"))
    if expression.args["zone"].name.upper() != "UTC":
        utc = exp.func("FROM_UTC_TIMESTAMP", utc, expression.args["zone"])
    return self.sql(utc)


def expand_delete(statement: exp.Delete) -> list[exp.Expression]:
    """DELETE FROM t WHERE c → copy the rows to keep, overwrite t with them, drop the copy.

    The copy is created without IF NOT EXISTS and never dropped first: when it already exists, a
    previous delete was cut short and the copy may hold the only rows left (INSERT OVERWRITE
    removes the old files before it writes), so the delete fails instead of dropping them."""
    table = statement.this
    kept = exp.table_(exp.to_identifier(KEPT_COPY.format(table=table.name), quoted=True),
                      db=exp.to_identifier(table.db, quoted=True) if table.db else None)
    condition = statement.args.get("where")
    keep = exp.select("*").from_(table.copy())
    if condition is not None:
        # DELETE removes the rows where the condition is TRUE; a NULL condition keeps the row
        deleted = exp.Coalesce(this=exp.Paren(this=condition.this.copy()), expressions=[exp.false()])
        keep = keep.where(exp.Not(this=deleted))
    parquet = exp.Properties(expressions=[exp.FileFormatProperty(this=exp.var("PARQUET"))])
    drop = exp.Drop(tables=[kept.copy()], kind="TABLE", exists=True)
    return [
        exp.Create(this=kept.copy(), kind="TABLE", expression=keep, properties=parquet),
        exp.Insert(this=table.copy(), expression=exp.select("*").from_(kept.copy()), overwrite=True),
        drop,
    ]


class SqlxySpark(Spark):
    EXPANSIONS = {exp.Delete: expand_delete}
    realize_layout = staticmethod(bucketed)

    class Generator(Spark.Generator):
        TYPE_MAPPING = {**Spark.Generator.TYPE_MAPPING, DType.JSON: "STRING"}
        TRANSFORMS = {
            **Spark.Generator.TRANSFORMS,
            exp.GroupConcat: _ordered_string_agg,
            exp.AtTimeZone: _at_time_zone,
        }

        def create_sql(self, expression: exp.Create) -> str:
            properties = expression.args.get("properties")
            has_format = properties and any(isinstance(p, exp.FileFormatProperty)
                                            for p in properties.expressions)
            if expression.kind == "TABLE" and not has_format:
                expression = expression.copy()
                formats = [exp.FileFormatProperty(this=exp.var("PARQUET"))]
                expression.set("properties", exp.Properties(expressions=formats))
            return super().create_sql(expression)
