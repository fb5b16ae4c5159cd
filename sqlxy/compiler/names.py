"""Names sqlxy gives what it creates next to a feature table: its indexes, its kept increment,
its PostgreSQL trigger (`<table>:<role>`, cut to fit PostgreSQL's limit)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlxy.spec.model import MAX_NAME


@dataclass(frozen=True)
class Index:
    """An index the merge-on-read reads by: `columns`, then `sqlxy_updated_at` descending (each
    sample's latest row first); `only_null`: partial, over the rows where that column is NULL."""

    name: str
    columns: tuple[str, ...]
    only_null: str | None = None
    block_range: bool = False  # a BRIN index on `columns` alone: min and max per block of rows

    @property
    def key(self) -> list[str]:
        """The index's columns, as the catalog lists them."""
        return list(self.columns) if self.block_range else [*self.columns, "sqlxy_updated_at"]


def index_name(table: str, role: str) -> str:
    """`<table>:<role>`: table names hold only [a-z0-9_], so no table (they share PostgreSQL's
    namespace with indexes) can be named so; cut to fit MAX_NAME, a digest keeps it unique."""
    name = f"{table}:{role}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(table.encode()).hexdigest()[:8]
    return f"{table[:MAX_NAME - len(role) - 10]}_{digest}:{role}"


def commit_index(table: str) -> Index:
    """Rows stamped after a commit number, found by block (`sqlxy_commit` grows with the rows a
    table appends, so a block range index stays small and costs a write next to nothing)."""
    return Index(index_name(table, "commit"), ("sqlxy_commit",), block_range=True)


def pending_table(table: str) -> str:
    """Where a feature's maintained increment is kept, next to its table."""
    return index_name(table, "pending")


def errors_table(table: str) -> str:
    """Where a feature's records of failed samples live, next to its table: `<table>__sqlxy_errors`
    (a name every engine takes, Spark's too, and no feature's table can have: `names.RESERVED_KEY`),
    cut to fit MAX_NAME as `index_name` cuts."""
    name = f"{table}__sqlxy_errors"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(table.encode()).hexdigest()[:8]
    return f"{table[:MAX_NAME - len('__sqlxy_errors') - 9]}_{digest}__sqlxy_errors"
