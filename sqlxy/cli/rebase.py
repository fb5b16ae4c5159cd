"""`sqlxy rebase K`: accept the expected provenance of samples stale only because of a code or
SQL-definition change, without recomputing them (`Store.rebase`)."""

from __future__ import annotations

import argparse
from typing import Any

from sqlxy.cli import console
from sqlxy.project import load_project

#: The samples a rebase leaves stale besides `data_changed`, as the summary names them.
LEFT = {"new": "new", "children": "whose child count changed", "not_selected": "stale only on other fields"}


def cmd_rebase(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    # a dry run only reads: a DuckDB file is opened read-only (and not created), as `status` opens it
    with project.store(args.target, create=not args.dry_run) as store:
        args.stores.append(store)  # main's Ctrl-C line says what the write did
        with console.progress(f"rebasing {args.feature}", quiet=args.quiet) as step:
            store.progress = step
            result = store.rebase(args.feature, fields=args.fields, samples=args.samples,
                                  dry_run=args.dry_run, run_id=args.run_id)
    if args.json:
        console.emit_json(result)
    else:
        console.line(summary(result))
    return 0


def summary(result: dict[str, Any]) -> str:
    """One line: `video/raw: rebased 3 samples (3 rows); 0 stale because upstream data changed stay
    stale`, then the other samples left stale, where there are any."""
    per = f" per {', '.join(result['per'])}" if result["per"] else ""
    verb, stay = ("would rebase", "would stay") if result["dry_run"] else ("rebased", "stay")
    text = (f"{result['feature']}: {verb} {_count(result['rebased'], 'sample')}{per} "
            f"({_count(result['rows'], 'row')}); {result['data_changed']} stale because upstream data "
            f"changed {stay} stale")
    left = [f"{result[name]} {words}" for name, words in LEFT.items() if result[name]]
    return text + (f"; not rebased either: {', '.join(left)}" if left else "")


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"
