"""ClickHouse: fixes to sqlglot's transpilation of the constructs sqlxy relies on.

- `hex()` is upper-case: digests are `lower(hex(...))` (stock sqlglot does this for MD5 only).
- Ordered string aggregation: `arrayStringConcat(arraySort(groupArray(x)), sep)` — ClickHouse
  has no `string_agg ... ORDER BY`, and `arraySort` on strings is bytewise.
- Expansion: `arrayJoin(range(n))` (stock sqlglot emits a GENERATE_SERIES ClickHouse lacks).
- Timestamps: `DateTime64(6)` (stock `DateTime` drops the microseconds that order a sample's
  rows) and `now64(6, 'UTC')` for `NOW() AT TIME ZONE 'UTC'`.
- Tables need an engine: `ENGINE = MergeTree ORDER BY tuple()` unless one is given.
- JSON columns are stored as String (the JSON type is not Nullable).
- The latest row per group (`latest.py`) is `… ORDER BY p, o LIMIT 1 BY p`, which reads a table
  sorted by (ids, sqlxy_updated_at) in key order where a window numbers every row.
- Table layout (`layout.py`): a feature table is sorted by its `latest` index, `ORDER BY (ids,
  sqlxy_updated_at)` (ClickHouse has no secondary B-trees; its sorting key is the index), and its
  `NOT NULL` columns are not Nullable. A key column that is Nullable (an expansion's child id,
  NULL in the rows recording a parent without children) needs `allow_nullable_key`. Strings
  compare bytewise already: collations are dropped; the partial index has no counterpart.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse

from sqlxy.dialects.latest import rewrite_latest
from sqlxy.dialects.layout import Statements, column_defs, drop_constraints, first_full_index, is_index

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


def _limit_one_by(inner: exp.Select, keys: list[exp.Expression]) -> None:
    inner.set("limit", exp.Limit(expression=exp.Literal.number(1), expressions=keys))


def _sorted_table(statement: exp.Expression, key: list[str]) -> None:
    """Non-Nullable NOT NULL columns (CREATE or ALTER), and a created table sorted by `key`."""
    nullable = set()
    for column in column_defs(statement):
        if exp.NotNullColumnConstraint not in {type(k) for k in drop_constraints(column)}:
            nullable.add(column.name)
        elif isinstance(column.args.get("kind"), exp.DataType):
            column.args["kind"].set("nullable", False)
    if not isinstance(statement, exp.Create) or not key:
        return
    columns = [exp.column(name, quoted=True) for name in key]
    properties = [exp.EngineProperty(this=exp.to_identifier("MergeTree")),
                  exp.Order(expressions=[exp.Ordered(this=exp.Tuple(expressions=columns), nulls_first=False)])]
    if nullable & set(key):
        setting = exp.EQ(this=exp.column("allow_nullable_key"), expression=exp.Literal.number(1))
        properties.append(exp.SettingsProperty(expressions=[setting]))
    statement.set("properties", exp.Properties(expressions=properties))


class SqlxyClickHouse(ClickHouse):
    @staticmethod
    def realize_layout(statements: Statements) -> Statements:
        """Indexes become the sorting key of the table created in the same query (see the module)."""
        indexes = [s for s in statements if is_index(s)]
        kept = [s for s in statements if not is_index(s)]
        for statement in kept:
            created = statement.this.this if isinstance(statement, exp.Create) else None
            key = first_full_index(created, indexes) if created is not None else []
            _sorted_table(statement, [column.this.name for column in key])
        return kept

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

        def select_sql(self, expression: exp.Select) -> str:
            # the tree is the generator's own copy (`generate` copies it), so it may be rewritten
            return super().select_sql(rewrite_latest(expression, _limit_one_by))

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
