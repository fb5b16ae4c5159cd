"""Trino (compile only). Stock sqlglot already hashes `to_utf8(text)` and lower-cases `to_hex`,
and `listagg ... WITHIN GROUP` sorts varchar by code point (the UTF-8 byte order); the class exists
so every dialect is reached the same way."""

from __future__ import annotations

from sqlglot.dialects.trino import Trino


class SqlxyTrino(Trino):
    pass
