"""explain: for a few samples of one feature, their state (up to date, new, stale on which fields,
orphaned, deleted, absent), each field's current provenance next to the expected one, and why
(`store/lineage_walk.py` walks the field-level lineage upstream to the first change).

Everything is SQL restricted to the samples asked about: their ids are staged, their rows found
through the ids, and their state computed by the resolve's own CTEs restricted to their compare
keys, as a maintained resolve restricts them (a dep that cannot trace its keys reads whole).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sqlxy.compiler import ExplainParams, Query
from sqlxy.compiler.model import EXPLAIN_RELATION, TOUCHED_RELATION, FeatureModel
from sqlxy.errors import InputError
from sqlxy.graph import FeatureNode
from sqlxy.store import lineage_walk
from sqlxy.store.conditions import checked_condition
from sqlxy.store.lineage_walk import fetch, staged
from sqlxy.store.prepare import RAW_RELATION, prepare_rows
from sqlxy.store.resolve import root_samples
from sqlxy.store.staging import ids_staging
from sqlxy.store.tables import Tables

#: The most samples one explain looks at: it is a lookup, not a resolve.
MAX_SAMPLES = 100


def explain(tables: Tables, key: str, ids: Any, samples: Any = None, stale_if: str | None = None) -> list[dict]:
    """One report per distinct sample asked about (see the module docstring)."""
    runner = tables.runner
    node, model = runner.compiler.graph[key], runner.compiler.model(key)
    predicate = checked_condition(runner.compiler, key, stale_if, "stale_if") if stale_if is not None else None
    asked = asked_ids(node, ids)
    knows_expected = not node.is_root or node.spec.has_sql_source or samples is not None
    with root_samples(runner, key, samples if knows_expected else None, required=knows_expected):
        return [_explain_one(tables, model, asked.slice(i, 1), predicate, knows_expected)
                for i in range(asked.num_rows)]


def asked_ids(node: FeatureNode, ids: Any) -> pa.Table:
    """The ids asked about, typed as the id columns and checked as a write's ids are; each once."""
    if isinstance(ids, dict):
        ids = [ids]
    if isinstance(ids, (str, int)) or not ids:
        raise InputError(f"{node.key}: explain needs a list of ids (a value, or a mapping of id columns "
                         "for several id columns)", param="ids")
    rows = [one if isinstance(one, dict) else _single(node, one) for one in ids]
    if len(rows) > MAX_SAMPLES:
        raise InputError(f"{node.key}: explain looks at most {MAX_SAMPLES} samples at a time, got {len(rows)}",
                         param="ids")
    try:
        raw = pa.Table.from_pylist(rows)
    except (pa.ArrowException, OverflowError, UnicodeError, TypeError) as exc:
        raise InputError(f"{node.key}: ids of mixed or unsupported types ({exc})", param="ids") from None
    typed = prepare_rows(raw, ids_staging(node, raw.column_names, RAW_RELATION), node.key, "ids")
    first: dict[str, int] = {}  # each sample once, in the order asked (at most MAX_SAMPLES)
    for i, row in enumerate(typed.to_pylist()):
        first.setdefault(repr(row), i)
    return typed.take(list(first.values()))


def _single(node: FeatureNode, value: Any) -> dict[str, Any]:
    id_columns = node.spec.id_columns
    if len(id_columns) > 1:
        raise InputError(f"{node.key} has several id columns ({', '.join(id_columns)}): give each sample as "
                         "a mapping of them (CLI: col=value,col=value)", param="ids")
    return {id_columns[0]: value}


def _explain_one(tables: Tables, model: FeatureModel, one: pa.Table, predicate: str | None,
                 knows_expected: bool) -> dict[str, Any]:
    adapter, key = tables.runner.adapter, model.key
    with staged(adapter, EXPLAIN_RELATION, one):
        rows = fetch(tables, key, Query.EXPLAIN_ROWS, ExplainParams())
    current = rows.filter(pc.equal(rows["sqlxy_rank"], 1))
    row = current.to_pylist()[0] if current.num_rows else None
    report: dict[str, Any] = {"feature": key, "id": one.to_pylist()[0], "state": "absent", "fields": {},
                              "row": _facts(row), "causes": []}
    if row is not None and model.child_id:
        report["parent"] = {k: row[k] for k in model.keys}
    keys = current.select(list(model.keys)) if current.num_rows else \
        one.select(list(model.keys)) if set(model.keys) <= set(model.ids) else None
    if keys is None:  # an expansion child never written: its parent is not known
        report["note"] = "no row of this sample; an expansion child's parent is known from its row"
        return report
    if not knows_expected:
        _root_without_samples(report, model, row)
        return report
    params = ExplainParams(restricted=tables.restrictable(key), stale_if=predicate)
    with staged(adapter, TOUCHED_RELATION, keys):
        state = fetch(tables, key, Query.EXPLAIN_STATE, params).to_pylist()
    _fill_state(report, model, row, state[0] if state else None)
    if report["state"] != "absent":
        report["causes"] = lineage_walk.causes(tables, model, report, row, keys)
    return report


def _facts(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the sample's current row says about its writing."""
    if row is None:
        return None
    return {"written_at": row["sqlxy_updated_at"], "run_id": row["sqlxy_run_id"],
            "deleted_at": row["sqlxy_deleted_at"], "feature_version": row["sqlxy_feature_version"],
            "project_version": row["sqlxy_project_version"], "commit": row["sqlxy_commit"]}


def _fill_state(report: dict[str, Any], model: FeatureModel, row: dict[str, Any] | None,
                state: dict[str, Any] | None) -> None:
    """The verdict resolve gives the sample's compare key, and the fields side by side (a
    child's own provenance, its group's verdict)."""
    deleted = row is not None and row["sqlxy_deleted_at"] is not None
    for field in model.fields:
        own = None if row is None or deleted else row[field.provenance]
        report["fields"][field.key] = {
            "current": own if model.child_id else (state or {}).get(f"sqlxy_current__{field.key}", own),
            "expected": (state or {}).get(f"sqlxy_expected__{field.key}") if state and state["sqlxy_in_expected"]
            else None,
            "changed": bool(state and state[f"sqlxy_changed__{field.key}"])}
    if state is None:
        report["state"] = "deleted" if deleted else "absent"
        return
    if not state["sqlxy_in_current"]:
        report["state"] = "new"
    elif not state["sqlxy_in_expected"]:
        report["state"] = "orphaned"
    else:
        _stale_or_not(report, model, state)
    if deleted:
        report["deleted"] = True
        if report["state"] == "up to date":  # an expansion child its parent no longer has
            report["state"] = "deleted"


def _stale_or_not(report: dict[str, Any], model: FeatureModel, state: dict[str, Any]) -> None:
    stale = [f.key for f in model.fields if state[f"sqlxy_changed__{f.key}"]]
    if stale:
        report["stale_fields"] = stale
    if model.generate and state["sqlxy_expected_children"] != state["sqlxy_current_children"]:
        report["children"] = {"expected": state["sqlxy_expected_children"],
                              "current": state["sqlxy_current_children"]}
    if state["sqlxy_predicate"]:
        report["predicate"] = True
    report["state"] = "stale" if stale or "children" in report or "predicate" in report else "up to date"


def _root_without_samples(report: dict[str, Any], model: FeatureModel, row: dict[str, Any] | None) -> None:
    """A root whose samples the caller passes: without them its expected provenance is unknown."""
    report["state"] = "unknown" if row is not None else "absent"
    report["note"] = (f"{model.key} is a root whose samples you pass: give them (--samples FILE) to compare "
                      "its rows with the expected provenance")
    for field in model.fields:
        current = None if row is None else row[field.provenance]
        report["fields"][field.key] = {"current": current, "expected": None, "changed": False}
