"""push: the graph recorded in the history table, a log of which project version was recorded
when: a version is recorded again whenever it is not the latest one recorded (a revert, or a
store of another branch writing), so the latest rows are always the graph written under last."""

from __future__ import annotations

import json
from typing import Any

from sqlglot import exp

from sqlxy.compiler import system
from sqlxy.errors import SqlxyError
from sqlxy.graph import FeatureGraph
from sqlxy.spec.normalised import spec_from_normalised
from sqlxy.store.adapter import serialized
from sqlxy.store.runner import Runner
from sqlxy.store.tables import Tables
from sqlxy.versions import Versions, canonical_json, compute_versions, normalised_spec


def latest(runner: Runner) -> dict[str, Any] | None:
    """The `project_version` and `pushed_at` of the history row recorded last (latest `pushed_at`,
    then the greatest version where two rows tie), None without a history table or row."""
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        return None
    version, pushed_at = (exp.column(name, quoted=True) for name in ("project_version", "pushed_at"))
    query = exp.select(version, pushed_at).from_(exp.table_(system.HISTORY_TABLE, db=schema, quoted=True)) \
        .order_by(exp.Ordered(this=pushed_at.copy(), desc=True, nulls_first=False),
                  exp.Ordered(this=version.copy(), desc=True, nulls_first=False)).limit(1)
    found = adapter.fetch_arrow(system.for_dialect(query, adapter.dialect)).to_pylist()
    return found[0] if found else None


def push(runner: Runner, quietly: bool = False) -> bool:
    """Record every feature's version and spec, unless the latest recorded project version is this
    one: True when recorded now. `quietly`: as part of a write (its first on this store), not a
    commit of its own. Where the engine serializes (PostgreSQL), writers that must record take
    turns and check again once it is theirs, so the history table is created and a version
    recorded once; elsewhere two writers recording at once may both record, and readers take one
    row per feature of the version's latest rows."""
    if _is_latest(runner):
        return False  # the common case, without waiting for a lock
    adapter, schema = runner.adapter, runner.schema
    with serialized(adapter, "graph history"):
        if adapter.columns(system.HISTORY_TABLE, schema) is None:
            adapter.execute(system.create_history(schema, adapter.dialect))
        elif _is_latest(runner):
            return False
        rows = [_history_row(runner, key) for key in runner.compiler.graph.order]
        insert = system.insert_history(schema, rows, adapter.dialect)
        if quietly:
            adapter.execute(insert)
            return True
        with runner.recorded("push", None, len(rows)):
            adapter.execute(insert)
    return True


def _is_latest(runner: Runner) -> bool:
    """The project's version is the one recorded last on the target."""
    if runner.adapter.columns(system.HISTORY_TABLE, runner.schema) is None:
        return False
    last = latest(runner)
    return last is not None and last["project_version"] == runner.compiler.versions.project


def record_graph(tables: Tables) -> None:
    """Every write records the graph it writes under (once per store, where it is not the latest
    recorded), so `explain` can name the field whose version changed since a row was written and
    `plan` compares with the graph written under last (`push` records it too, explicitly)."""
    if not tables.graph_recorded:
        push(tables.runner, quietly=True)
        tables.graph_recorded = True


def _history_row(runner: Runner, key: str) -> list[str]:
    """A feature's values of `system.HISTORY_COLUMNS`, the push time left to the insert."""
    versions = runner.compiler.versions
    spec_json = canonical_json(normalised_spec(runner.compiler.graph[key].spec))
    return [versions.project, key, versions.features[key], versions.spec_hashes[key], spec_json]


def recorded_graph(runner: Runner, project_version: str) -> tuple[FeatureGraph, Versions] | None:
    """The graph and versions of a graph recorded on the target (by `push`, or by a write under
    it), rebuilt from its specs; None when that version is not recorded, or its specs are damaged
    or no longer make a graph this sqlxy builds (`explain` reads that as not recorded)."""
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        return None
    rows = adapter.fetch_arrow(system.history_specs(schema, project_version, adapter.dialect)).to_pylist()
    specs = {row["feature_key"]: row["spec_json"] for row in rows}  # a version pushed twice: alike
    if not specs:
        return None
    try:  # a history row edited or damaged by hand is as good as none
        graph = FeatureGraph([spec_from_normalised(json.loads(text)) for text in specs.values()])
        config = runner.compiler.config
        return graph, compute_versions(graph, config.hash, config.hash_length)
    except (SqlxyError, ValueError, TypeError, AttributeError, RecursionError):
        return None
