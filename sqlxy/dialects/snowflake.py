"""Snowflake (compile only). `MD5` and `SHA2` return lowercase hex, `LISTAGG ... WITHIN GROUP
(ORDER BY ...)` sorts with the column's collation (binary unless one is set), and stock sqlglot
transpiles the rest as sqlxy needs; the class exists so every dialect is reached the same way."""

from __future__ import annotations

from sqlglot.dialects.snowflake import Snowflake


class SqlxySnowflake(Snowflake):
    pass
