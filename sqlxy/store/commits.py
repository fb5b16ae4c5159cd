"""What a store's writes did, for a caller cut short (Ctrl-C): did the write land or not?

Every write runs in `recorded`, which moves its `Commit` from "running" to "committed" once the
engine committed. The strategy follows the adapter's `SUPPORTS_TRANSACTIONS`:

- with transactions, the statements run in one; an exception while they run leaves the commit
  "rolled back", one after they ran but before the commit was confirmed "unknown";
- without, the statements run one by one in the order the store gives them. One statement lands
  whole or not at all, so an exception leaves it "unknown"; several are not atomic
  (`Commit.atomic` is False) and an exception leaves it "partial": the statements that ran have
  landed, and the store orders them so that the next run completes the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from sqlxy.store.adapter import Adapter


@dataclass
class Commit:
    operation: str            # write, materialize, delete, push, compact
    feature: str | None
    rows: int | None = None   # rows written, when known
    state: str = "running"    # running, committing, committed, rolled back, unknown, partial
    atomic: bool = True       # lands whole or not at all: one transaction, or one statement

    @property
    def landed(self) -> bool | None:
        """True once committed, False when nothing was written, None when that cannot be known
        (for a "partial" commit: some of it was written)."""
        if self.state == "committed":
            return True
        return False if self.state in ("running", "rolled back") else None

    def __str__(self) -> str:
        what = f"{self.operation} of {self.feature}" if self.feature else self.operation
        return what if self.rows is None else f"{what}: {self.rows} rows"


@contextmanager
def recorded(adapter: Adapter, commit: Commit, statements: int = 1, opening: Sequence[str] = (),
             closing: Sequence[str] = ()) -> Iterator[Commit]:
    """Run the block's `statements` writes as atomically as the engine allows, keeping
    `commit.state` true at every point it can be stopped. With transactions, `opening` runs in the
    same transaction before the block and `closing` after it (the change log's bookkeeping)."""
    transactional = adapter.SUPPORTS_TRANSACTIONS
    commit.atomic = transactional or statements == 1
    try:
        with _transaction(adapter):
            for statement in opening if transactional else ():
                adapter.execute(statement)
            yield commit
            for statement in closing if transactional else ():
                adapter.execute(statement)
            commit.state = "committing"  # the adapter commits next; a stop from here is ambiguous
    except BaseException:
        commit.state = _stopped(commit, transactional)
        raise
    commit.state = "committed"


def _transaction(adapter: Adapter) -> AbstractContextManager[None]:
    """The adapter's transaction, or none where it has none (its `transaction()` would refuse)."""
    return adapter.transaction() if adapter.SUPPORTS_TRANSACTIONS else nullcontext()


def _stopped(commit: Commit, transactional: bool) -> str:
    if commit.state == "running" and transactional:
        return "rolled back"
    return "unknown" if commit.atomic else "partial"
