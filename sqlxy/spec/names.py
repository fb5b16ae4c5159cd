"""The syntax of the names a spec gives: feature and field keys, and user column names. Each
check returns the reason a name is refused (the caller places it at a line), or None."""

from __future__ import annotations

import re
from typing import Any

from sqlxy.spec.model import FIELD_COLUMN_PREFIX, MAX_NAME, table_name

KEY_PART = re.compile(r"[a-z0-9_-]+")
COLUMN_NAME = re.compile(r"[a-z_][a-z0-9_]*")
#: Feature keys whose table name sqlxy keeps for itself: its system tables (`sqlxy_…`) and the
#: tables next to a feature table (`<table>__sqlxy_…`, e.g. its records of failed samples). In the
#: key: a leading `sqlxy`, or `sqlxy` after what becomes two underscores (`/`, or two of `-`, `_`).
RESERVED_KEY = re.compile(r"^sqlxy|(?:/[-_]*|[-_]{2})sqlxy")


def check_key(key: Any, what: str = "key") -> str | None:
    """The reason a feature or field key is malformed, or None."""
    if not isinstance(key, str) or not key:
        return f"{what} must be a non-empty string, got {key!r}"
    parts = key.split("/")
    if "__" in key or not all(KEY_PART.fullmatch(p) for p in parts):
        return (f"{what} '{key}' is malformed: slash-separated parts of [a-z0-9_-], "
                "no empty part and no '__'")
    if what == "key" and RESERVED_KEY.search(key):
        return (f"{what} '{key}' is reserved: its table name {table_name(key)} starts with 'sqlxy' or holds "
                "'__sqlxy', which name sqlxy's own tables")
    made, limit = (table_name(key), MAX_NAME) if what == "key" else \
        (table_name(key), MAX_NAME - FIELD_COLUMN_PREFIX)
    if len(made) > limit:
        named = "its table name" if what == "key" else "its columns (sqlxy_data_version__…)"
        return f"{what} '{key[:40]}…' is too long: {named} would exceed {MAX_NAME} characters"
    return None


def check_column_name(name: Any) -> str | None:
    """The reason a user column name is malformed, or None."""
    if not isinstance(name, str) or not COLUMN_NAME.fullmatch(name):
        return f"column name {name!r} is malformed: use [a-z_][a-z0-9_]*"
    if len(name) > MAX_NAME:
        return f"column name '{name[:40]}…' is longer than {MAX_NAME} characters"
    return None
