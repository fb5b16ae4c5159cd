"""rebase: accept the expected provenance of samples that are stale only because a field's code
version (or its feature's SQL definition) changed, without recomputing them (docs/design.md,
"Rebase").

Which samples qualify is decided in SQL (`_rebase.sql.j2`): a stale field qualifies when its
current provenance equals the hash its expected provenance would have under another code version
the field had in a graph recorded on the target, with the same parents and input column as now.
The provenance formula hashes the code version with the upstream data versions, so that equality
proves the upstream data unchanged since the row was written: only the code version differs.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from sqlxy.compiler import Query, RebaseParams, system
from sqlxy.errors import InputError
from sqlxy.graph import FeatureNode
from sqlxy.store import errors, history
from sqlxy.store.readonly import as_is
from sqlxy.store.resolve import root_samples
from sqlxy.store.runner import Runner, naming
from sqlxy.store.tables import Tables

#: The verdicts counted, besides the samples already settled (`_rebase.sql.j2`): `rebased`;
#: `data_changed`, a field to rebase whose stored provenance no recorded code version explains
#: (upstream data changed, a new field, other parents, a version never recorded); `children`, a
#: generated expansion whose child count changed; `new`, no current rows; `not_selected`, stale
#: only on fields not given. Only `rebased` samples are written.
VERDICTS = ("rebased", "data_changed", "children", "new", "not_selected")
#: The compare keys a rebase rebases, staged so their records of failure end with it.
REBASED_KEYS = "sqlxy_rebased_keys"
Candidates = tuple[tuple[str, tuple[exp.Expression, ...]], ...]  # per field key, its candidate hashes


def rebase(tables: Tables, key: str, fields: Any = None, samples: Any = None, dry_run: bool = False,
           run_id: str | None = None) -> dict[str, Any]:
    """Append, for each sample stale only by code version, a copy of its current rows with the
    expected provenance (see `Store.rebase`); returns the counts per verdict and the `rows`
    appended (`dry_run`: that would be, nothing written)."""
    runner = tables.runner
    node = runner.compiler.graph[key]
    chosen = _chosen(node, fields)
    with root_samples(runner, key, samples):
        runner.step("reading the recorded graphs")
        params = RebaseParams(run_id=run_id, stamped=runner.keeps_change_log,
                              fields=() if fields is None else chosen,
                              candidates=_candidates(tables, node, chosen))
        runner.step("counting the samples to rebase")
        counts = _counts(tables, key, params)
        if not dry_run and counts["rebased"]:
            _append(tables, key, params, counts["rows"])
    return {"feature": key, **counts, "fields": list(chosen), "dry_run": dry_run,
            "per": None if node.lineage == "identity" else list(node.compare_keys)}


def _chosen(node: FeatureNode, fields: Any) -> tuple[str, ...]:
    """The fields to rebase: those given (each known, each once) or every field."""
    known = [f.key for f in node.spec.fields]
    if fields is None:
        return tuple(known)
    given = [fields] if isinstance(fields, str) else list(fields)
    unknown = [f for f in given if f not in known]
    if unknown:
        raise InputError(f"{node.key} has no field {', '.join(map(repr, unknown))} to rebase (its fields: "
                         f"{', '.join(known)})", param="fields")
    if not given:
        raise InputError(f"{node.key}: no field given to rebase (None rebases all: {', '.join(known)})",
                         param="fields")
    return tuple(dict.fromkeys(given))


def _candidates(tables: Tables, node: FeatureNode, chosen: tuple[str, ...]) -> Candidates:
    """Per field to rebase, the hashes of its expected provenance under each other code version it
    had in a graph recorded on the target with the same parents and input column as now (the
    formula's other parts): any other difference makes a different hash, so nothing matches."""
    compiler, key = tables.runner.compiler, node.key
    found: dict[str, set[str]] = {f: set() for f in chosen}
    for version in _recorded_versions(tables.runner, key):
        recorded = _recorded(tables, version)
        if recorded is None or key not in recorded[0].nodes:
            continue
        graph, versions = recorded
        for field in graph[key].spec.fields:
            if field.key in found and _inputs(graph[key], field.key) == _inputs(node, field.key):
                found[field.key].add(versions.code_version(key, field.code_version))
    for field in node.spec.fields:  # the current code version is the expected provenance itself
        found.get(field.key, set()).discard(compiler.versions.code_version(key, field.code_version))
    return tuple((f, tuple(compiler.candidate_provenance(key, f, cv) for cv in sorted(found[f])))
                 for f in chosen if found[f])


def _inputs(node: FeatureNode, field: str) -> tuple[Any, ...]:
    """What a field's provenance hashes besides its code version and the values: whether it reads
    an input version and which column, and its parent fields in order."""
    return node.is_root, node.spec.input_versions.get(field) if node.is_root else None, node.field_parents[field]


def _recorded_versions(runner: Runner, key: str) -> list[str]:
    """The project versions recorded in the history with this feature in them."""
    adapter, schema = runner.adapter, runner.schema
    if adapter.columns(system.HISTORY_TABLE, schema) is None:
        return []
    version = exp.column("project_version", quoted=True)
    query = exp.select(version).distinct().from_(exp.table_(system.HISTORY_TABLE, db=schema, quoted=True)) \
        .where(exp.column("feature_key", quoted=True).eq(exp.Literal.string(key)))
    with naming(system.HISTORY_TABLE, "rebase"):
        rows = adapter.fetch_arrow(system.for_dialect(query, adapter.dialect)).to_pylist()
    return sorted(v for row in rows if isinstance(v := row["project_version"], str))


def _recorded(tables: Tables, version: str) -> Any:
    """A recorded graph and its versions (None: damaged), rebuilt once per store (shared with
    explain and plan)."""
    if version not in tables.recorded_graphs:
        tables.recorded_graphs[version] = history.recorded_graph(tables.runner, version)
    return tables.recorded_graphs[version]


def _counts(tables: Tables, key: str, params: RebaseParams) -> dict[str, int]:
    """The samples of each verdict and the rows a rebase appends, counted in the database without
    creating anything (a missing table reads as empty)."""
    with naming(key, Query.REBASE_COUNTS):
        (row,) = tables.runner.adapter.fetch_arrow(as_is(tables, key, Query.REBASE_COUNTS, params)).to_pylist()
    return {name: int(row[name] or 0) for name in ("rebased", "rows", *VERDICTS[1:])}


def _append(tables: Tables, key: str, params: RebaseParams, rows: int) -> None:
    """The rebase's one INSERT, as a recorded write: in a transaction with the feature's change-log
    stamp where the engine keeps one, so a maintained resolve downstream sees the rows."""
    runner = tables.runner
    tables.ensure_lineage(key)
    ends_errors = tables.has_errors(key, extend=True)
    if ends_errors:  # the keys, before the rows that settle them: their records of failure end too
        (keys_sql,) = runner.statements(key, Query.REBASE_KEYS, params)
        runner.adapter.stage_query(REBASED_KEYS, keys_sql)
    try:
        with runner.recorded("rebase", key, rows, statements=2 if ends_errors else 1):
            history.record_graph(tables)  # in the write's transaction, where there is one
            runner.step("appending", rows)
            runner.run(key, Query.REBASE, params)
            if ends_errors:
                errors.end(runner, key, params.run_id, keys=REBASED_KEYS)
    finally:
        if ends_errors:
            runner.adapter.unstage(REBASED_KEYS)
