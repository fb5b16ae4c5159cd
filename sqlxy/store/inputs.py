"""Rows handed to resolve/write, turned into Arrow: Arrow, pandas, polars, dicts or files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sqlxy.compiler.sqlparts import ident
from sqlxy.errors import InputError
from sqlxy.store.duckdb import quiet_connection

FILE_READERS = {".csv": "read_csv({path}, all_varchar = true, header = true)",
                ".json": "read_json_auto({path})", ".jsonl": "read_json_auto({path})",
                ".ndjson": "read_json_auto({path})", ".parquet": "read_parquet({path})"}


def read_rows_file(path: str | Path) -> pa.Table:
    """csv (read as text; types are checked when staged), json, jsonl or parquet."""
    file = Path(path)
    reader = FILE_READERS.get(file.suffix.lower())
    if reader is None:
        raise InputError(f"{file}: unsupported file type '{file.suffix}' "
                         f"(use {', '.join(sorted(FILE_READERS))})")
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    connection = quiet_connection()
    try:
        relation = connection.sql("SELECT * FROM " + reader.format(path="$path"), params={"path": str(file)})
        mixed = [n for n, t in zip(relation.columns, relation.types, strict=True) if str(t) == "JSON"]
        rows = relation.to_arrow_table()
        if mixed:
            _refuse_mixed_json(connection, rows, mixed, file)
        return rows
    except duckdb.Error as exc:
        raise InputError(f"{file}: cannot be read: {str(exc).splitlines()[0]}") from None
    finally:
        connection.close()


#: JSON value kinds as json_type() names them, numbers folded into one (`30` and `45.5` agree).
_JSON_KIND = ("CASE WHEN json_type({v}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN 'number' "
              "WHEN json_type({v}) = 'VARCHAR' THEN 'string' ELSE lower(json_type({v})) END")


def _refuse_mixed_json(connection: duckdb.DuckDBPyConnection, rows: pa.Table, columns: list[str],
                       file: Path) -> None:
    """DuckDB types a JSON column whose values differ in kind (`7` in one row, `"v1"` in another)
    as JSON and hands over each value's JSON text: the string would be stored with its quotes and
    hashed as `"v1"`. Dict rows of mixed types are refused too; so are files."""
    connection.register("sqlxy_file_rows", rows)
    for name in columns:
        value = f"CAST({ident(name)} AS JSON)"
        kinds = connection.sql(
            f"SELECT {_JSON_KIND.format(v=value)} AS kind, MIN(CAST({ident(name)} AS VARCHAR)) AS example "
            f"FROM sqlxy_file_rows WHERE {ident(name)} IS NOT NULL GROUP BY kind ORDER BY kind").fetchall()
        if len(kinds) > 1:
            found = ", ".join(f"{kind} (e.g. {example})" for kind, example in kinds)
            raise InputError(f"{file}: column '{name}' mixes JSON value types: {found}; give every "
                             "value of a column one type (quote numbers meant as text)")


def _from_dicts(rows: list[Any]) -> pa.Table:
    if not all(isinstance(r, dict) for r in rows):
        raise InputError("a list of rows must hold dicts (column → value)")
    try:
        return pa.Table.from_pylist(rows) if rows else pa.table({})
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(f"column '{_mixed_column(rows)}' holds values of different types ({exc})") from None


def _mixed_column(rows: list[dict[str, Any]]) -> str:
    """The first column Arrow cannot type (only on this error path: dicts are Python objects)."""
    for name in dict.fromkeys(k for r in rows for k in r):
        try:
            pa.array([r.get(name) for r in rows])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return name
    return "?"


def to_arrow(rows: Any) -> pa.Table:
    if isinstance(rows, pa.Table):
        return rows
    if isinstance(rows, pa.RecordBatch):
        return pa.Table.from_batches([rows])
    if isinstance(rows, (str, Path)):
        return read_rows_file(rows)
    if isinstance(rows, list):
        return _from_dicts(rows)
    if hasattr(rows, "to_arrow"):  # polars
        return rows.to_arrow()
    if type(rows).__module__.startswith("pandas"):
        return pa.Table.from_pandas(rows, preserve_index=False)
    if hasattr(rows, "__arrow_c_stream__"):
        return pa.table(rows)
    raise InputError(f"cannot read rows from a {type(rows).__name__}: pass a pyarrow Table, a pandas "
                     "or polars DataFrame, a list of dicts, or a csv/json/jsonl/parquet path")


def feature_rows(key: str, rows: Any) -> pa.Table:
    """`to_arrow` whose errors name the feature the rows are for."""
    try:
        return to_arrow(rows)
    except InputError as exc:
        raise InputError(f"{key}: {exc}") from None
