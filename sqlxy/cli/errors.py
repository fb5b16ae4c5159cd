"""`sqlxy errors K`: the open records of failed samples of a feature."""

from __future__ import annotations

import argparse

import pyarrow.compute as pc

from sqlxy.cli import console
from sqlxy.project import load_project


def cmd_errors(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    with project.store(args.target, create=False) as store, console.progress(f"listing errors of {args.feature}",
                                                                               quiet=args.quiet):
        records = store.errors(args.feature, samples=args.samples)
    if args.json:
        console.emit_json(records.to_pylist())
        return 0
    in_force = records.column("sqlxy_in_force")
    if records.num_rows and in_force.null_count == records.num_rows:
        held = "unknown until the samples are given (--samples)"
    else:
        held = f"{pc.sum(in_force).as_py() or 0} holding their sample back now"
    console.line(f"{args.feature}: {records.num_rows} open records of failed samples, {held}")
    if records.num_rows:
        console.arrow_table(records, limit=50)
    return 0
