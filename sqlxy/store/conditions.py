"""User conditions (`stale_if`, `where`): checked by the snippet rules and against the feature's
columns before any SQL runs; errors name the parameter that gave them."""

from __future__ import annotations

from sqlxy.compiler import Compiler
from sqlxy.dialects import SOURCE
from sqlxy.errors import InputError
from sqlxy.spec.sqlcheck import UnsafeSQL, parse_condition, referenced_columns


def checked_condition(compiler: Compiler, key: str, sql: str, param: str) -> str:
    """The condition normalised (source dialect), or InputError naming `param`."""
    try:
        tree = parse_condition(sql)
    except UnsafeSQL as exc:
        raise InputError(f"{param}='{sql}' {exc}", param=param) from None
    known = set(compiler.model(key).table_column_names)
    unknown = sorted(referenced_columns(tree) - known)
    if unknown:
        raise InputError(f"{param}='{sql}' names unknown column '{unknown[0]}' of {key}", param=param)
    return tree.sql(SOURCE)
