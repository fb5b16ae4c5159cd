"""The commands of `sqlxy`: thin wrappers over Project and Store; output through `console`."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator

import pyarrow as pa

from sqlxy import dialects, selectors
from sqlxy.cli import console
from sqlxy.errors import SqlxyError
from sqlxy.project import Project, load_project
from sqlxy.store import Store

#: A command: parsed arguments in, exit code out.
Command = Callable[[argparse.Namespace], int]


def _project(args: argparse.Namespace) -> Project:
    return load_project(args.project)


def _store(args: argparse.Namespace, create: bool = True) -> Store:
    """The target's store; `create=False` for commands that only read (no database file made)."""
    store = _project(args).store(args.target, create=create)
    args.stores.append(store)  # main's Ctrl-C line says what its writes did
    return store


@contextlib.contextmanager
def _working(args: argparse.Namespace, label: str, store: Store | None = None) -> Iterator[console.Step]:
    """Progress on stderr while the block runs (`console.progress`); the steps of the `store`'s
    resolve, write and materialize are shown with their rows."""
    with console.progress(label, quiet=args.quiet) as step:
        if store is None:
            yield step
            return
        before, store.progress = store.progress, step
        try:
            yield step
        finally:
            store.progress = before



def cmd_compile(args: argparse.Namespace) -> int:
    project = _project(args)
    manifest = project.compile_to_disk(args.dialect, args.select)
    written = sum(len(q) for f in manifest["features"].values() for q in f["compiled"].values())
    console.line(f"compiled {written} queries for {len(selectors.select(project.graph, args.select))} feature(s) "
                 f"in {', '.join(args.dialect or [dialects.SOURCE])} → target/compiled, target/manifest.json")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    project = _project(args)
    data = project.versions.as_json()
    if args.json:
        console.emit_json(data)
        return 0
    console.line(f"project {project.config.name}: version {data['project_version']}")
    rows = [{"feature": k, "version": v["version"], "field": f, "field version": fv,
             "SQL definition": v["definition"]}
            for k, v in data["features"].items() for f, fv in v["fields"].items()]
    console.table(rows)
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from sqlxy.graph_render import render

    project = _project(args)
    console.line(render(project.graph, args.format, args.fields, project.versions.definitions))
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    with _store(args) as store, _working(args, f"resolving {args.feature}", store) as step:
        increment = store.resolve(args.feature, samples=args.samples, stale_if=args.stale_if,
                                  retry_errors=args.retry_errors)
        if args.out:
            from sqlxy.store.outputs import write_rows_file

            rows = increment.to_write()
            step(f"writing {args.out}", rows.num_rows)
            write_rows_file(rows, args.out)
    if args.out:
        console.line(f"{args.feature}: wrote {rows.num_rows} rows to process to {args.out}")
    if args.json:
        console.emit_json({"feature": args.feature, "new": increment.new.to_pylist(),
                           "stale": increment.stale.to_pylist(), "orphaned": increment.orphaned.to_pylist()})
        return 0
    if not args.out:
        counts = increment.counts()
        held = increment.errored.num_rows if not args.retry_errors else 0
        note = f"; {held} held back by recorded errors (sqlxy errors; --retry-errors)" if held else ""
        console.line(f"{args.feature}: {counts['new']} new, {counts['stale']} stale, "
                     f"{counts['orphaned']} orphaned{note}")
        for name in ("new", "stale", "orphaned"):
            rows: pa.Table = getattr(increment, name)
            if rows.num_rows:
                console.line(f"\n{name}:")
                console.arrow_table(rows)
    return 0


def cmd_write(args: argparse.Namespace) -> int:
    if args.errors is not None:
        return _write_errors(args)
    if args.message is not None:
        raise SqlxyError("--message goes with --errors FILE")
    if args.input is None and args.empty_parents is None:
        raise SqlxyError("write needs --input FILE (or --empty-parents FILE for an expansion, or --errors FILE)")
    with _store(args) as store, _working(args, f"writing {args.feature}", store):
        count = store.write(args.feature, args.input, partial=args.partial, run_id=args.run_id,
                            empty_parents=args.empty_parents)
    console.line(f"{args.feature}: wrote {count} rows")
    return 0


def _write_errors(args: argparse.Namespace) -> int:
    """`write K --errors FILE`: record failed samples (resolve's rows), in a write of their own."""
    if args.input is not None or args.empty_parents is not None or args.partial:
        raise SqlxyError("--errors FILE records failed samples in a write of its own: give it without "
                         "--input, --empty-parents and --partial")
    with _store(args) as store, _working(args, f"recording errors of {args.feature}", store):
        count = store.write_errors(args.feature, args.errors, message=args.message, run_id=args.run_id)
    console.line(f"{args.feature}: recorded {count} failed samples")
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    with _store(args, create=False) as store, _working(args, f"reading {args.feature}"):
        rows = store.read(args.feature, include_deleted=args.include_deleted, where=args.where)
    if args.json:
        console.emit_json(rows.to_pylist())
    else:
        console.arrow_table(rows, limit=args.limit)
    return 0


def cmd_materialize(args: argparse.Namespace) -> int:
    with _store(args) as store, _working(args, f"materializing {args.feature}", store):
        counts = store.materialize(args.feature, run_id=args.run_id)
    console.line(f"{args.feature}: wrote {counts['written']} rows, retired {counts['retired']} orphaned")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with _store(args, create=False) as store, _working(args, "computing status"):
        rows = store.status()
    if args.json:
        console.emit_json(rows)
    else:
        console.table(rows, ["feature", "rows", "new", "stale", "orphaned", "errors", "waiting_on", "layout",
                             "last_resolve"])
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    # a dry run opens its DuckDB file read-only: it creates and writes nothing
    with _store(args, create=not args.dry_run) as store, _working(args, f"deleting from {args.feature}", store):
        if args.cascade:
            counts = store.cascade_delete(args.feature, args.where, hard=args.hard, dry_run=args.dry_run)
        elif args.dry_run:
            counts = {args.feature: {"samples": store.matching(args.feature, args.where, hard=args.hard), "rows": 0}}
        else:
            counts = {args.feature: {"rows": store.delete(args.feature, args.where, hard=args.hard)}}
    if args.json:
        console.emit_json({"hard": args.hard, "dry_run": args.dry_run, "features": counts})
        return 0
    for feature, count in counts.items():
        console.line(f"{feature}: {_deleted(count, args.hard, args.dry_run)}")
    return 0


def _deleted(count: dict[str, int], hard: bool, dry_run: bool) -> str:
    """`1 sample, 3 rows removed`; a dry run's `would delete 1 sample`; a plain delete its rows."""
    rows = f"{_plural(count['rows'], 'row')} removed" if hard else f"{_plural(count['rows'], 'tombstone')} appended"
    if "samples" not in count:
        return rows
    samples = _plural(count["samples"], "sample")
    return f"would delete {samples}" if dry_run else f"{samples}, {rows}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def cmd_compact(args: argparse.Namespace) -> int:
    with _store(args) as store, _working(args, f"compacting {args.feature}"):
        counts = store.compact(args.feature, keep_history=args.keep_history)
    if args.json:
        console.emit_json({"feature": args.feature, **counts})
        return 0
    console.line(f"{args.feature}: {counts['rows_before']} rows before, {counts['rows_after']} after, "
                 f"removed {counts['removed']}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    with _store(args) as store, _working(args, "migrating tables"):
        done = store.migrate(args.select)
    if args.json:
        console.emit_json(done)
        return 0
    for row in done:
        what = f"migrated ({'; '.join(row['migrated'])})" if row["migrated"] else "already had the layout"
        console.line(f"{row['feature']}: {what}")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    with _store(args) as store:
        recorded = store.push()
    version = store.versions.project
    console.line(f"project version {version} " + ("recorded" if recorded else "was already recorded"))
    return 0
