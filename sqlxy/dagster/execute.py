"""What one sqlxy asset does when Dagster materializes it: resolve the feature's increment, have
it computed (by sqlxy in SQL, or by the user's function), write it, retire the orphaned samples,
and report the counts and the feature's data version."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pyarrow as pa

from sqlxy.errors import SqlxyError
from sqlxy.store import Increment, Store


@dataclass(frozen=True)
class Computed:
    """What a compute function may return instead of bare rows: the rows, and for a user-written
    expansion the parents it found to have no children (`Store.write(empty_parents=…)`)."""

    rows: Any
    empty_parents: Any = None


@dataclass(frozen=True)
class Feature:
    """One feature as an asset runs it: how its rows come to be, fixed when the assets are built."""

    key: str
    code_version: str
    sql_defined: bool               # sqlxy computes the rows (`materialize`): no user code
    compute: Callable[..., Any] | None = None
    samples: Callable[..., Any] | None = None  # a root whose samples the caller passes


def call(function: Callable[..., Any], context: dg.AssetExecutionContext, *args: Any) -> Any:
    """`function(*args)`, with the Dagster context as `context=` when it has a parameter so named."""
    if "context" in inspect.signature(function).parameters:
        return function(*args, context=context)
    return function(*args)


def materialize(context: dg.AssetExecutionContext, store: Store, feature: Feature) -> dg.MaterializeResult:
    """Bring the feature up to date on `store`; what it did is the materialization's metadata."""
    key = feature.key
    current = store.versions.features.get(key)
    if current is None:
        raise SqlxyError(f"{key}: the feature is no longer in the project: reload the Dagster definitions")
    if current != feature.code_version:
        raise SqlxyError(f"{key}: the assets were built for feature version {feature.code_version}, but the "
                         f"project now gives {current}: reload the Dagster definitions")
    run_id = context.run.run_id
    if feature.sql_defined:  # counted in the database: its rows never come into Python
        counted = store.pending([key])[key]
        done = store.materialize(key, run_id=run_id)
        counts = {c: counted[c] for c in ("new", "stale", "orphaned")}
        meta = {**counts, "written": done["written"] + done["empty"], "retired": done["retired"],
                "stale_fields": ", ".join(counted["stale_fields"]), "increment": "counted in the database"}
        return dg.MaterializeResult(metadata=meta, data_version=dg.DataVersion(store.data_version(key)))
    else:
        samples = None
        if feature.samples is not None:
            samples = call(feature.samples, context)
            if samples is None:
                raise SqlxyError(f"{key}: the samples function returned None; return the root's samples "
                                 "(every one of them: those left out count as orphaned)")
        increment = store.resolve(key, samples=samples)
        written = _write(context, store, feature, increment, run_id)
        retired = retire(store, key, increment.orphaned, run_id)
    return dg.MaterializeResult(metadata=metadata(increment, written, retired),
                                data_version=dg.DataVersion(store.data_version(key)))


def _write(context: dg.AssetExecutionContext, store: Store, feature: Feature, increment: Increment,
           run_id: str) -> int:
    """Compute the new and stale samples (a root without a compute function writes them as
    resolved) and write them; nothing to compute calls nothing."""
    todo = increment.to_write()
    if todo.num_rows == 0:
        return 0
    result = todo if feature.compute is None else call(feature.compute, context, increment)
    computed = result if isinstance(result, Computed) else Computed(result)
    if computed.rows is None and computed.empty_parents is None:
        raise SqlxyError(f"{feature.key}: the compute function returned None; return the rows to write "
                         "(Arrow, pandas, polars, or a list of dicts)")
    return store.write(feature.key, computed.rows, run_id=run_id, empty_parents=computed.empty_parents)


def retire(store: Store, key: str, orphaned: pa.Table, run_id: str | None = None) -> int:
    """Soft-delete the orphaned samples (for an expansion, every child of an orphaned parent), their
    keys staged and joined in the database; returns the rows appended."""
    return store.retire(key, orphaned, run_id=run_id) if orphaned.num_rows else 0


def metadata(increment: Increment, written: int, retired: int) -> Mapping[str, Any]:
    """The materialization's metadata: the increment's counts, the samples records of failure
    held back (`Store.write_errors`), the rows written and retired."""
    fields = sorted({f for listed in increment.stale.column("sqlxy_stale_fields").to_pylist() for f in listed or ()})
    return {**increment.counts(), "held_back": increment.errored.num_rows, "written": written, "retired": retired,
            "stale_fields": ", ".join(fields), "increment": increment.how}
