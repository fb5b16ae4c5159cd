"""The `sqlxy` command: `main` runs one command line and maps every ending to an exit code.
The parser is in `parser.py`, the commands (thin wrappers over Project and Store) in
`commands.py`, all output goes through `console`.

Exit codes: 0 ok, 1 user error (usage errors included), 2 internal error, 130 interrupted
(Ctrl-C), 141 output closed by its reader (`sqlxy read K | head`: 128 + SIGPIPE, as `cat` exits).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence

from sqlxy.cli import console
from sqlxy.cli.parser import build_parser
from sqlxy.errors import SqlxyError
from sqlxy.store import Store
from sqlxy.store.duckdb import is_interrupt

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE

#: API parameter → the flag that gives it, for errors that name the parameter (SqlxyError.param).
FLAGS = {"samples": "--samples", "stale_if": "--stale-if", "where": "--where",
         "keep_history": "--keep-history"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line; returns the exit code (see the module docstring)."""
    args = argparse.Namespace(stores=[])
    try:
        try:
            build_parser().parse_args(argv, namespace=args)
        except SystemExit as exc:  # --help was printed
            return exc.code if isinstance(exc.code, int) else 0
        code = args.handler(args)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_PIPE_CLOSED
    except KeyboardInterrupt:
        return _interrupted(args.stores)
    except SqlxyError as exc:
        console.error(exc.naming(FLAGS))
        return 1
    except Exception as exc:
        if is_interrupt(exc):  # Ctrl-C inside an in-process DuckDB query
            return _interrupted(args.stores)
        if os.environ.get("SQLXY_DEBUG"):
            traceback.print_exc()
        console.error(f"internal error ({type(exc).__name__}: {exc}); rerun with SQLXY_DEBUG=1 for "
                      "a traceback and report it")
        return 2


def _discard_stdout() -> None:
    """The reader closed the pipe: send what is still buffered to devnull, so the flush at exit
    does not fail again with a message (Python's recipe for SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):  # no file descriptor (stdout replaced)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _interrupted(stores: list[Store]) -> int:
    """Ctrl-C: one line saying whether anything was written."""
    commits = [c for store in stores for c in store.commits]
    partial = [str(c) for c in commits if c.state == "partial"]
    unsure = [str(c) for c in commits if c.landed is None and c.state != "partial"]
    landed = [str(c) for c in commits if c.landed]
    if partial:  # several statements without a transaction: some ran, the rest did not
        console.note(f"interrupted part way ({'; '.join(partial)}): part of it was written; run the "
                     "same command again to complete it (`sqlxy status` shows what is pending)")
    elif unsure:
        console.note(f"interrupted while committing ({'; '.join(unsure)}): it may or may not have been "
                     "written; `sqlxy status` and `sqlxy read` show the tables as they are")
    elif landed:
        console.note(f"interrupted after the write committed ({'; '.join(landed)})")
    else:
        console.note("interrupted; nothing was written")
    return EXIT_INTERRUPTED


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
