"""All CLI output goes through here: plain-text tables for people, JSON for machines.

Stdout carries only what the user asked for (tables, `--json`); messages and progress go to
stderr, and progress only when stderr is a terminal.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import sys
import threading
import time
from collections.abc import Iterator, Sequence
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
    """Always valid JSON: inf, -inf and nan (which JSON has no numbers for; Python would print
    `Infinity`) become null, as JavaScript's JSON.stringify does, with a note on stderr so the
    change is never silent. sqlxy refuses such values on input; old or foreign rows may hold them."""
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=_default, allow_nan=False)
    except ValueError:
        replaced = [0]
        value = _finite(value, replaced)
        text = json.dumps(value, indent=2, ensure_ascii=False, default=_default, allow_nan=False)
        sys.stderr.write(f"warning: {replaced[0]} non-finite float value(s) (inf, -inf, nan) printed "
                         "as null: JSON has no such numbers\n")
    (out or sys.stdout).write(text + "\n")


def _finite(value: Any, replaced: list[int]) -> Any:
    """`value` with every non-finite float replaced by None, counted in `replaced[0]`."""
    if isinstance(value, float) and not math.isfinite(value):
        replaced[0] += 1
        return None
    if isinstance(value, dict):
        return {k: _finite(v, replaced) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v, replaced) for v in value]
    return value


def line(text: str = "", out: TextIO | None = None) -> None:
    (out or sys.stdout).write(text + "\n")


def error(text: str) -> None:
    sys.stderr.write(f"error: {text}\n")


def note(text: str) -> None:
    """A message that is not an error (e.g. why the command stopped), on stderr."""
    sys.stderr.write(text + "\n")


@contextlib.contextmanager
def progress(label: str, quiet: bool = False, out: TextIO | None = None, delay: float = 0.5) -> Iterator[None]:
    """A spinner with the elapsed seconds while the block runs, on stderr only when it is a
    terminal (never in pipes, files or CI logs) and not `--quiet`. It starts after `delay`, so
    quick commands show nothing, and erases itself before the block's output is printed."""
    stream = out or sys.stderr
    if quiet or not _is_terminal(stream):
        yield
        return
    done = threading.Event()
    spinner = threading.Thread(target=_spin, args=(stream, label, done, delay), daemon=True)
    spinner.start()
    try:
        yield
    finally:
        done.set()
        spinner.join()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _spin(stream: TextIO, label: str, done: threading.Event, delay: float) -> None:
    start = time.monotonic()
    if done.wait(delay):
        return
    try:
        for frame in itertools.cycle("|/-\\"):  # ASCII: any terminal encoding can show it
            stream.write(f"\r{frame} {label} {time.monotonic() - start:.0f}s")
            stream.flush()
            if done.wait(0.1):
                break
        stream.write("\r\x1b[K")  # erase the line
        stream.flush()
    except (OSError, ValueError):  # the terminal went away: progress is not worth an error
        return
