"""Store: runs the compiled SQL of a project on one engine (resolve, write, read, delete,
materialize, status, push, compact). Python orchestrates; every join, hash and comparison runs in SQL.

`Store` is a facade over one module per job (`resolve.py`, `writes.py`, `readonly.py`,
`materialize.py`, `status.py`, `history.py`, `compact.py`), which share a `Runner` (compiler, adapter and the
record of writes) and the `Tables` of the target. It is built from the compiler, an engine
adapter and the target's name, as SQLMesh builds its SnapshotEvaluator from an engine adapter;
`Project.store()` opens the adapter and builds one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyarrow as pa

from sqlxy import selectors
from sqlxy.compiler import Compiler, Params, Query
from sqlxy.config import Config
from sqlxy.graph import FeatureGraph
from sqlxy.store import (
    cascade,
    compact,
    errors,
    explain,
    fingerprint,
    history,
    layout,
    materialize,
    plan,
    readonly,
    rebase,
    resolve,
    status,
    writes,
)
from sqlxy.store.adapter import Adapter
from sqlxy.store.commits import Commit
from sqlxy.store.increment import Increment
from sqlxy.store.inputs import to_arrow
from sqlxy.store.runner import Progress, Runner
from sqlxy.store.tables import Tables
from sqlxy.versions import Versions

__all__ = ["Increment", "Store"]


class Store:
    def __init__(self, compiler: Compiler, adapter: Adapter, target: str = "") -> None:
        self.compiler, self.adapter, self.target = compiler, adapter, target
        self._runner = Runner(compiler, adapter)
        self._tables = Tables(self._runner)

    @property
    def graph(self) -> FeatureGraph:
        return self.compiler.graph

    @property
    def config(self) -> Config:
        return self.compiler.config

    @property
    def versions(self) -> Versions:
        return self.compiler.versions

    @property
    def commits(self) -> list[Commit]:
        """Every write this store started, and whether it landed (what a Ctrl-C left behind)."""
        return self._runner.commits

    @property
    def progress(self) -> Progress:
        """Called as each step of resolve, write and materialize starts, with its label and its
        rows when known (again with the same label once they are counted); a no-op by default.
        The CLI draws it on stderr."""
        return self._runner.progress

    @progress.setter
    def progress(self, observer: Progress) -> None:
        self._runner.progress = observer

    def close(self) -> None:
        self.adapter.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sql(self, key: str, query: Query | str, params: Params | None = None) -> str:
        """A compiled query as text for this store's engine (what `sqlxy compile` writes)."""
        return self.compiler.render(key, query, self.adapter.dialect, params)

    def ensure_table(self, key: str) -> None:
        """Create the feature table, or add the columns a spec change introduced."""
        self._tables.ensure(key)

    def resolve(self, key: str, samples: Any = None, stale_if: str | None = None,
                retry_errors: bool = False) -> Increment:
        """New, stale and orphaned samples of a feature; a root without a SQL source is given its
        `samples`; `stale_if` makes the samples it holds for stale too. Samples recorded as failed
        at the provenance expected now (`write_errors`) are left out, in `increment.errored`,
        unless `retry_errors`."""
        return resolve.resolve(self._tables, key, samples, stale_if, retry_errors)

    def write_errors(self, key: str, rows: Any, message: str | None = None, run_id: str | None = None) -> int:
        """Record that samples failed: `rows` are resolve's rows (compare keys and the
        `sqlxy_provenance` they were tried with; a `sqlxy_error` column gives each its message,
        else `message`). resolve leaves them out while that provenance is expected; a write of the
        sample ends the record. Returns the records written."""
        return errors.write_errors(self._tables, key, rows, message, run_id)

    def errors(self, key: str, samples: Any = None) -> pa.Table:
        """The feature's open records of failed samples (not ended by a write): compare keys,
        `sqlxy_provenance`, `sqlxy_error`, `sqlxy_updated_at`, `sqlxy_run_id`, and
        `sqlxy_in_force` (1: it holds its sample back now; NULL for a root whose `samples` are not
        given)."""
        return errors.listed(self._tables, key, samples)

    def write(self, key: str, rows: Any, partial: bool = False, run_id: str | None = None,
              empty_parents: Any = None) -> int:
        """Append rows atomically; expansion writes retire the parents' missing children.

        `empty_parents` (expansions): the rows resolve returned for parents that have no children;
        they are recorded as settled, and their previous children retired, in the same statement.
        Returns the number of rows written (children plus empty parents)."""
        return writes.write(self._tables, key, rows, partial, run_id, empty_parents)

    def retire(self, key: str, orphaned: Any, run_id: str | None = None) -> int:
        """Soft-delete the samples resolve called orphaned (`increment.orphaned`: their compare
        keys; an expansion's parents retire all their children), staged and joined in the
        database as materialize retires them; returns the tombstones appended."""
        return writes.retire(self._tables, key, to_arrow(orphaned), run_id)

    def read(self, key: str, include_deleted: bool = False, where: str | None = None) -> pa.Table:
        """Current rows (creates and alters nothing)."""
        return readonly.read(self._tables, key, include_deleted, where)

    def delete(self, key: str, where: str, hard: bool = False) -> int:
        """Soft-delete (tombstones) or hard-delete the samples matching `where`; returns the rows
        appended or removed."""
        return writes.delete(self._tables, key, where, hard)

    def cascade_delete(self, key: str, where: str, hard: bool = False, dry_run: bool = False,
                       run_id: str | None = None) -> dict[str, dict[str, int]]:
        """Delete the samples matching `where` and what was derived from them downstream (identity
        and expansion children; an aggregation group once no member is left), soft or `hard`, in
        one transaction where the engine has them (elsewhere safe to run again). Per feature in
        topological order, the `samples` deleted and the `rows` appended or removed; `dry_run`:
        the samples only, nothing written (`store/cascade.py`)."""
        return cascade.cascade_delete(self._tables, key, where, hard, dry_run, run_id)

    def matching(self, key: str, where: str, hard: bool = False) -> int:
        """The samples `delete(key, where, hard)` would delete, counted; writes nothing."""
        return cascade.matching(self._tables, key, where, hard)

    def rebase(self, key: str, fields: Any = None, samples: Any = None, dry_run: bool = False,
               run_id: str | None = None) -> dict[str, Any]:
        """Accept the expected provenance of samples stale only because a field's code version or
        the feature's SQL definition changed, without recomputing: a copy of their current rows
        with the new provenance and the same data versions, so downstream stays settled. Samples
        whose upstream data changed stay stale. `fields`: only these (default: every field);
        `samples`: a root's, as resolve takes them; `dry_run`: count, write nothing. Returns the
        samples `rebased`, the `rows` appended and the stale ones left (`store/rebase.py`)."""
        return rebase.rebase(self._tables, key, fields, samples, dry_run, run_id)

    def compact(self, key: str, keep_history: int | str | timedelta | None = None) -> dict[str, int]:
        """Rewrite the feature table to its current rows plus the history kept: `keep_history` N
        (the N rows before each current row), a duration (`"7d"`, `"12h"`, `"30m"`: rows written
        since now minus it), None (none; deleted samples vanish). Increments, `read` and `status`
        are unchanged. Returns `rows_before`, `rows_after`, `removed`."""
        return compact.compact(self._tables, key, keep_history)

    def materialize(self, key: str, run_id: str | None = None) -> dict[str, int]:
        """(Re)write a SQL-defined feature entirely in the database; retire orphaned samples."""
        return materialize.materialize(self._tables, key, run_id)

    def status(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        """Per feature: current rows, new / stale / orphaned counts, and `waiting_on`: the upstream
        features (direct or not) that have work pending, so this one will change once they run."""
        return status.status(self._tables, keys)

    def migrate(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        """Give the selected features' existing tables (default: all) the layout sqlxy gives new
        ones on this engine, keeping every row: PostgreSQL's indexes and bytewise collation,
        ClickHouse's sorting key (a rebuild: run it while nothing writes). Per feature, what was
        out of date (`migrated`, empty when nothing)."""
        return [layout.migrate(self._runner, key, self._tables.ensure)
                for key in selectors.select(self.graph, keys)]

    def explain(self, key: str, ids: Any, samples: Any = None, stale_if: str | None = None) -> list[dict[str, Any]]:
        """Why samples of a feature are, or are not, up to date: per id (a value, or a mapping of
        the id columns), its `state` (up to date, new, stale, orphaned, deleted, absent, or unknown
        for a root whose `samples` are not given), each field's current provenance next to the
        expected one, and the `causes` found walking the field-level lineage upstream. Reads only
        the samples asked about; writes nothing."""
        return explain.explain(self._tables, key, ids, samples, stale_if)

    def push(self) -> bool:
        """Record the graph in the history unless it is the one recorded last (every write records
        the graph it writes under too); False when it already was."""
        return history.push(self._runner)

    def last_pushed(self) -> plan.Pushed | None:
        """The graph the last `push` recorded (writes nothing); None when nothing was pushed."""
        return plan.last_pushed(self._tables)

    def pending(self, keys: list[str] | None = None, outdated: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Per feature: the samples a run would make new, stale or orphaned, counted in the
        database (creates and writes nothing); rows of the `outdated` features written under
        another version of the feature count as stale (`by_version`)."""
        return plan.pending(self._tables, selectors.select(self.graph, keys), outdated or ())

    def data_version(self, key: str, source: bool = False) -> str:
        """One token for the feature's current samples, computed in the database: a hash of their
        count and of each one's ids and provenance, sorted (so row and write order never count);
        it changes when a sample comes, goes or changes provenance. `source=True` (roots with a
        SQL source): the same over what the source gives now, which equals the feature's once it
        is materialized. Creates nothing (orchestrators' data versions: `sqlxy.dagster`)."""
        return fingerprint.data_version(self._tables, key, source)
