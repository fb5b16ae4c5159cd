"""push: the graph recorded in the history table, once per distinct project version."""

from __future__ import annotations

import json

from sqlxy.compiler import system
from sqlxy.errors import SqlxyError
from sqlxy.graph import FeatureGraph
from sqlxy.spec.normalised import spec_from_normalised
from sqlxy.store.runner import Runner
from sqlxy.store.tables import Tables
from sqlxy.versions import Versions, canonical_json, compute_versions, normalised_spec


def push(runner: Runner, quietly: bool = False) -> bool:
    """Record every feature's version and spec; False when this project version is recorded.
    `quietly`: as part of a write (its first on this store), not a commit of its own."""
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        adapter.execute(system.create_history(schema, adapter.dialect))
    versions = runner.compiler.versions
    if runner.count(system.history_of_version(schema, versions.project, adapter.dialect)):
        return False
    rows = [_history_row(runner, key) for key in runner.compiler.graph.order]
    insert = system.insert_history(schema, rows, adapter.dialect)
    if quietly:
        adapter.execute(insert)
        return True
    with runner.recorded("push", None, len(rows)):
        adapter.execute(insert)
    return True


def record_graph(tables: Tables) -> None:
    """Every write records the graph it writes under, once per store, so `explain` can name the
    field whose version changed since a row was written (`push` records it too, explicitly)."""
    if not tables.graph_recorded:
        push(tables.runner, quietly=True)
        tables.graph_recorded = True


def _history_row(runner: Runner, key: str) -> list[str]:
    """A feature's values of `system.HISTORY_COLUMNS`, the push time left to the insert."""
    versions = runner.compiler.versions
    spec_json = canonical_json(normalised_spec(runner.compiler.graph[key].spec))
    return [versions.project, key, versions.features[key], versions.spec_hashes[key], spec_json]


def recorded_graph(runner: Runner, project_version: str) -> tuple[FeatureGraph, Versions] | None:
    """The graph and versions of a graph recorded on the target (by `push`, or by the first write of its
    project version), rebuilt from its specs; None when that version is not recorded, or its
    specs no longer make a graph this sqlxy builds."""
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        return None
    rows = adapter.fetch_arrow(system.history_specs(schema, project_version, adapter.dialect)).to_pylist()
    specs = {row["feature_key"]: row["spec_json"] for row in rows}  # a version pushed twice: alike
    if not specs:
        return None
    try:  # a history row edited or damaged by hand is as good as none
        graph = FeatureGraph([spec_from_normalised(json.loads(text)) for text in specs.values()])
    except (SqlxyError, ValueError, TypeError):
        return None
    config = runner.compiler.config
    return graph, compute_versions(graph, config.hash, config.hash_length)
