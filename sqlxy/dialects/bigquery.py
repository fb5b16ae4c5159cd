"""BigQuery (compile only): fixes to sqlglot's transpilation of the constructs sqlxy relies on.

- `SHA256()` returns BYTES: hex-encode it with `TO_HEX` (lowercase), as stock sqlglot does for MD5.
- `NOW() AT TIME ZONE 'UTC'` as a DATETIME is `CURRENT_DATETIME('UTC')`.
- Multi-column row-value `IN` is not BigQuery SQL; sqlxy's seed features have one id column.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery


def _sha256(self: BigQuery.Generator, expression: exp.SHA2) -> str:
    return self.func("TO_HEX", exp.func("SHA256", expression.this))


def _at_time_zone(self: BigQuery.Generator, expression: exp.AtTimeZone) -> str:
    return self.func("CURRENT_DATETIME", expression.args["zone"])


class SqlxyBigQuery(BigQuery):
    class Generator(BigQuery.Generator):
        TRANSFORMS = {**BigQuery.Generator.TRANSFORMS, exp.SHA2: _sha256, exp.AtTimeZone: _at_time_zone}
