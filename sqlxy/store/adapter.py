"""What the store needs from an engine: execute, fetch as Arrow, stage Arrow, and what it can do.

Capabilities are declared as class flags (as SQLMesh's engine adapters do) and the store chooses
its strategy from them, never from the engine's name:

- `SUPPORTS_TRANSACTIONS`: `transaction()` makes several statements land together or not at all.
  Without it, `transaction()` raises instead of pretending, and `commits.recorded` runs the
  statements in their order and records the write as atomic only when it is one statement.
- `BYPASS_CHECK`: how a maintained increment notices rows written to a feature table outside sqlxy
  (docs/design.md, "Maintained increments"): `"row_count"` (every write records the table's row
  count, cheap where the engine keeps it, as DuckDB does), `"trigger"` (a statement trigger starts a
  new generation when a statement outside sqlxy changes the table: PostgreSQL), or `""` (none:
  every resolve is a full one).

Engines whose feature tables have a layout of their own (PostgreSQL, ClickHouse, Spark: docs/design.md,
"Table layout per engine") also define `layout_gaps` and `migration` (`TableLayout` below); the
store reads a table's layout only through them, and engines without them have nothing to check.
An adapter may also define `after_commit(table, schema, rows)`, run once a write that keeps the
change log committed (PostgreSQL summarizes the commit index's new block ranges there, and
analyzes a table a write grew by more than a tenth), and
`analyze(relation)` for the statistics of a staged key set, and `serialized(name)`: a context in
which one connection at a time runs, per `name`, until its transaction ends (PostgreSQL, whose
concurrent workers otherwise race where sqlxy creates or records something once; `serialized`
below stands in with nothing where an engine has no such lock).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pyarrow as pa

from sqlxy.compiler.model import FeatureModel


class Adapter(Protocol):
    dialect: str
    SUPPORTS_TRANSACTIONS: ClassVar[bool]
    BYPASS_CHECK: ClassVar[str]

    @classmethod
    def connect(cls, name: str, settings: dict[str, Any], root: Path, create: bool = True) -> Any:
        """Open target `name`; `create=False`: create no database file that does not exist."""

    def execute(self, sql: str) -> None: ...

    def fetch_arrow(self, sql: str) -> pa.Table: ...

    def stage(self, name: str, rows: pa.Table) -> None:
        """Make `rows` readable as relation `name` for the following statements."""

    def stage_query(self, name: str, sql: str) -> None:
        """Materialise the rows of `sql` (in this dialect) as relation `name`."""

    def unstage(self, name: str) -> None: ...

    def columns(self, table: str, schema: str | None) -> list[str] | None:
        """The table's column names, or None when it does not exist."""

    def transaction(self) -> AbstractContextManager[None]:
        """The statements run inside commit together; an exception rolls them back. Only where
        `SUPPORTS_TRANSACTIONS`: elsewhere it raises NotImplementedError."""

    def close(self) -> None: ...


def readable_by_delete(adapter: Adapter, staged: str, schema: str | None) -> str:
    """The name a DELETE of a table in `schema` reads the staged relation `staged` by: itself, or
    a copy the adapter makes (ClickHouse: a DELETE runs outside the session, see its
    `copy_for_delete`), which `unstage` drops."""
    copy = getattr(adapter, "copy_for_delete", None)
    return staged if copy is None else str(copy(staged, schema))


def serialized(adapter: Adapter, name: str) -> AbstractContextManager[None]:
    """The adapter's `serialized(name)`, or nothing where the engine has none (DuckDB's file admits
    one writing process; ClickHouse and Spark keep no state that a race could duplicate)."""
    method = getattr(adapter, "serialized", None)
    return nullcontext() if method is None else method(name)


@dataclass(frozen=True)
class LayoutGap:
    """How an existing table differs from the layout its engine gives a new one."""

    text: str
    automatic: bool = False  # the next write or resolve fixes it (`Tables.ensure`)


class TableLayout(Protocol):
    """What an adapter whose engine has a table layout of its own adds."""

    def layout_gaps(self, table: str, schema: str | None, model: FeatureModel) -> list[LayoutGap]:
        """How the existing `table` of `model` differs from the layout of a new one."""

    def migration(self, table: str, schema: str | None, model: FeatureModel, create: list[str]) -> list[str]:
        """The statements that give the existing `table` the layout of `create` (its compiled
        `create` query) and keep its rows, in the order they must run."""
