"""All CLI output goes through here: plain-text tables for people, JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

import pyarrow as pa


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
          out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if not rows:
        out.write("(no rows)\n")
        return
    names = list(columns or rows[0].keys())
    cells = [[_text(r.get(n)) for n in names] for r in rows]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    out.write("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def arrow_table(rows: pa.Table, limit: int = 20, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    table(rows.slice(0, limit).to_pylist(), rows.column_names, out)
    if rows.num_rows > limit:
        out.write(f"… {rows.num_rows - limit} more rows (use --json or --out for all)\n")


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def emit_json(value: Any, out: TextIO | None = None) -> None:
    (out or sys.stdout).write(json.dumps(value, indent=2, ensure_ascii=False, default=_default) + "\n")


def line(text: str = "", out: TextIO | None = None) -> None:
    (out or sys.stdout).write(text + "\n")


def error(text: str) -> None:
    sys.stderr.write(f"error: {text}\n")
