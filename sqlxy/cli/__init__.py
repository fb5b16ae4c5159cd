"""The `sqlxy` command: thin wrappers over Project and Store; output through `console`."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence

import pyarrow as pa

from sqlxy import dialects
from sqlxy.cli import console
from sqlxy.errors import SqlxyError
from sqlxy.project import Project, load_project
from sqlxy.store import Store

Command = Callable[[argparse.Namespace], int]


def _project(args: argparse.Namespace) -> Project:
    return load_project(args.project)


def _store(args: argparse.Namespace) -> Store:
    return _project(args).store(args.target)


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
    rows = [{"feature": k, "version": v["version"], "field": f, "field version": fv}
            for k, v in data["features"].items() for f, fv in v["fields"].items()]
    console.table(rows)
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from sqlxy.graph_render import render

    console.line(render(_project(args).graph, args.format, args.fields))
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    with _store(args) as store:
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
    with _store(args) as store:
        count = store.write(args.feature, args.input, partial=args.partial, run_id=args.run_id)
    console.line(f"{args.feature}: wrote {count} rows")
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    with _store(args) as store:
        rows = store.read(args.feature, include_deleted=args.include_deleted, where=args.where)
    if args.json:
        console.emit_json(rows.to_pylist())
    else:
        console.arrow_table(rows, limit=args.limit)
    return 0


def cmd_materialize(args: argparse.Namespace) -> int:
    with _store(args) as store:
        counts = store.materialize(args.feature, run_id=args.run_id)
    console.line(f"{args.feature}: wrote {counts['written']} rows, retired {counts['retired']} orphaned")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with _store(args) as store:
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
    with _store(args) as store:
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


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", default=os.environ.get("SQLXY_PROJECT", "."),
                        help="project folder (default: current folder)")
    common.add_argument("--target", help="target name from sqlxy.yaml (default: default_target)")
    parser = argparse.ArgumentParser(prog="sqlxy", description="SQL-first incremental metadata for ML "
                                     "pipelines: per-field provenance computed inside the database.")
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
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", metavar="FILE", help="write new+stale rows to FILE (csv/json/jsonl/parquet)")
    p = add("write", cmd_write, "append computed samples (atomic)")
    p.add_argument("feature")
    p.add_argument("--input", required=True, metavar="FILE")
    p.add_argument("--partial", action="store_true", help="expansion: do not retire missing siblings")
    p.add_argument("--run-id")
    p = add("read", cmd_read, "current rows of a feature")
    p.add_argument("feature")
    p.add_argument("--json", action="store_true")
    p.add_argument("--include-deleted", action="store_true")
    p.add_argument("--where", metavar="SQL")
    p.add_argument("--limit", type=int, default=50)
    p = add("materialize", cmd_materialize, "compute a SQL-defined feature inside the database")
    p.add_argument("feature")
    p.add_argument("--run-id")
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
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except SqlxyError as exc:
        console.error(str(exc))
        return 1
    except Exception as exc:
        if os.environ.get("SQLXY_DEBUG"):
            traceback.print_exc()
        console.error(f"internal error ({type(exc).__name__}: {exc}); rerun with SQLXY_DEBUG=1 for "
                      "a traceback and report it")
        return 2


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
