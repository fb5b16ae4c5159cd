"""All CLI output goes through here: plain-text tables for people, JSON for machines.

Stdout carries only what the user asked for (tables, `--json`); messages and progress go to
stderr, and progress (drawn by rich) only when stderr is a terminal.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
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


#: Seconds before progress shows: quicker commands show none.
DELAY = 0.5

#: What `progress` yields, for the block's steps: a label and its rows when known (`Store.progress`).
Step = Callable[[str, int | None], None]


def _unseen(label: str, rows: int | None = None) -> None:
    """The steps of a command whose progress is not shown."""


@contextlib.contextmanager
def progress(label: str, quiet: bool = False, out: TextIO | None = None,
             delay: float | None = None) -> Iterator[Step]:
    """The command and its elapsed time while the block runs, with each step the block reports to
    the yielded `Step` (its rows and time under the command; `Store.progress` is one) — on stderr
    only when it is a terminal (never in pipes, files or CI logs) and not `--quiet`. Drawn by rich
    after `delay` (default `DELAY`), so quick commands show nothing, and erased when the block ends, before the
    command prints; an exception (Ctrl-C too) stops it and gives the cursor back."""
    stream = out or sys.stderr
    if quiet or not _is_terminal(stream):
        yield _unseen
        return
    display = _Display(label, stream, DELAY if delay is None else delay)
    try:
        yield display.step
    finally:
        display.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _Display:
    """rich's transient progress display, one row for the command and one per step (a tick once
    done), started by a timer after the delay. rich is imported here only: `sqlxy --help` and
    commands whose stderr is no terminal never load it."""

    def __init__(self, label: str, stream: TextIO, delay: float) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn

        console = Console(file=stream)
        utf = console.encoding.startswith("utf")  # else ASCII, which any terminal can show
        columns = (SpinnerColumn("dots" if utf else "line", finished_text="✓" if utf else "+"),
                   TextColumn("{task.description}", markup=False),
                   TextColumn("{task.fields[rows]}", justify="right"),
                   TextColumn("{task.elapsed:.1f}s", style="progress.elapsed", justify="right"))
        # rich must not replace sys.stdout: stdout is the user's data
        self._bar = Progress(*columns, console=console, transient=True, redirect_stdout=False,
                             redirect_stderr=False)
        self._bar.add_task(label, total=None, rows="")
        self._step: tuple[str, TaskID] | None = None
        self._lock = threading.Lock()  # the timer shows the display only while it is not closed
        self._shown = self._closed = False
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        if delay > 0:
            self._timer.start()
        else:
            self._show()

    def step(self, label: str, rows: int | None = None) -> None:
        """A new step (the one before is done), or the rows of the current one once counted."""
        shown = "" if rows is None else f"{rows:,} row{'' if rows == 1 else 's'}"
        if self._step is not None and self._step[0] == label:
            self._bar.update(self._step[1], rows=shown)
            return
        if self._step is not None:
            self._bar.update(self._step[1], total=1, completed=1)  # done: its tick and time stay
            self._bar.stop_task(self._step[1])
        self._step = (label, self._bar.add_task(f"  {label}", total=None, rows=shown))

    def _show(self) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):  # the terminal went away
            if not self._closed:
                self._bar.start()
                self._shown = True

    def close(self) -> None:
        """Stop (erasing the display and showing the cursor again), or never start."""
        with self._lock:
            self._closed = True
        self._timer.cancel()
        if self._timer.is_alive():
            self._timer.join()  # ends at once: cancelled, or showing, which `_shown` then says
        if self._shown:
            with contextlib.suppress(OSError, ValueError):
                self._bar.stop()
