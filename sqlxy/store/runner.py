"""Runs compiled SQL on one engine: the compiler's statements for the adapter's dialect, errors
named after the feature and query, and every write recorded in `commits`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pyarrow as pa

from sqlxy.compiler import Compiler, Params, Query, state, transpile
from sqlxy.errors import InputError, SpecError, SqlxyError
from sqlxy.store.adapter import Adapter
from sqlxy.store.commits import Commit, recorded

#: Writes that remove or rewrite rows: no kept increment outlives them (a new generation).
RESETS = frozenset({"hard delete", "cascade hard delete", "compact", "migrate"})

#: Told each step of resolve, write and materialize as it starts: its label, and the rows it works
#: on when known; the same label again gives a step's rows once counted (`Store.progress`).
Progress = Callable[[str, int | None], None]


def no_progress(step: str, rows: int | None) -> None:
    """The default `Progress`: nobody is watching."""


class Runner:
    """What every job of the store shares: the compiler, the engine, the record of writes."""

    def __init__(self, compiler: Compiler, adapter: Adapter) -> None:
        self.compiler, self.adapter = compiler, adapter
        self.commits: list[Commit] = []  # every write started, and whether it landed
        self.progress: Progress = no_progress

    def step(self, label: str, rows: int | None = None) -> None:
        """The job is at step `label` (working on `rows` rows, when known): tell `progress`."""
        self.progress(label, rows)

    @property
    def keeps_change_log(self) -> bool:
        """Writes stamp their rows and resolves keep increments (docs/design.md, "Maintained
        increments"): engines with transactions and a check for writes outside sqlxy."""
        return self.adapter.SUPPORTS_TRANSACTIONS and self.adapter.BYPASS_CHECK != ""

    @property
    def schema(self) -> str | None:
        return self.compiler.config.schema

    def statements(self, key: str, query: Query, params: Params | None = None) -> list[str]:
        return self.compiler.statements(key, query, self.adapter.dialect, params)

    def run(self, key: str, query: Query, params: Params | None = None) -> None:
        with naming(key, query):
            for statement in self.statements(key, query, params):
                self.adapter.execute(statement)

    def fetch(self, key: str, query: Query, params: Params | None = None) -> pa.Table:
        (statement,) = self.statements(key, query, params)
        with naming(key, query):
            return self.adapter.fetch_arrow(statement)

    def native(self, source_sql: str) -> str:
        """Source-dialect SQL of one statement in the target dialect."""
        (statement,) = transpile(source_sql, self.adapter.dialect)
        return statement

    def count(self, sql: str) -> int:
        """The `n` of a `system.row_count` query already in the target dialect."""
        return int(self.adapter.fetch_arrow(sql).column(0)[0].as_py())  # PostgreSQL's SUM is numeric

    def recorded(self, operation: str, key: str | None, rows: int | None = None,
                 statements: int = 1, also: tuple[str, ...] = ()) -> AbstractContextManager[Commit]:
        """One write of `statements` statements, in one transaction where the engine has them (else
        not atomic when several), recorded in `commits` (what landed, if cut short); `also`: the
        other features it writes (a cascading delete), each with its own bookkeeping."""
        commit = Commit(operation, key, rows)
        self.commits.append(commit)
        if key is None or not self.keeps_change_log:
            return recorded(self.adapter, commit, statements)
        return self._logged(commit, (key, *also), statements)

    @contextmanager
    def _logged(self, commit: Commit, keys: tuple[str, ...], statements: int) -> Iterator[Commit]:
        # the state rows are locked in one order (PostgreSQL), so two writes of several never deadlock
        logs = [self._change_log(commit.operation, key) for key in sorted(keys, key=self.compiler.table_name)]
        opening, closing = [s for log in logs for s in log[0]], [s for log in logs for s in log[1]]
        with recorded(self.adapter, commit, statements, opening, closing):
            yield commit
        after_commit = getattr(self.adapter, "after_commit", None)  # engines with a table layout
        for key in keys if after_commit is not None else ():
            after_commit(self.compiler.table_name(key), self.schema, commit.rows)

    def _change_log(self, operation: str, key: str) -> tuple[list[str], list[str]]:
        """A write's bookkeeping in its own transaction (docs/design.md, "Maintained increments"):
        first the feature's seq + 1 (its rows are stamped with it), a new generation when rows are
        removed or rewritten; last, where the engine checks by count, the table's row count."""
        table, dialect = self.compiler.table_name(key), self.adapter.dialect
        opening = [state.bump(table, self.schema, operation in RESETS, dialect)]
        counted = self.adapter.BYPASS_CHECK == "row_count"
        return opening, [state.count_rows(table, self.schema, dialect)] if counted else []


@contextmanager
def naming(key: str, query: Query | str) -> Iterator[None]:
    """An engine's error names the feature and the query it ran, whose SQL holds the feature's own
    (`filter`, `generate`, `source`): `video/chunk: materialize query: DuckDB rejected a query: ...`."""
    try:
        yield
    except (InputError, SpecError):
        raise
    except SqlxyError as exc:
        raise SqlxyError(f"{key}: {query} query: {exc}") from exc
