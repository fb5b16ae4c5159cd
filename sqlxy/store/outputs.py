"""Writing rows to files (`resolve --out`): parquet, csv, json (array) or jsonl."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from sqlxy.errors import InputError
from sqlxy.store.duckdb import quiet_connection

FORMATS = {".parquet": "FORMAT PARQUET", ".csv": "FORMAT CSV, HEADER true",
           ".jsonl": "FORMAT JSON", ".ndjson": "FORMAT JSON", ".json": "FORMAT JSON, ARRAY true"}


def write_rows_file(rows: pa.Table, path: str | Path) -> None:
    file = Path(path)
    options = FORMATS.get(file.suffix.lower())
    if options is None:
        raise InputError(f"{file}: unsupported output type '{file.suffix}' (use {', '.join(FORMATS)})")
    if file.suffix.lower() == ".csv":
        rows = _flatten_lists(rows)
    file.parent.mkdir(parents=True, exist_ok=True)
    connection = quiet_connection()
    try:
        connection.register("sqlxy_rows", rows)
        target = str(file).replace("'", "''")
        connection.execute(f"COPY sqlxy_rows TO '{target}' ({options})")
    finally:
        connection.close()


def _flatten_lists(rows: pa.Table) -> pa.Table:
    """csv has no lists: stale field lists become comma-separated text."""
    for i, field in enumerate(rows.schema):
        if pa.types.is_list(field.type):
            rows = rows.set_column(i, field.name, pc.binary_join(rows.column(i), ","))
    return rows
