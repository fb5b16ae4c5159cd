"""`sqlxy docs`: write the project's docs page (`sqlxy/docs_page.py`), by default with the status
counts of the target.

A target that cannot be opened or read does not stop the page: it is written without counts, the
page says so and the reason goes to stderr (the page documents the specs; the counts are extra).
A `--target` that `sqlxy.yaml` does not name is a user error, as for every other command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlxy.cli import console
from sqlxy.docs_page import build_page, write_page
from sqlxy.errors import SqlxyError
from sqlxy.project import Project, load_project

DEFAULT_OUT = "target/docs/index.html"


def cmd_docs(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    status: list[dict[str, Any]] | None = None
    target = note = None
    if not args.no_status:
        target, _ = project.config.target(args.target)  # an unknown --target is an error
        status, note = _status(project, args, target)
    text = build_page(project, status, target, note)
    path, shown = (Path(args.out), args.out) if args.out else (project.root / DEFAULT_OUT, DEFAULT_OUT)
    write_page(path, text)
    console.line(f"wrote {shown} ({len(project.features)} features)")
    return 0


def _status(project: Project, args: argparse.Namespace,
            target: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The target's status rows, or None and the note the page shows when it cannot be read."""
    try:
        store = project.store(target, create=False)  # reads only: no database file is made
        args.stores.append(store)
        with store, console.progress("computing status", quiet=args.quiet):
            return store.status(), None
    except SqlxyError as exc:
        console.note(f"warning: the docs page shows no status: target '{target}' could not be read ({exc})")
        return None, f"Status not shown: target '{target}' could not be read (the reason is on the " \
                     "stderr of `sqlxy docs`)."
