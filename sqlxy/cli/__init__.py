"""The `sqlxy` command: thin wrappers over Project and Store; output through `console`.

Exit codes: 0 ok, 1 user error (usage errors included), 2 internal error, 130 interrupted
(Ctrl-C), 141 output closed by its reader (`sqlxy read K | head`: 128 + SIGPIPE, as `cat` exits).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

import pyarrow as pa

from sqlxy import dialects
from sqlxy.cli import console
from sqlxy.errors import SqlxyError
from sqlxy.project import Project, load_project
from sqlxy.store import Store
from sqlxy.store.duckdb import is_interrupt

Command = Callable[[argparse.Namespace], int]

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE

#: API parameter → the flag that gives it, for errors that name the parameter (SqlxyError.param).
FLAGS = {"samples": "--samples", "stale_if": "--stale-if", "where": "--where"}


class UsageError(SqlxyError):
    """A command line argparse cannot parse: a user error like any other."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints its usage and exits 2, the code of internal errors; one line, exit 1
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _project(args: argparse.Namespace) -> Project:
    return load_project(args.project)


def _store(args: argparse.Namespace, create: bool = True) -> Store:
    """The target's store; `create=False` for commands that only read (no database file made)."""
    store = Store.open(_project(args), args.target, create=create)
    args.stores.append(store)  # main's Ctrl-C line says what its writes did
    return store


def _working(args: argparse.Namespace, label: str) -> contextlib.AbstractContextManager[None]:
    return console.progress(label, quiet=args.quiet)


def cmd_compile(args: argparse.Namespace) -> int:
    project = _project(args)
    manifest = project.compile_to_disk(args.dialect, args.select)
    written = sum(len(q) for f in manifest["features"].values() for q in f["compiled"].values())
    console.line(f"compiled {written} queries for {len(project.graph.select(args.select))} feature(s) "
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
    with _store(args) as store, _working(args, f"resolving {args.feature}"):
        increment = store.resolve(args.feature, samples=args.samples, stale_if=args.stale_if)
    if args.out:
        from sqlxy.store.outputs import write_rows_file

        rows = increment.to_write()
        write_rows_file(rows, args.out)
        console.line(f"{args.feature}: wrote {rows.num_rows} rows to process to {args.out}")
    if args.json:
        console.emit_json({"feature": args.feature, "new": increment.new.to_pylist(),
                           "stale": increment.stale.to_pylist(), "orphaned": increment.orphaned.to_pylist()})
        return 0
    if not args.out:
        counts = increment.counts()
        console.line(f"{args.feature}: {counts['new']} new, {counts['stale']} stale, "
                     f"{counts['orphaned']} orphaned")
        for name in ("new", "stale", "orphaned"):
            rows: pa.Table = getattr(increment, name)
            if rows.num_rows:
                console.line(f"\n{name}:")
                console.arrow_table(rows)
    return 0


def cmd_write(args: argparse.Namespace) -> int:
    if args.input is None and args.empty_parents is None:
        raise SqlxyError("write needs --input FILE (or --empty-parents FILE for an expansion)")
    with _store(args) as store, _working(args, f"writing {args.feature}"):
        count = store.write(args.feature, args.input, partial=args.partial, run_id=args.run_id,
                            empty_parents=args.empty_parents)
    console.line(f"{args.feature}: wrote {count} rows")
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
    with _store(args) as store, _working(args, f"materializing {args.feature}"):
        counts = store.materialize(args.feature, run_id=args.run_id)
    console.line(f"{args.feature}: wrote {counts['written']} rows, retired {counts['retired']} orphaned")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with _store(args, create=False) as store, _working(args, "computing status"):
        rows = store.status()
    if args.json:
        console.emit_json(rows)
    else:
        console.table(rows, ["feature", "rows", "new", "stale", "orphaned", "waiting_on"])
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from sqlxy.diff import diff_manifests, load_manifest

    rows = diff_manifests(load_manifest(args.base), _project(args).manifest())
    if args.json:
        console.emit_json(rows)
    elif rows:
        console.table(rows)
    else:
        console.line("no changes")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with _store(args) as store, _working(args, f"deleting from {args.feature}"):
        count = store.delete(args.feature, args.where, hard=args.hard)
    verb = "removed" if args.hard else "soft-deleted (tombstones appended:"
    console.line(f"{args.feature}: {verb} {count} rows{'' if args.hard else ')'}")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    with _store(args) as store:
        recorded = store.push()
    version = store.project.versions.project
    console.line(f"project version {version} " + ("recorded" if recorded else "was already recorded"))
    return 0


def _global_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """--project, --target and --quiet, before the command (with the defaults) and after it. After
    it they default to SUPPRESS: a subcommand's default would overwrite a value given before."""
    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--project", default=default(os.environ.get("SQLXY_PROJECT", ".")),
                        help="project folder (default: current folder)")
    parser.add_argument("--target", default=default(None),
                        help="target name from sqlxy.yaml (default: default_target)")
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="no progress display on stderr (shown only when stderr is a terminal)")


RUN_ID_HELP = "a label stored in sqlxy_run_id of every row written (e.g. your pipeline's run id)"


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    _global_options(common, defaults=False)
    parser = _Parser(prog="sqlxy", description="SQL-first incremental metadata for ML pipelines: "
                     "per-field provenance computed inside the database.",
                     epilog="--project, --target and --quiet go before or after the command. Exit codes: "
                     "0 ok, 1 user error, 2 internal error, 130 interrupted, 141 output closed by its reader.")
    _global_options(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    p = add("compile", cmd_compile, "write target/compiled/<dialect>/<table>/<query>.sql and manifest")
    p.add_argument("--dialect", action="append", choices=dialects.names())
    p.add_argument("--select", action="append", metavar="K", help="K, +K (with upstream), K+ (downstream)")
    add("versions", cmd_versions, "field, feature and project versions").add_argument("--json",
                                                                                      action="store_true")
    p = add("graph", cmd_graph, "draw the lineage graph")
    p.add_argument("--format", choices=["text", "mermaid", "dot", "json"], default="text")
    p.add_argument("--fields", action="store_true", help="field-level edges")
    p = add("resolve", cmd_resolve, "new, stale and orphaned samples of a feature")
    p.add_argument("feature")
    p.add_argument("--samples", metavar="FILE", help="root samples (csv, json, jsonl, parquet)")
    p.add_argument("--stale-if", metavar="SQL", help="also stale where this condition holds")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the increment as JSON")
    output.add_argument("--out", metavar="FILE", help="write new+stale rows to FILE (csv/json/jsonl/parquet)")
    p = add("write", cmd_write, "append computed samples (atomic)")
    p.add_argument("feature")
    p.add_argument("--input", metavar="FILE", help="rows to write (csv, json, jsonl, parquet)")
    p.add_argument("--empty-parents", metavar="FILE", help="expansion: rows resolve returned for parents "
                   "that have no children (recorded as settled; their old children are retired)")
    p.add_argument("--partial", action="store_true", help="expansion: do not retire missing siblings")
    p.add_argument("--run-id", help=RUN_ID_HELP)
    p = add("read", cmd_read, "current rows of a feature")
    p.add_argument("feature")
    p.add_argument("--json", action="store_true")
    p.add_argument("--include-deleted", action="store_true")
    p.add_argument("--where", metavar="SQL")
    p.add_argument("--limit", type=int, default=50)
    p = add("materialize", cmd_materialize, "compute a SQL-defined feature inside the database")
    p.add_argument("feature")
    p.add_argument("--run-id", help=RUN_ID_HELP)
    add("status", cmd_status, "per feature: rows, new, stale, orphaned").add_argument("--json",
                                                                                      action="store_true")
    p = add("diff", cmd_diff, "changes against a base manifest")
    p.add_argument("--base", required=True, metavar="MANIFEST")
    p.add_argument("--json", action="store_true")
    p = add("delete", cmd_delete, "soft-delete (default) or hard-delete samples")
    p.add_argument("feature")
    p.add_argument("--where", required=True, metavar="SQL")
    p.add_argument("--hard", action="store_true")
    add("push", cmd_push, "record the graph in sqlxy_graph_history")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line; returns the exit code (see the module docstring)."""
    args = argparse.Namespace(stores=[])
    try:
        try:
            _parser().parse_args(argv, namespace=args)
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
    unsure = [str(c) for c in commits if c.landed is None]
    landed = [str(c) for c in commits if c.landed]
    if unsure:
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
