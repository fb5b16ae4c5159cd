"""What `plan` reads from a target, writing nothing: the graph the last `push` recorded, and per
feature how many samples a run would make new, stale or orphaned, counted in the database.

The counts come from the feature's compiled `resolve` query, read through the stand-ins of
missing or incomplete tables (`readonly.py`) and wrapped in one `GROUP BY` count: no table, state
row or kept increment is created, no row leaves the database. For a feature whose fields changed
against the base, its rows written under another version of the feature count as stale too (the
`stale_if` predicate `sqlxy_feature_version IS DISTINCT FROM <version>`): a downstream feature's
provenance changes only once its upstream has been recomputed, which a plan is asked before.
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
from sqlxy.store.readonly import read_through
from sqlxy.store.runner import naming
from sqlxy.store.tables import Tables

CHANGE, REASON, SAMPLES = "sqlxy_change", "sqlxy_stale_reason", "n"


@dataclass(frozen=True)
class Pushed:
    """One project version as `push` recorded it: per feature its version, spec hash and spec."""

    project_version: str
    pushed_at: str
    versions: dict[str, str]
    spec_hashes: dict[str, str]
    specs: list[dict[str, Any]]  # normalised specs (`versions.normalised_spec`)


def last_pushed(tables: Tables) -> Pushed | None:
    """The rows of the project version pushed last (latest `pushed_at`), None when the target has
    no history table or an empty one."""
    runner = tables.runner
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        return None
    history = exp.table_(system.HISTORY_TABLE, db=schema, quoted=True)
    column = {name: exp.column(name, quoted=True) for name in system.HISTORY_COLUMNS}
    latest = exp.select(column["project_version"], column["pushed_at"]).from_(history.copy()) \
        .order_by(exp.Ordered(this=column["pushed_at"].copy(), desc=True),
                  exp.Ordered(this=column["project_version"].copy(), desc=True)).limit(1)
    with naming(system.HISTORY_TABLE, "last push"):
        found = adapter.fetch_arrow(system.for_dialect(latest, adapter.dialect)).to_pylist()
        if not found:
            return None
        version, pushed_at = found[0]["project_version"], found[0]["pushed_at"]
        rows = exp.select(*column.values()).from_(history).where(
            column["project_version"].copy().eq(exp.Literal.string(version)))
        recorded = adapter.fetch_arrow(system.for_dialect(rows, adapter.dialect)).to_pylist()
    try:
        specs = [json.loads(r["spec_json"]) for r in recorded]
    except (TypeError, json.JSONDecodeError) as exc:
        raise SqlxyError(f"{system.HISTORY_TABLE}: the specs of project version {version} are not JSON "
                         f"({exc})") from None
    stamp = pushed_at.isoformat(sep=" ", timespec="seconds") if hasattr(pushed_at, "isoformat") else str(pushed_at)
    return Pushed(version, stamp, {r["feature_key"]: r["feature_version"] for r in recorded},
                  {r["feature_key"]: r["spec_hash"] for r in recorded}, specs)


def pending(tables: Tables, keys: Iterable[str], outdated: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """Per feature of `keys`: `new`, `stale`, `orphaned` (in the units of `resolve`: one per
    parent for an expansion, per group for an aggregation, whose compare keys `per` names; None
    for one per sample) and `by_version`, the stale ones
    counted only because their rows were written under another version of the feature (features
    of `outdated` only). A root whose samples the caller passes has no new or orphaned count
    (None): only a resolve with its samples can tell."""
    marked = set(outdated)
    return {key: _pending(tables, key, key in marked) for key in keys}


def _pending(tables: Tables, key: str, outdated: bool) -> dict[str, Any]:
    runner = tables.runner
    node, version = runner.compiler.graph[key], runner.compiler.versions.features[key]
    predicate = exp.NullSafeNEQ(this=exp.column("sqlxy_feature_version", quoted=True),
                                expression=exp.Literal.string(version)).sql(SOURCE) if outdated else None
    if node.is_root and not node.spec.has_sql_source:
        stale = _count_current(tables, key, predicate) if predicate else None
        return {"new": None, "stale": stale, "orphaned": None, "by_version": stale, "per": None}
    source = _source(tables, key, Query.RESOLVE, IncrementParams(stale_if=predicate))
    rows = exp.maybe_parse(source, dialect=SOURCE).subquery("sqlxy_plan_rows")
    change, reason = exp.column(CHANGE, quoted=True), exp.column(REASON, quoted=True)
    counted = exp.select(change, reason, exp.alias_(exp.Count(this=exp.Star()), SAMPLES)) \
        .from_(rows).group_by(change.copy(), reason.copy())
    with naming(key, "plan"):
        found = runner.adapter.fetch_arrow(system.for_dialect(counted, runner.adapter.dialect)).to_pylist()
    counts: dict[str, Any] = {"new": 0, "stale": 0, "orphaned": 0, "by_version": 0,
                              "per": None if node.lineage == "identity" else list(node.compare_keys)}
    for row in found:
        counts[row[CHANGE]] = (counts[row[CHANGE]] or 0) + int(row[SAMPLES])
        if row[CHANGE] == "stale" and row[REASON] == "predicate" and outdated:
            counts["by_version"] = (counts["by_version"] or 0) + int(row[SAMPLES])
    return counts


def _count_current(tables: Tables, key: str, condition: str) -> int:
    """The current samples of a feature that meet `condition`."""
    source = _source(tables, key, Query.CURRENT, ReadParams(where=condition))
    with naming(key, "plan"):
        return tables.runner.count(system.row_count(source, tables.runner.adapter.dialect))


def _source(tables: Tables, key: str, query: Query, params: IncrementParams | ReadParams) -> str:
    """A read-only query of the feature in the source dialect, missing or incomplete tables of its
    lineage read through their stand-ins (as `readonly.as_is`)."""
    compiler = tables.runner.compiler
    (source,) = compiler.statements(key, query, SOURCE, params)
    lineage = [] if query is Query.CURRENT else [dep.upstream for dep in compiler.graph[key].deps]
    stand_ins = {tables.name(k): select for k in [*lineage, key] if (select := tables.stand_in(k))}
    return read_through(source, stand_ins, tables.runner.schema) if stand_ins else source
