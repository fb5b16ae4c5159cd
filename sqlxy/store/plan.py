"""What `plan` reads from a target, writing nothing: the graph recorded last, and per feature how
many samples a run would make new, stale or orphaned, counted in the database.

The counts come from the feature's compiled `resolve` query, read through the stand-ins of
missing or incomplete tables (`readonly.py`) and wrapped in one `GROUP BY` count: no table, state
row or kept increment is created, no row leaves the database. A feature's current rows written
under another version of it count as stale too (the `stale_if` predicate on
`sqlxy_feature_version`) when that version had a field at another version than now, or lacked
one: a downstream feature's provenance changes only once its upstream has been recomputed, which
a plan is asked before. That is decided from the rows and the recorded graphs, not the base (a
spec change pushed before the pipeline ran is still pending); a version that differs only by
fields removed since makes no row stale, and a feature without such rows counts as `status` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from sqlxy.compiler import IncrementParams, Query, ReadParams, system
from sqlxy.dialects import SOURCE
from sqlxy.errors import SqlxyError
from sqlxy.store import history
from sqlxy.store.readonly import source_as_is
from sqlxy.store.runner import naming
from sqlxy.store.tables import Tables

CHANGE, REASON, FIELDS, SAMPLES = "sqlxy_change", "sqlxy_stale_reason", "sqlxy_stale_fields", "n"
VERSION = "sqlxy_feature_version"
#: The history columns that must hold text in every row a plan reads (`pushed_at` may be NULL).
TEXTS = ("project_version", "feature_key", "feature_version", "spec_hash", "spec_json")


@dataclass(frozen=True)
class Pushed:
    """One project version as recorded last: per feature its version, spec hash and spec."""

    project_version: str
    pushed_at: str
    versions: dict[str, str]
    spec_hashes: dict[str, str]
    specs: list[dict[str, Any]]  # normalised specs (`versions.normalised_spec`)


def last_pushed(tables: Tables) -> Pushed | None:
    """The graph recorded last (`push`, or a write under a version that was not the latest),
    None when the target has no history table or an empty one. The version's latest recording
    is read, one row per feature (two writers recording at once may have recorded it twice)."""
    runner = tables.runner
    adapter, schema = runner.adapter, runner.schema
    with naming(system.HISTORY_TABLE, "last push"):
        last = history.latest(runner)
    if last is None:
        return None
    version = last["project_version"]
    if not isinstance(version, str):
        raise SqlxyError(f"{system.HISTORY_TABLE} is damaged: its latest row has no project_version (NULL)")
    with naming(system.HISTORY_TABLE, "last push"):
        rows = exp.select(*(exp.column(name, quoted=True) for name in system.HISTORY_COLUMNS)) \
            .from_(exp.table_(system.HISTORY_TABLE, db=schema, quoted=True)) \
            .where(exp.column("project_version", quoted=True).eq(exp.Literal.string(version)))
        recorded = adapter.fetch_arrow(system.for_dialect(rows, adapter.dialect)).to_pylist()
    return _pushed(version, recorded)


def _pushed(version: str, recorded: list[dict[str, Any]]) -> Pushed:
    """The latest recording of `version` among its history rows, one row per feature."""
    damaged = f"{system.HISTORY_TABLE} is damaged (project version {version})"
    stamps = [r["pushed_at"] for r in recorded if r["pushed_at"] is not None]
    newest = max(stamps) if stamps else None
    by_key: dict[str, dict[str, Any]] = {}
    for row in recorded:
        if row["pushed_at"] != newest:
            continue
        missing = next((c for c in TEXTS if not isinstance(row[c], str)), None)
        if missing:
            raise SqlxyError(f"{damaged}: a row has no {missing} (NULL)")
        by_key.setdefault(row["feature_key"], row)
    try:
        specs = [json.loads(r["spec_json"]) for r in by_key.values()]
    except (ValueError, RecursionError) as exc:
        raise SqlxyError(f"{damaged}: a recorded spec is not JSON ({type(exc).__name__})") from None
    stamp = newest.isoformat(sep=" ", timespec="seconds") if hasattr(newest, "isoformat") else str(newest)
    return Pushed(version, stamp, {k: r["feature_version"] for k, r in by_key.items()},
                  {k: r["spec_hash"] for k, r in by_key.items()}, specs)


def pending(tables: Tables, keys: Iterable[str], outdated: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """Per feature of `keys`: `new`, `stale`, `orphaned` (in the units of `resolve`: one per
    parent for an expansion, per group for an aggregation, whose compare keys `per` names; None
    for one per sample) and `by_version`, the stale ones counted only because their rows were
    written under a version of the feature with other field versions (see the module's
    docstring; `outdated`: features whose rows under any other version count so). A root whose
    samples the caller passes has no new or orphaned count (None): only a resolve with its samples
    can tell."""
    forced = set(outdated)
    return {key: _pending(tables, key, _by_version(tables, key, key in forced)) for key in keys}


def _by_version(tables: Tables, key: str, forced: bool) -> str | None:
    """The predicate true for the feature's rows under an outdated version of it, None when no
    current row is under one."""
    current = tables.runner.compiler.versions.features[key]
    column = exp.column(VERSION, quoted=True)
    if forced:
        return exp.NullSafeNEQ(this=column, expression=exp.Literal.string(current)).sql(SOURCE)
    found = _row_versions(tables, key, current)
    harmless = [v for v in found if v is not None and _fields_alike(tables, key, v)]
    if len(harmless) == len(found):
        return None
    kept = column.isin(*(exp.Literal.string(v) for v in [current, *harmless]))
    return exp.not_(exp.Coalesce(this=kept, expressions=[exp.false()])).sql(SOURCE)


def _row_versions(tables: Tables, key: str, current: str) -> list[str | None]:
    """The versions of the feature its current rows were written under, but the current one."""
    column = exp.column(VERSION, quoted=True)
    source = exp.maybe_parse(source_as_is(tables, key, Query.CURRENT, ReadParams()), dialect=SOURCE)
    query = exp.select(column).distinct().from_(source.subquery("sqlxy_plan_rows")) \
        .where(exp.NullSafeNEQ(this=column.copy(), expression=exp.Literal.string(current)))
    runner = tables.runner
    with naming(key, "plan"):
        found = runner.adapter.fetch_arrow(system.for_dialect(query, runner.adapter.dialect)).to_pylist()
    return [row[VERSION] for row in found]


def _fields_alike(tables: Tables, key: str, version: str) -> bool:
    """Did `version` of the feature (as recorded in the history) have every field it has now, at
    the version it has now (it differs only by fields removed since: none of its rows is stale)?"""
    runner = tables.runner
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        return False
    match = exp.and_(exp.column("feature_key", quoted=True).eq(exp.Literal.string(key)),
                     exp.column("feature_version", quoted=True).eq(exp.Literal.string(version)))
    query = exp.select(exp.column("project_version", quoted=True)).from_(
        exp.table_(system.HISTORY_TABLE, db=schema, quoted=True)).where(match).limit(1)
    with naming(system.HISTORY_TABLE, "plan"):
        found = adapter.fetch_arrow(system.for_dialect(query, adapter.dialect)).to_pylist()
    project = found[0]["project_version"] if found else None
    if not isinstance(project, str):
        return False
    if project not in tables.recorded_graphs:  # shared with explain
        tables.recorded_graphs[project] = history.recorded_graph(runner, project)
    recorded = tables.recorded_graphs[project]
    if recorded is None or recorded[1].features.get(key) != version:
        return False
    now = runner.compiler.versions
    return all(recorded[1].fields.get((key, f.key)) == now.fields[(key, f.key)]
               for f in runner.compiler.graph[key].spec.fields)


def _pending(tables: Tables, key: str, predicate: str | None) -> dict[str, Any]:
    runner = tables.runner
    node = runner.compiler.graph[key]
    if node.is_root and not node.spec.has_sql_source:
        stale = _count_current(tables, key, predicate) if predicate else None
        return {"new": None, "stale": stale, "orphaned": None, "by_version": stale, "per": None, "stale_fields": []}
    source = source_as_is(tables, key, Query.RESOLVE, IncrementParams(stale_if=predicate))
    rows = exp.maybe_parse(source, dialect=SOURCE).subquery("sqlxy_plan_rows")
    change, reason = exp.column(CHANGE, quoted=True), exp.column(REASON, quoted=True)
    fields = exp.column(FIELDS, quoted=True)
    counted = exp.select(change, reason, fields, exp.alias_(exp.Count(this=exp.Star()), SAMPLES)) \
        .from_(rows).group_by(change.copy(), reason.copy(), fields.copy())
    with naming(key, "plan"):
        found = runner.adapter.fetch_arrow(system.for_dialect(counted, runner.adapter.dialect)).to_pylist()
    counts: dict[str, Any] = {"new": 0, "stale": 0, "orphaned": 0, "by_version": 0,
                              "per": None if node.lineage == "identity" else list(node.compare_keys)}
    stale_fields: set[str] = set()
    for row in found:  # one row per kind of change, reason and set of stale fields: a handful
        counts[row[CHANGE]] = (counts[row[CHANGE]] or 0) + int(row[SAMPLES])
        stale_fields |= set(filter(None, (row[FIELDS] or "").split(",")))
        if row[CHANGE] == "stale" and row[REASON] == "predicate" and predicate:
            counts["by_version"] = (counts["by_version"] or 0) + int(row[SAMPLES])
    counts["stale_fields"] = sorted(stale_fields)
    return counts


def _count_current(tables: Tables, key: str, condition: str) -> int:
    """The current samples of a feature that meet `condition`."""
    source = source_as_is(tables, key, Query.CURRENT, ReadParams(where=condition))
    with naming(key, "plan"):
        return tables.runner.count(system.row_count(source, tables.runner.adapter.dialect))
