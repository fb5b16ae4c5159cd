"""Progress (docs/design.md, "The CLI's contract"): the store reports each step of resolve, write
and materialize with its rows (`Store.progress`); the CLI draws them with rich on stderr, only
when it is a terminal and not `--quiet`, erases them before it prints, and never touches stdout."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

import sqlxy
from sqlxy.cli import console, main

from .conftest import SEED_VIDEOS

SHOW_CURSOR = "\x1b[?25h"
ERASE_LINE = "\x1b[2K"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def plain(text: str) -> str:
    """`text` without terminal control codes (colours, cursor moves)."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def refresh_threads() -> list[threading.Thread]:
    """rich's threads that still redraw a display (a stopped one ends by itself, drawing no more)."""
    from rich.live import _RefreshThread

    return [t for t in threading.enumerate() if isinstance(t, _RefreshThread) and not t.done.is_set()]


@pytest.fixture(autouse=True)
def drawn_at_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """rich draws on a terminal at once (no delay), whatever the environment says; every display
    is stopped by the end of the test."""
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(console, "DELAY", 0)
    yield
    assert not refresh_threads()


def streams(monkeypatch: pytest.MonkeyPatch, stderr: io.StringIO | None = None) -> tuple[io.StringIO, io.StringIO]:
    """stdout and stderr (a terminal unless given) for the rest of the test. Set in the test itself:
    pytest points them back at its capture when the test starts, after its fixtures ran."""
    out, err = io.StringIO(), stderr or Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    return out, err


def seed_cli(seed_dir: Path, *args: str) -> int:
    return main([*args, "--project", str(seed_dir)])


def samples_file(seed_dir: Path) -> Path:
    path = seed_dir / "videos.csv"
    pacsv.write_csv(SEED_VIDEOS, path)
    return path


# -- the store's steps ----------------------------------------------------------------------------

def test_the_store_reports_each_step_with_its_rows(seed_store: sqlxy.Store) -> None:
    assert seed_store.progress("nobody watches", None) is None  # the default does nothing
    steps: list[tuple[str, int | None]] = []
    seed_store.progress = lambda label, rows: steps.append((label, rows))
    todo = seed_store.resolve("video/raw", samples=SEED_VIDEOS).to_write()
    assert steps == [("reading the samples", None), ("reading the samples", 3), ("checking the samples", 3),
                     ("running the increment query", None), ("running the increment query", 3),
                     ("3 new, 0 stale, 0 orphaned", None)]
    steps.clear()
    assert seed_store.write("video/raw", todo) == 3
    assert steps == [("reading the input", None), ("reading the input", 3), ("checking the input", 3),
                     ("staging", 3), ("appending", 3)]
    steps.clear()
    assert seed_store.materialize("video/chunk")["written"] == 13
    assert steps == [("staging the increment", None), ("computing the rows", None), ("checking the rows", None),
                     ("checking the rows", 13), ("retiring orphaned samples", None), ("inserting", 13)]


# -- the display ----------------------------------------------------------------------------------

def test_shown_only_on_a_terminal_and_not_quiet() -> None:
    for stream, quiet, shown in ((Terminal(), False, True), (Terminal(), True, False), (io.StringIO(), False, False)):
        with console.progress("resolving video/faces", quiet=quiet, out=stream, delay=0) as step:
            step("running the increment query", 1234567)
        assert ("resolving video/faces" in stream.getvalue()) is shown
        assert ("1,234,567 rows" in plain(stream.getvalue())) is shown
        if shown:  # erased, with the cursor back, before any output follows
            after = stream.getvalue().rsplit(SHOW_CURSOR, 1)[1]
            assert after.endswith(ERASE_LINE) and not plain(after).strip()


def test_quick_blocks_show_nothing() -> None:
    stream = Terminal()
    with console.progress("writing video/raw", out=stream, delay=30) as step:
        step("appending", 3)
    assert stream.getvalue() == ""
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]


def test_ctrl_c_stops_the_display_and_gives_the_cursor_back() -> None:
    stream = Terminal()
    with pytest.raises(KeyboardInterrupt), console.progress("materializing video/chunk", out=stream, delay=0) as step:
        step("inserting", 13)
        assert refresh_threads()
        raise KeyboardInterrupt
    assert not refresh_threads()
    assert stream.getvalue().rsplit(SHOW_CURSOR, 1)[1].endswith(ERASE_LINE)


def test_ctrl_c_in_a_command_erases_progress_before_its_line(seed_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(store: sqlxy.Store, key: str, **_: object) -> None:
        store.progress("running the increment query", None)
        raise KeyboardInterrupt

    monkeypatch.setattr(sqlxy.Store, "resolve", interrupted)
    stdout, terminal = streams(monkeypatch)
    assert seed_cli(seed_dir, "resolve", "video/raw", "--samples", str(samples_file(seed_dir))) == 130
    after = terminal.getvalue().rsplit(SHOW_CURSOR, 1)[1]
    assert plain(after).strip() == "interrupted; nothing was written" and stdout.getvalue() == ""


# -- the commands ---------------------------------------------------------------------------------

def test_write_materialize_and_resolve_show_their_steps(seed_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples, todo = samples_file(seed_dir), seed_dir / "todo.parquet"
    stdout, terminal = streams(monkeypatch)
    runs = [(["resolve", "video/raw", "--samples", str(samples), "--out", str(todo)],
             ["resolving video/raw", "reading the samples", "checking the samples", "running the increment query",
              "3 new, 0 stale, 0 orphaned", f"writing {todo}"],
             f"video/raw: wrote 3 rows to process to {todo}\n"),
            (["write", "video/raw", "--input", str(todo)],
             ["writing video/raw", "reading the input", "checking the input", "staging", "appending"],
             "video/raw: wrote 3 rows\n"),
            (["materialize", "video/chunk"],
             ["materializing video/chunk", "staging the increment", "computing the rows", "checking the rows",
              "retiring orphaned samples", "inserting"],
             "video/chunk: wrote 13 rows, retired 0 orphaned\n")]
    for args, labels, summary in runs:
        terminal.seek(0)
        terminal.truncate()
        stdout.seek(0)
        stdout.truncate()
        assert seed_cli(seed_dir, *args) == 0
        shown = plain(terminal.getvalue())
        for label in labels:
            assert label in shown, (label, shown)
        rows = "13 rows" if args[0] == "materialize" else "3 rows"
        assert rows in shown
        assert stdout.getvalue() == summary  # the summary line, as without a terminal
        assert terminal.getvalue().rsplit(SHOW_CURSOR, 1)[1].endswith(ERASE_LINE)  # erased before it


def test_nothing_shown_with_quiet_or_without_a_terminal(seed_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = str(samples_file(seed_dir))
    _, terminal = streams(monkeypatch)
    assert seed_cli(seed_dir, "resolve", "video/raw", "--samples", samples, "--quiet") == 0
    assert terminal.getvalue() == ""
    _, pipe = streams(monkeypatch, io.StringIO())
    assert seed_cli(seed_dir, "resolve", "video/raw", "--samples", samples) == 0
    assert pipe.getvalue() == ""


def test_json_is_the_same_with_and_without_a_terminal(seed_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["resolve", "video/raw", "--samples", str(samples_file(seed_dir)), "--json"]
    stdout, terminal = streams(monkeypatch)
    assert seed_cli(seed_dir, *args) == 0
    on_terminal = stdout.getvalue()
    assert "running the increment query" in plain(terminal.getvalue())
    stdout, pipe = streams(monkeypatch, io.StringIO())
    assert seed_cli(seed_dir, *args) == 0
    assert stdout.getvalue().encode() == on_terminal.encode() and pipe.getvalue() == ""
    assert on_terminal.startswith("{") and '"new"' in on_terminal


def test_rich_is_loaded_only_to_draw(seed_dir: Path) -> None:
    """`sqlxy --help` and commands whose stderr is no terminal stay as quick as without rich."""
    script = ("import sys\nfrom sqlxy.cli import main\nmain(['--help'])\n"
              f"main(['status', '--project', {str(seed_dir)!r}])\n"
              "sys.stderr.write(str('rich' in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "False", result.stderr
