"""push: the graph recorded in the history table, once per distinct project version."""

from __future__ import annotations

from sqlxy.compiler import system
from sqlxy.store.runner import Runner
from sqlxy.versions import canonical_json, normalised_spec


def push(runner: Runner) -> bool:
    """Record every feature's version and spec; False when this project version is recorded."""
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        adapter.execute(system.create_history(schema, adapter.dialect))
    versions = runner.compiler.versions
    if runner.count(system.history_of_version(schema, versions.project, adapter.dialect)):
        return False
    rows = [_history_row(runner, key) for key in runner.compiler.graph.order]
    with runner.recorded("push", None, len(rows)):
        adapter.execute(system.insert_history(schema, rows, adapter.dialect))
    return True


def _history_row(runner: Runner, key: str) -> list[str]:
    """A feature's values of `system.HISTORY_COLUMNS`, the push time left to the insert."""
    versions = runner.compiler.versions
    spec_json = canonical_json(normalised_spec(runner.compiler.graph[key].spec))
    return [versions.project, key, versions.features[key], versions.spec_hashes[key], spec_json]
