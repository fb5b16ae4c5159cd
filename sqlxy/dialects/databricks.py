"""Databricks (compile only): Spark SQL on Delta tables. It shares Spark's fixes for ordered
aggregation and the UTC timestamp, but keeps Delta as the table format, which runs DELETE."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.databricks import Databricks

from sqlxy.dialects.spark import _at_time_zone, _ordered_string_agg


class SqlxyDatabricks(Databricks):
    class Generator(Databricks.Generator):
        TYPE_MAPPING = {**Databricks.Generator.TYPE_MAPPING, exp.DataType.Type.JSON: "STRING"}
        TRANSFORMS = {
            **Databricks.Generator.TRANSFORMS,
            exp.GroupConcat: _ordered_string_agg,
            exp.AtTimeZone: _at_time_zone,
        }
