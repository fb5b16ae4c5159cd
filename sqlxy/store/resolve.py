"""resolve: the increment of a feature, with a root's samples staged for the compiled query."""

from __future__ import annotations

from typing import Any

from sqlxy.compiler import IncrementParams, Query
from sqlxy.compiler.model import SAMPLES_RELATION
from sqlxy.errors import InputError
from sqlxy.store import maintained
from sqlxy.store.adapter import Adapter
from sqlxy.store.conditions import checked_condition
from sqlxy.store.increment import Increment, split_changes
from sqlxy.store.inputs import feature_rows
from sqlxy.store.prepare import RAW_RELATION, prepare_rows
from sqlxy.store.runner import Runner
from sqlxy.store.staging import samples_staging
from sqlxy.store.tables import Tables


def resolve(tables: Tables, key: str, samples: Any = None, stale_if: str | None = None,
            retry_errors: bool = False) -> Increment:
    runner = tables.runner
    predicate = checked_condition(runner.compiler, key, stale_if, "stale_if") if stale_if is not None else None
    tables.ensure_lineage(key)
    params = IncrementParams(stale_if=predicate, errors=tables.has_errors(key, extend=True))
    with root_samples(runner, key, samples):
        runner.step("running the increment query")
        rows, how = maintained.increment_rows(runner, key, params)
        runner.step("running the increment query", rows.num_rows)
    increment = split_changes(rows, list(runner.compiler.graph[key].compare_keys), how, retry_errors)
    left_out = 0 if retry_errors else increment.errored.num_rows
    held = f", {left_out:,} held back by errors" if left_out else ""
    runner.step("{new:,} new, {stale:,} stale, {orphaned:,} orphaned".format(**increment.counts()) + held)
    return increment


def check_input_versions(runner: Runner, key: str) -> None:
    """A root's source gives a valid input version for every field of every row."""
    bad = runner.fetch(key, Query.INVALID_VERSIONS)
    if bad.num_rows:
        row = bad.slice(0, 1).to_pylist()[0]
        raise InputError(f"{key}: source has {row['bad_rows']} row(s) whose input version for field "
                         f"'{row['field']}' is empty, NULL or holds '|' (e.g. {row['example']!r})")


def root_samples(runner: Runner, key: str, samples: Any, required: bool = True) -> _Staged:
    """Stage a root feature's samples (or check its source) for the compiled queries; with
    `required` False, a root without source or samples stages nothing (explain)."""
    node = runner.compiler.graph[key]
    if not node.is_root:
        if samples is not None:
            raise InputError(f"{key} is not a root feature: its samples come from its deps, so "
                             "samples=... does not apply", param="samples")
        return _Staged(runner.adapter, [])
    has_source = node.spec.has_sql_source
    if samples is None:
        if not has_source and not required:
            return _Staged(runner.adapter, [])
        if not has_source:
            raise InputError(f"{key} is a root feature without source.table or source.query: "
                             "pass its samples (samples=...)", param="samples")
        runner.step("checking the source's input versions")
        check_input_versions(runner, key)
        return _Staged(runner.adapter, [])
    if has_source:
        raise InputError(f"{key} reads its samples from its source; do not pass samples=... too",
                         param="samples")
    runner.step("reading the samples")
    table = feature_rows(key, samples)
    runner.step("reading the samples", table.num_rows)
    runner.step("checking the samples", table.num_rows)
    staging = samples_staging(node, table.column_names, RAW_RELATION)
    runner.adapter.stage(SAMPLES_RELATION, prepare_rows(table, staging, key, "samples"))
    return _Staged(runner.adapter, [SAMPLES_RELATION])


class _Staged:
    """Unstages the relations a resolve staged when it is done."""

    def __init__(self, adapter: Adapter, names: list[str]) -> None:
        self.adapter, self.names = adapter, names

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        for name in self.names:
            self.adapter.unstage(name)
