"""What a store's writes did, for a caller cut short (Ctrl-C): did the write land or not?

Every write runs in `recorded`, which moves its `Commit` from "running" to "committed" once the
engine committed. An exception on the way (KeyboardInterrupt included) leaves it "rolled back"
when the engine rolls back a transaction, and "unknown" when the interruption came after the
statements ran but before the commit was confirmed, or on an engine without transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlxy.store.adapter import Adapter


@dataclass
class Commit:
    operation: str            # write, materialize, delete, push
    feature: str | None
    rows: int | None = None   # rows written, when known
    state: str = "running"    # running, committing, committed, rolled back, unknown

    @property
    def landed(self) -> bool | None:
        """True once committed, False when nothing was written, None when that cannot be known."""
        if self.state == "committed":
            return True
        return False if self.state in ("running", "rolled back") else None

    def __str__(self) -> str:
        what = f"{self.operation} of {self.feature}" if self.feature else self.operation
        return what if self.rows is None else f"{what}: {self.rows} rows"


@contextmanager
def recorded(adapter: Adapter, commit: Commit) -> Iterator[Commit]:
    """`adapter.transaction()` that keeps `commit.state` true at every point it can be stopped."""
    try:
        with adapter.transaction():
            yield commit
            commit.state = "committing"  # the adapter commits next; a stop from here is ambiguous
    except BaseException:
        commit.state = "rolled back" if commit.state == "running" and adapter.transactional else "unknown"
        raise
    commit.state = "committed"
