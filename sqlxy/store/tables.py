"""The feature tables on the target: created, or extended by the columns a spec change added,
before anything writes to them; and stood in for, without creating anything, when a read-only
query meets one that is missing or incomplete (see `readonly.py`)."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from sqlxy.compiler import ExtendParams, Query, state, system
from sqlxy.compiler.model import FeatureModel
from sqlxy.compiler.names import errors_table
from sqlxy.store import layout
from sqlxy.store.adapter import serialized
from sqlxy.store.runner import Runner


class Tables:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._ready: set[str] = set()  # tables known to hold every column of their spec
        self._ensured: set[str] = set()  # tables `ensure` saw to (columns and indexes)
        self.recorded_graphs: dict[str, Any] = {}  # explain: project version → its recorded graph, or None
        self.graph_recorded = False  # the first write of this store records the graph (history.record_graph)

    def name(self, key: str) -> str:
        return self.runner.compiler.table_name(key)

    def ensure(self, key: str) -> None:
        """Create the feature table, or add the columns a spec change introduced and the indexes
        an older sqlxy did not create (PostgreSQL: CREATE INDEX IF NOT EXISTS, once per store)."""
        if key in self._ensured:
            return
        # one process at a time (PostgreSQL): concurrent CREATE … IF NOT EXISTS of one table fail
        with serialized(self.runner.adapter, "tables"):
            self._ensure(key)
        self._ready.add(key)
        self._ensured.add(key)

    def _ensure(self, key: str) -> None:
        adapter, schema = self.runner.adapter, self.runner.schema
        if not self._ensured:
            if schema:
                adapter.execute(system.create_schema(schema, adapter.dialect))
            for statement in state.create_state(schema, adapter.dialect) if self.runner.keeps_change_log else ():
                adapter.execute(statement)
        existing = adapter.columns(self.name(key), schema)
        if existing is None:
            self.runner.run(key, Query.CREATE)
            layout.guard(self.runner, key)
        else:
            wanted = self.runner.compiler.model(key).table_column_names
            missing = tuple(c for c in wanted if c not in existing)
            if missing:
                self.runner.run(key, Query.EXTEND, ExtendParams(missing=missing))
            if any(gap.automatic for gap in layout.gaps(self.runner, key)):
                self.runner.run(key, Query.CREATE)  # the table exists: only its indexes are made
                layout.guard(self.runner, key)
        if self.runner.keeps_change_log:
            counted = adapter.BYPASS_CHECK == "row_count"
            adapter.execute(state.add_state_row(self.name(key), schema, counted, adapter.dialect))

    def ensure_lineage(self, key: str) -> None:
        """The feature's table and those of its deps, which its queries read."""
        for dep in self.runner.compiler.graph[key].deps:
            self.ensure(dep.upstream)
        self.ensure(key)

    def has_errors(self, key: str, extend: bool = False) -> bool:
        """Whether the feature has a table of records of failed samples (`errors.py`; the first
        record creates it) with every column its spec now asks (a compare key a spec change added:
        `extend` adds it, else the table reads as none). Asked each time: another process may
        have recorded one since."""
        runner = self.runner
        existing = runner.adapter.columns(errors_table(self.name(key)), runner.schema)
        if existing is None:
            return False
        missing = tuple(c.name for c in runner.compiler.model(key).error_columns if c.name not in existing)
        if missing and extend:
            with serialized(runner.adapter, "tables"):
                runner.run(key, Query.ERRORS_EXTEND, ExtendParams(missing=missing))
        return not missing or extend

    def rows(self, key: str) -> int:
        """Every row of the feature's table, history and tombstones included."""
        return self.runner.count(system.table_rows(self.name(key), self.runner.schema, self.runner.adapter.dialect))

    def restrictable(self, key: str) -> bool:
        """Whether a query of the feature may be restricted to some compare keys (explain, errors, a
        cascade): every dep traces its keys, and neither the feature's table nor a dep's is read
        through a stand-in (the restriction reads DuckDB row ids, which a stand-in has not)."""
        model = self.runner.compiler.model(key)
        return model.traceable and all(self.stand_in(k) is None for k in (key, *(d.feature for d in model.deps)))

    def stand_in(self, key: str) -> exp.Select | None:
        """A source-dialect SELECT reading the feature table as its spec describes it (no rows when
        it is missing, NULL in columns it lacks), or None when the table is complete."""
        if key in self._ready:
            return None
        existing = self.runner.adapter.columns(self.name(key), self.runner.schema)
        model = self.runner.compiler.model(key)
        if existing is None:
            return system.missing_table(_typed(model))
        missing = tuple(c for c in model.table_column_names if c not in existing)
        if not missing:
            self._ready.add(key)
            return None
        return system.extended_table(self.name(key), self.runner.schema, _typed(model, missing))


def _typed(model: FeatureModel, only: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(name, type) of the table's columns, or of those named in `only`."""
    return [(c.name, c.type) for c in model.typed_columns(only)]
