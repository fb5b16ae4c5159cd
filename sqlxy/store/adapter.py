"""What the store needs from an engine: execute, fetch as Arrow, stage Arrow, transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import pyarrow as pa


class Adapter(Protocol):
    dialect: str
    transactional: bool  # a failed `transaction()` rolls back (else: each write is one statement)

    def execute(self, sql: str) -> None: ...

    def fetch_arrow(self, sql: str) -> pa.Table: ...

    def stage(self, name: str, rows: pa.Table) -> None:
        """Make `rows` readable as relation `name` for the following statements."""

    def stage_query(self, name: str, sql: str) -> None:
        """Materialise the rows of `sql` (in this dialect) as relation `name`."""

    def unstage(self, name: str) -> None: ...

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        """The table's column names, or None when it does not exist."""

    @contextmanager
    def transaction(self) -> Iterator[None]: ...

    def close(self) -> None: ...

