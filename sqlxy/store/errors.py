"""Records of failed samples (docs/design.md, "Records of failed samples"): a writer records that
samples failed for the provenance they were tried with; resolve holds them back while they are
expected at that provenance; a write of the sample ends the record.

The records live next to the feature table, in `<table>:errors` (`names.errors_table`), created
by the first record: compare keys as the feature types them, so resolve finds a sample's records
by an equality join. The table is append-only on every engine (the latest record per compare key
is the one in force; a write appends one without a message to end it), so no engine needs an
UPDATE or DELETE, except to forget a sample entirely (a hard delete).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlglot import exp

from sqlxy.compiler import ErrorParams, Query
from sqlxy.compiler.model import INPUT_RELATION, TOUCHED_RELATION
from sqlxy.errors import InputError
from sqlxy.store.adapter import serialized
from sqlxy.store.inputs import feature_rows
from sqlxy.store.prepare import RAW_RELATION, prepare_rows
from sqlxy.store.readonly import as_is
from sqlxy.store.resolve import root_samples
from sqlxy.store.runner import Runner, naming
from sqlxy.store.staging import MAX_MESSAGE, errors_staging
from sqlxy.store.tables import Tables


def write_errors(tables: Tables, key: str, rows: Any, message: str | None = None,
                 run_id: str | None = None) -> int:
    """Record that the samples of `rows` (resolve's rows: compare keys and `sqlxy_provenance`,
    optionally a `sqlxy_error` message each) failed; returns the records appended."""
    runner = tables.runner
    node = runner.compiler.graph[key]
    if Query.MATERIALIZE in runner.compiler.queries(key):
        raise InputError(f"{key} is computed by materialize inside the database, where a failure fails "
                         "the whole statement: it has no failed samples to record")
    if message is not None and (not isinstance(message, str) or not message.strip()):
        raise InputError(f"{key}: the error message must be non-empty text", param="message")
    if message is not None and len(message) > MAX_MESSAGE:
        raise InputError(f"{key}: the error message is longer than {MAX_MESSAGE:,} characters", param="message")
    table = feature_rows(key, rows)
    if table.num_rows == 0:
        return 0
    staging = errors_staging(node, runner.compiler.model(key), table.column_names, RAW_RELATION, message)
    prepared = prepare_rows(table, staging, key, "failed samples")
    tables.ensure(key)
    _ensure_table(tables, key)
    runner.adapter.stage(INPUT_RELATION, prepared)
    try:
        with runner.recorded("record errors", None, prepared.num_rows), naming(key, Query.ERRORS_RECORD):
            runner.run(key, Query.ERRORS_RECORD, ErrorParams(run_id=run_id))
    finally:
        runner.adapter.unstage(INPUT_RELATION)
    return prepared.num_rows


def end(runner: Runner, key: str, run_id: str | None, keys: str | None = None) -> None:
    """In a write, after its rows: end the open records of the samples it staged (`keys`: of the
    compare keys staged in that relation)."""
    runner.run(key, Query.ERRORS_END, ErrorParams(run_id=run_id, keys=keys))


def forget(tables: Tables, key: str, keys_relation: str) -> None:
    """Remove every record of the compare keys in the staged relation `keys_relation` (a hard
    delete: nothing of a deleted sample stays behind)."""
    if tables.has_errors(key, extend=True):
        tables.runner.run(key, Query.ERRORS_FORGET, ErrorParams(keys=keys_relation))


def listed(tables: Tables, key: str, samples: Any = None) -> pa.Table:
    """The open records of a feature (not ended by a write), by compare key, each with
    `sqlxy_in_force`: 1 when it holds its sample back now (the sample is new or stale and expected
    at the provenance it failed for), 0 when not, NULL for a root whose samples are not given."""
    runner = tables.runner
    model = runner.compiler.model(key)
    node = runner.compiler.graph[key]
    with root_samples(runner, key, samples, required=False):
        if not tables.has_errors(key):
            return _empty(model.error_columns)
        computable = not node.is_root or samples is not None or node.spec.has_sql_source
        restricted = computable and tables.restrictable(key)
        if restricted:  # the increment of the recorded keys only, as explain restricts it
            keys = exp.select(*(exp.column(k, quoted=True) for k in model.keys)).distinct().from_(model.errors.copy())
            runner.adapter.stage_query(TOUCHED_RELATION, runner.native(keys.sql("duckdb")))
        try:
            params = ErrorParams(increment=computable, restricted=restricted)
            with naming(key, Query.ERRORS_LIST):  # creates nothing: missing tables are stood in for
                records = runner.adapter.fetch_arrow(as_is(tables, key, Query.ERRORS_LIST, params))
        finally:
            if restricted:
                runner.adapter.unstage(TOUCHED_RELATION)
    if not computable:
        records = records.append_column("sqlxy_in_force", pa.nulls(records.num_rows, pa.int64()))
    return records


def _ensure_table(tables: Tables, key: str) -> None:
    """The records table, created or given the compare keys a spec change added."""
    if not tables.has_errors(key, extend=True):
        with serialized(tables.runner.adapter, "tables"):  # concurrent CREATE … IF NOT EXISTS fail (PostgreSQL)
            tables.runner.run(key, Query.ERRORS_CREATE)


def _empty(columns: tuple[Any, ...]) -> pa.Table:
    """No records: the listed columns, typed as an engine returns them."""
    kinds = {"VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us"), "BIGINT": pa.int64(), "DOUBLE": pa.float64()}
    fields = [pa.field(c.name, kinds.get(c.type, pa.string())) for c in columns]
    return pa.schema([*fields, pa.field("sqlxy_in_force", pa.int64())]).empty_table()

