"""status: per feature, its current rows and pending work, and whether its table still has an
older layout (`layout.describe`), read without creating anything."""

from __future__ import annotations

from typing import Any

from sqlxy import selectors
from sqlxy.compiler import ErrorParams, IncrementParams, Query, system
from sqlxy.dialects import SOURCE
from sqlxy.store import layout, maintained
from sqlxy.store.increment import CHANGES
from sqlxy.store.readonly import as_is, count_as_is
from sqlxy.store.runner import naming
from sqlxy.store.tables import Tables


def status(tables: Tables, keys: list[str] | None = None) -> list[dict[str, Any]]:
    """Per feature: current rows, new / stale / orphaned counts, `waiting_on`: the upstream
    features (direct or not) that have work pending, so this one will change once they run,
    `errors`: the samples records of failure hold back (for a root whose samples the caller gives,
    the records not ended by a write), and
    `layout`: `ok`, or how its table differs from a new one and what fixes that, and
    `last_resolve`: how the last resolve computed the increment (`maintained (N keys touched)` or
    `full: <reason>`; None before any)."""
    graph = tables.runner.compiler.graph
    rows = {key: _status(tables, key) for key in selectors.select(graph, keys)}
    for key, row in rows.items():
        waiting: set[str] = set()
        for dep in graph[key].deps:
            upstream = rows.get(dep.upstream) or _status(tables, dep.upstream)
            if any(upstream[c] for c in CHANGES):
                waiting.add(dep.upstream)
            waiting |= set(upstream.get("waiting_on", []))
        row["waiting_on"] = sorted(waiting)
        row["layout"] = layout.describe(tables.runner, key)
        row["last_resolve"] = maintained.last_resolve(tables.runner, key)
    return list(rows.values())


def _status(tables: Tables, key: str) -> dict[str, Any]:
    """One feature's rows and changes; the changes are None for a root whose samples the caller
    gives (only a resolve with them can tell)."""
    node = tables.runner.compiler.graph[key]
    row: dict[str, Any] = {"feature": key, "rows": count_as_is(tables, key, Query.CURRENT)}
    row |= dict.fromkeys(CHANGES)
    recorded = tables.has_errors(key)
    row["errors"] = 0
    if not node.is_root or node.spec.has_sql_source:
        with naming(key, Query.STATUS):
            changes = tables.runner.adapter.fetch_arrow(
                as_is(tables, key, Query.STATUS, IncrementParams(errors=recorded))).to_pylist()
        counts = {r["sqlxy_change"]: r["samples"] for r in changes}
        row.update({c: counts.get(c, 0) for c in CHANGES})
        row["errors"] = counts.get("errored", 0)
    elif recorded:  # only a resolve given the samples can tell which hold a sample back: the open ones
        row["errors"] = tables.runner.count(system.row_count(
            tables.runner.compiler.statements(key, Query.ERRORS_LIST, SOURCE, ErrorParams())[0],
            tables.runner.adapter.dialect))
    return row
