"""ClickHouse: fixes to sqlglot's transpilation of the constructs sqlxy relies on.

- `hex()` is upper-case: digests are `lower(hex(...))` (stock sqlglot does this for MD5 only).
- Ordered string aggregation: `arrayStringConcat(arraySort(groupArray(x)), sep)` — ClickHouse
  has no `string_agg ... ORDER BY`, and `arraySort` on strings is bytewise.
- Expansion: `arrayJoin(range(n))` (stock sqlglot emits a GENERATE_SERIES ClickHouse lacks).
- Timestamps: `DateTime64(6)` (stock `DateTime` drops the microseconds that order a sample's
  rows) and `now64(6, 'UTC')` for `NOW() AT TIME ZONE 'UTC'`.
- Tables need an engine: `ENGINE = MergeTree ORDER BY tuple()` unless one is given.
- JSON columns are stored as String (the JSON type is not Nullable).
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse

DType = exp.DataType.Type


def _lower_hex(self: ClickHouse.Generator, digest: str) -> str:
    return f"LOWER(HEX({digest}))"


def _sha256(self: ClickHouse.Generator, expression: exp.SHA2) -> str:
    return _lower_hex(self, self.func("SHA256", expression.this))


def _ordered_string_agg(self: ClickHouse.Generator, expression: exp.GroupConcat) -> str:
    value = expression.this.this if isinstance(expression.this, exp.Order) else expression.this
    separator = expression.args.get("separator") or exp.Literal.string(",")
    return self.func("arrayStringConcat", exp.func("arraySort", exp.func("groupArray", value)), separator)


def _explode(self: ClickHouse.Generator, expression: exp.Explode) -> str:
    series = expression.this
    if not isinstance(series, exp.GenerateSeries):
        return self.func("arrayJoin", series)
    end = series.args["end"]
    if not series.args.get("is_end_exclusive"):
        end = exp.Add(this=end.copy(), expression=exp.Literal.number(1))
    count = exp.func("toUInt64", exp.func("greatest", exp.func("assumeNotNull", end), exp.Literal.number(0)))
    return self.func("arrayJoin", exp.func("range", count))


def _at_time_zone(self: ClickHouse.Generator, expression: exp.AtTimeZone) -> str:
    inner = expression.this
    if isinstance(inner, (exp.CurrentTimestamp, exp.Anonymous)) and inner.name.upper() in (
            "NOW", "CURRENT_TIMESTAMP", ""):
        return self.func("now64", exp.Literal.number(6), expression.args["zone"])
    return self.func("toTimeZone", inner, expression.args["zone"])


class SqlxyClickHouse(ClickHouse):
    class Generator(ClickHouse.Generator):
        TYPE_MAPPING = {
            **ClickHouse.Generator.TYPE_MAPPING,
            DType.TIMESTAMP: "DateTime64(6)",
            DType.TIMESTAMPNTZ: "DateTime64(6)",
            DType.JSON: "String",
        }
        TRANSFORMS = {
            **ClickHouse.Generator.TRANSFORMS,
            exp.SHA2: _sha256,
            exp.GroupConcat: _ordered_string_agg,
            exp.Explode: _explode,
            exp.AtTimeZone: _at_time_zone,
        }

        def create_sql(self, expression: exp.Create) -> str:
            properties = expression.args.get("properties")
            existing = list(properties.expressions) if properties else []
            special = any(isinstance(p, (exp.EngineProperty, exp.TemporaryProperty)) for p in existing)
            if expression.kind == "TABLE" and not special:
                expression = expression.copy()
                order = exp.Order(expressions=[exp.Ordered(this=exp.Struct(), nulls_first=False)])
                engine = [exp.EngineProperty(this=exp.to_identifier("MergeTree")), order]
                expression.set("properties", exp.Properties(expressions=existing + engine))
            return super().create_sql(expression)
