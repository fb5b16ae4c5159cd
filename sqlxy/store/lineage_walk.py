"""explain's walk: from a sample that is stale, new or orphaned, upstream along the field-level
lineage to the first place where something changed.

A cause is one of: a code or definition change of a field (the graph the row was written under,
recorded on the target, against the project's), a new data version of an upstream sample (which
sample, which field, when, by which run), a deleted or new upstream sample, a re-expansion, a
staleness predicate. An upstream sample's new data version is itself explained one level further
up, between its previous row and the one that replaced it, until a root (a new input version), a
version change, or a writer's own new data version is reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlglot import exp

from sqlxy.compiler import ExplainParams, Query
from sqlxy.compiler.dep_model import DepModel
from sqlxy.compiler.model import TOUCHED_RELATION, FeatureModel
from sqlxy.dialects import SOURCE
from sqlxy.graph import FieldRef, fullname
from sqlxy.store import history
from sqlxy.store.adapter import Adapter
from sqlxy.store.readonly import as_is
from sqlxy.store.runner import naming
from sqlxy.store.tables import Tables
from sqlxy.versions import Versions

#: How far up one cause is followed (a graph deeper than this says where it stopped).
MAX_DEPTH = 8
#: Upstream samples listed per dep and level (an aggregation group's members).
MAX_LISTED = 20


@contextmanager
def staged(adapter: Adapter, name: str, rows: pa.Table) -> Iterator[None]:
    adapter.stage(name, rows)
    try:
        yield
    finally:
        adapter.unstage(name)


def fetch(tables: Tables, key: str, query: Query, params: ExplainParams) -> pa.Table:
    with naming(key, query):
        return tables.runner.adapter.fetch_arrow(as_is(tables, key, query, params))


def causes(tables: Tables, model: FeatureModel, report: dict[str, Any], row: dict[str, Any] | None,
           keys: pa.Table) -> list[dict[str, Any]]:
    """Why the sample of `report` is what `report["state"]` says."""
    found: list[dict[str, Any]] = []
    since = row["sqlxy_updated_at"] if row is not None else None
    state = report["state"]
    if state == "up to date" and since is not None:
        return upstream_causes(tables, model, keys, {f.key for f in model.fields}, since, None, 0, unread_too=True)
    if state == "stale":
        for field in report.get("stale_fields", []):
            origin = version_causes(tables, model.key, field, _written_under(row))
            if origin:
                found.append({"kind": "new field version", "feature": model.key, "field": field, "origin": origin})
        fields = set(report.get("stale_fields", [])) or {f.key for f in model.fields}
        if "children" in report:
            found.append({"kind": "re-expansion", "feature": model.key,
                          "detail": f"{report['children']['expected']} children expected, "
                                    f"{report['children']['current']} current"})
        found += upstream_causes(tables, model, keys, fields, since, None, 0)
        if report.get("predicate"):
            found.append({"kind": "predicate", "feature": model.key, "detail": "the staleness predicate holds"})
    elif state == "new":
        if report.get("deleted"):
            found.append({"kind": "deleted", "feature": model.key, "at": row["sqlxy_deleted_at"] if row else None,
                          "detail": "deleted, while its upstream still has it"})
        found += upstream_causes(tables, model, keys, {f.key for f in model.fields}, since, None, 0)
    elif state == "orphaned":
        found += upstream_causes(tables, model, keys, {f.key for f in model.fields}, since, None, 0)
        found += [] if found else _gone(model, keys)
        if not found:
            found.append({"kind": "no upstream", "feature": model.key,
                          "detail": "no current upstream sample leads to it: deleted for good (a hard delete, "
                                    "or compacted away), or left out by a dep's filter or join"})
    if model.lineage == "expansion" and "children" not in report and any(c["kind"] == "upstream data" for c in found):
        found.append({"kind": "re-expansion", "feature": model.key,
                      "detail": "its parent changed, so the parent is expanded again: every child is recomputed"})
    return found


def _gone(model: FeatureModel, keys: pa.Table) -> list[dict[str, Any]]:
    """An orphaned sample whose keys are an upstream's ids, with no row of that upstream sample
    left: it was hard-deleted (or compacted away after a delete)."""
    values = keys.to_pylist()[0]
    return [{"kind": "deleted upstream", "feature": dep.feature,
             "sample": {column: values[key] for column, key in zip(dep.traced, model.keys, strict=True)},
             "detail": "no row of it is left (a hard delete, or compacted away after a delete)"}
            for dep in model.deps if dep.by_ids and len(model.deps) == 1]


def version_causes(tables: Tables, key: str, field: str, then: tuple[str, str],
                   now: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """The code or definition changes that give (`key`, `field`) another version under `now`
    (project version, feature version; default: the project's) than under `then`, a row's."""
    graph, versions = tables.runner.compiler.graph, tables.runner.compiler.versions
    now = now or (versions.project, versions.features[key])
    if then[0] is None or then[0] == now[0]:
        return []
    old = _recorded(tables, then[0])
    new = (graph, versions) if now[0] == versions.project else _recorded(tables, now[0])
    if old is None or new is None:
        if then[1] == now[1]:
            return []
        return [{"kind": "version", "feature": key, "field": field,
                 "detail": f"{key}'s version changed ({then[1]} → {now[1]}); the graph of the older row is not "
                           "recorded on the target, so the field that changed cannot be named"}]
    return field_changes(old, new[0], new[1], (key, field))


def _written_under(row: dict[str, Any] | None, prefix: str = "sqlxy_") -> tuple[str, str]:
    """(project version, feature version) of a row (or of an upstream sample's row `then`/`now`)."""
    row = row or {}
    return row.get(f"{prefix}project_version"), row.get(f"{prefix}feature_version")  # type: ignore[return-value]


def field_changes(old: tuple[Any, Versions], graph: Any, now: Versions, ref: FieldRef,
                  seen: set[FieldRef] | None = None) -> list[dict[str, Any]]:
    """Where a field's version differs between a recorded graph and the project's: its own code
    version or definition, its inputs, or (following them) an upstream field's."""
    old_graph, old_versions = old
    seen = seen if seen is not None else set()
    if ref in seen or old_versions.fields.get(ref) == now.fields.get(ref):
        return []
    seen.add(ref)
    key, field = ref
    if key not in old_graph.nodes or old_graph[key].spec.field(field) is None:
        return [{"kind": "field added", "feature": key, "field": field}]
    before, after = old_graph[key].spec.field(field), graph[key].spec.field(field)
    found = []
    if before.code_version != after.code_version:
        found.append({"kind": "code_version", "feature": key, "field": field,
                      "from": before.code_version, "to": after.code_version})
    if old_versions.definitions.get(key) != now.definitions.get(key):
        found.append({"kind": "definition", "feature": key, "field": field,
                      "from": old_versions.definitions.get(key), "to": now.definitions.get(key)})
    parents_before, parents_after = set(old_graph[key].field_parents[field]), set(graph[key].field_parents[field])
    if parents_before != parents_after:
        found.append({"kind": "lineage", "feature": key, "field": field,
                      "added": sorted(map(fullname, parents_after - parents_before)),
                      "removed": sorted(map(fullname, parents_before - parents_after))})
    for parent in sorted(parents_before & parents_after):
        found += field_changes(old, graph, now, parent, seen)
    return found


def _recorded(tables: Tables, project: str) -> tuple[Any, Versions] | None:
    if project not in tables.recorded_graphs:
        tables.recorded_graphs[project] = history.recorded_graph(tables.runner, project)
    return tables.recorded_graphs[project]


def upstream_causes(tables: Tables, model: FeatureModel, keys: pa.Table, fields: set[str],
                    since: datetime | None, until: datetime | None, depth: int,
                    unread_too: bool = False) -> list[dict[str, Any]]:
    """The upstream samples reaching `keys` whose rows read by `fields` changed after `since`
    (and by `until`): deleted, new, or with a new data version, each explained further up.
    `unread_too`: instead, the upstream changes since then that `fields` do not read."""
    runner = tables.runner
    node = runner.compiler.graph[model.key]
    if not model.traceable:
        return [{"kind": "untraced", "feature": model.key,
                 "detail": "a dep's samples cannot be traced to this sample's keys; `resolve` has the full answer"}]
    found: list[dict[str, Any]] = []
    for dep in model.deps:
        read = sorted({parent for f in fields for k, parent in node.field_parents[f] if k == dep.feature})
        upstream = runner.compiler.model(dep.feature)
        unread = [f.key for f in upstream.fields if f.key not in read]
        if not read and not unread_too:
            continue  # the fields asked about read nothing of this dep (field-level lineage)
        if tables.stand_in(dep.feature) is not None:
            continue  # a table not created yet (or lacking columns): no history to compare
        params = ExplainParams(dep=dep.index, upstream=upstream, upstream_filter=_unrenamed(dep), since=since,
                               until=until, limit=MAX_LISTED)
        with staged(runner.adapter, TOUCHED_RELATION, keys):
            rows = fetch(tables, model.key, Query.EXPLAIN_UPSTREAM, params)
        for i, sample in enumerate(rows.to_pylist()):
            if unread_too:
                found += _unread(upstream, sample, unread, model.key)
            else:
                cause = _sample_cause(tables, upstream, rows.slice(i, 1), sample, read, since, depth)
                found += [cause] if cause is not None else []
    return found


def _unrenamed(dep: DepModel) -> str | None:
    """The dep's filter (written over the names columns take here) over the upstream's names."""
    if dep.filter is None:
        return None
    original = {name: column for column, name in dep.renamed}

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in original:
            return exp.column(original[node.name], quoted=True)
        return node

    return dep.filter.copy().transform(swap).sql(SOURCE)


def _unread(upstream: FeatureModel, sample: dict[str, Any], unread: list[str], reader: str) -> list[dict[str, Any]]:
    """An upstream change the sample's fields do not read (the prunable update), or nothing."""
    changed = [f for f in unread if sample[f"sqlxy_changed__{f}"] and sample["sqlxy_had_then"]]
    if not changed or sample["sqlxy_now_deleted_at"] is not None:
        return []
    return [{"kind": "not read", "feature": upstream.key, "sample": {c: sample[c] for c in upstream.ids},
             "fields": changed, "at": sample["sqlxy_now_updated_at"], "run_id": sample["sqlxy_now_run_id"],
             "reader": reader}]


def _sample_cause(tables: Tables, upstream: FeatureModel, row: pa.Table, sample: dict[str, Any],
                  read: list[str], since: datetime | None, depth: int) -> dict[str, Any] | None:
    ids = {c: sample[c] for c in upstream.ids}
    base = {"feature": upstream.key, "sample": ids, "at": sample["sqlxy_now_updated_at"],
            "run_id": sample["sqlxy_now_run_id"]}
    if sample["sqlxy_now_deleted_at"] is not None:
        return {"kind": "deleted upstream", **base}
    if not sample["sqlxy_now_passes"]:
        return {"kind": "filtered out upstream", **base, "detail": "no longer passes the dep's filter"}
    if since is None:  # the sample was never written
        return {"kind": "upstream sample", **base, "detail": "it is expected from this upstream sample"}
    if not sample["sqlxy_had_then"] and sample["sqlxy_now_created_at"] <= since:
        return {"kind": "upstream rewritten", **base,  # its rows before `since` were compacted away
                "detail": "rewritten since; its earlier rows are compacted away, so what changed cannot be told"}
    if not sample["sqlxy_had_then"] or not sample["sqlxy_then_passes"]:
        return {"kind": "new upstream", **base}
    changed = [f for f in read if sample[f"sqlxy_changed__{f}"]]
    if not changed:
        return None
    cause = {"kind": "upstream data", **base, "fields": changed,
             "from": {f: sample[f"sqlxy_then__{f}"] for f in changed},
             "to": {f: sample[f"sqlxy_now__{f}"] for f in changed}}
    if since is not None:
        cause["origin"] = _origin(tables, upstream, row, sample, changed, depth + 1)
    return cause


def _origin(tables: Tables, model: FeatureModel, row: pa.Table, sample: dict[str, Any], fields: list[str],
            depth: int) -> list[dict[str, Any]]:
    """Why an upstream sample's data version of `fields` changed between its row then and now."""
    then, now = _written_under(sample, "sqlxy_then_"), _written_under(sample, "sqlxy_now_")
    found: list[dict[str, Any]] = []
    if now[0] is not None:
        for field in fields:
            found += version_causes(tables, model.key, field, then, now)
    if found:
        return found
    if tables.runner.compiler.graph[model.key].is_root:
        return [{"kind": "input", "feature": model.key, "fields": fields,
                 "detail": "a new input version (the root's samples changed)"}]
    if depth >= MAX_DEPTH:
        return [{"kind": "stopped", "feature": model.key, "detail": f"not followed past {MAX_DEPTH} levels"}]
    further = upstream_causes(tables, model, row.select(list(model.keys)), set(fields),
                              sample["sqlxy_then_updated_at"], sample["sqlxy_now_updated_at"], depth)
    return further or [{"kind": "written", "feature": model.key, "fields": fields,
                        "detail": "written with a new data version; nothing upstream changed (the writer's own)"}]
