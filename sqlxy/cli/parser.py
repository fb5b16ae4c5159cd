"""The command line of `sqlxy`: global options, one subcommand per command, usage errors."""

from __future__ import annotations

import argparse
import os
from typing import NoReturn

from sqlxy import dialects
from sqlxy.cli import commands, docs, errors, explain, plan, rebase, schema
from sqlxy.errors import SqlxyError


class UsageError(SqlxyError):
    """A command line argparse cannot parse: a user error like any other."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints its usage and exits 2, the code of internal errors; one line, exit 1
        raise UsageError(f"{message} (see '{self.prog} --help')")


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


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    _global_options(common, defaults=False)
    parser = _Parser(prog="sqlxy", description="SQL-first incremental metadata for ML pipelines: "
                     "per-field provenance computed inside the database.",
                     epilog="--project, --target and --quiet go before or after the command. Exit codes: "
                     "0 ok, 1 user error, 2 internal error, 130 interrupted, 141 output closed by its reader.")
    _global_options(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: commands.Command, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    p = add("compile", commands.cmd_compile, "write target/compiled/<dialect>/<table>/<query>.sql and manifest")
    p.add_argument("--dialect", action="append", choices=dialects.names())
    p.add_argument("--select", action="append", metavar="K", help="K, +K (with upstream), K+ (downstream)")
    add("versions", commands.cmd_versions, "field, feature and project versions").add_argument("--json",
                                                                                      action="store_true")
    p = add("graph", commands.cmd_graph, "draw the lineage graph")
    p.add_argument("--format", choices=["text", "mermaid", "dot", "json"], default="text")
    p.add_argument("--fields", action="store_true", help="field-level edges")
    p = add("resolve", commands.cmd_resolve, "new, stale and orphaned samples of a feature")
    p.add_argument("feature")
    p.add_argument("--samples", metavar="FILE", help="root samples (csv, json, jsonl, parquet)")
    p.add_argument("--stale-if", metavar="SQL", help="also stale where this condition holds")
    p.add_argument("--retry-errors", action="store_true", help="include the samples recorded as failed "
                   "at the provenance expected now (left out by default)")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the increment as JSON")
    output.add_argument("--out", metavar="FILE", help="write new+stale rows to FILE (csv/json/jsonl/parquet)")
    p = add("write", commands.cmd_write, "append computed samples (atomic)")
    p.add_argument("feature")
    p.add_argument("--input", metavar="FILE", help="rows to write (csv, json, jsonl, parquet)")
    p.add_argument("--empty-parents", metavar="FILE", help="expansion: rows resolve returned for parents "
                   "that have no children (recorded as settled; their old children are retired)")
    p.add_argument("--partial", action="store_true", help="expansion: do not retire missing siblings")
    p.add_argument("--errors", metavar="FILE", help="record failed samples instead: the rows resolve returned "
                   "for them (compare keys, sqlxy_provenance; a sqlxy_error column gives each its message)")
    p.add_argument("--message", metavar="TEXT", help="with --errors: the message of rows without their own")
    p.add_argument("--run-id", help=RUN_ID_HELP)
    p = add("read", commands.cmd_read, "current rows of a feature")
    p.add_argument("feature")
    p.add_argument("--json", action="store_true")
    p.add_argument("--include-deleted", action="store_true")
    p.add_argument("--where", metavar="SQL")
    p.add_argument("--limit", type=int, default=50)
    p = add("materialize", commands.cmd_materialize, "compute a SQL-defined feature inside the database")
    p.add_argument("feature")
    p.add_argument("--run-id", help=RUN_ID_HELP)
    p = add("errors", errors.cmd_errors, "the open records of failed samples of a feature, and whether each "
            "holds its sample back now")
    p.add_argument("feature")
    p.add_argument("--samples", metavar="FILE", help="a root without a SQL source: its samples (as resolve takes them)")
    p.add_argument("--json", action="store_true")
    add("status", commands.cmd_status, "per feature: rows, new, stale, orphaned").add_argument("--json",
                                                                                      action="store_true")
    p = add("plan", plan.cmd_plan, "what the current specs will do against a base, per feature and field, "
            "with the samples that would become new, stale or orphaned (writes nothing)")
    p.add_argument("--base", metavar="MANIFEST", help="a manifest.json from `compile` (default: the last graph "
                   "recorded by `push` on the target)")
    p.add_argument("--select", action="append", metavar="K", help="K, +K (with upstream), K+ (downstream)")
    p.add_argument("--no-counts", action="store_true", help="versions only: do not count samples in the target")
    p.add_argument("--exit-code", action="store_true", help="exit 3 when anything would be recomputed")
    p.add_argument("--json", action="store_true")
    p = add("diff", plan.cmd_diff, "changes against a base manifest (`plan --base MANIFEST --no-counts`)")
    p.add_argument("--base", required=True, metavar="MANIFEST")
    p.add_argument("--json", action="store_true")
    p = add("explain", explain.cmd_explain, "why samples of a feature are (or are not) up to date, walking "
            "the field-level lineage upstream")
    p.add_argument("feature")
    p.add_argument("ids", nargs="+", metavar="ID", help="a sample's id (several id columns: col=value,col=value)")
    p.add_argument("--samples", metavar="FILE", help="a root without a SQL source: its samples (as resolve takes them)")
    p.add_argument("--stale-if", metavar="SQL", help="the staleness predicate resolve would be given")
    p.add_argument("--json", action="store_true")
    p = add("docs", docs.cmd_docs, "write target/docs/index.html: the graph, features, fields and status, "
            "one page that opens offline")
    p.add_argument("--out", metavar="FILE", help="the page to write (default: target/docs/index.html)")
    p.add_argument("--no-status", action="store_true", help="do not read the target for status counts")
    p = add("schema", schema.cmd_schema, "the JSON Schema of feature YAML files or of sqlxy.yaml")
    p.add_argument("kind", nargs="?", choices=["feature", "project"], default="feature")
    p.add_argument("--out", metavar="FILE", help="write the schema to FILE instead of stdout")
    p = add("delete", commands.cmd_delete, "soft-delete (default) or hard-delete samples")
    p.add_argument("feature")
    p.add_argument("--where", required=True, metavar="SQL")
    p.add_argument("--hard", action="store_true", help="remove every row of the samples (history too), not "
                   "append tombstones")
    p.add_argument("--cascade", action="store_true", help="also delete what was derived from them downstream")
    p.add_argument("--dry-run", action="store_true", help="count the samples per feature, write nothing")
    p.add_argument("--json", action="store_true")
    p = add("compact", commands.cmd_compact, "rewrite a feature table to its current rows plus the history kept")
    p.add_argument("feature")
    p.add_argument("--keep-history", metavar="DURATION|N",
                   help="also keep the N rows before each current row, or the rows written within DURATION "
                        "(30m, 12h, 7d, 2w); default: none (deleted samples vanish)")
    p.add_argument("--json", action="store_true")
    p = add("migrate", commands.cmd_migrate, "give existing feature tables the layout of new ones on this engine "
            "(PostgreSQL: indexes, bytewise collation; ClickHouse: sorting key, a rebuild)")
    p.add_argument("--select", action="append", metavar="K", help="K, +K (with upstream), K+ (downstream)")
    p.add_argument("--json", action="store_true")
    p = add("rebase", rebase.cmd_rebase, "accept the new provenance of samples stale only because of a code or "
            "SQL-definition change, without recomputing them (upstream data changes stay stale)")
    p.add_argument("feature")
    p.add_argument("--fields", nargs="+", action="extend", metavar="F", help="only these fields (default: all)")
    p.add_argument("--samples", metavar="FILE", help="a root without a SQL source: its samples (as resolve takes them)")
    p.add_argument("--dry-run", action="store_true", help="count what would be rebased; write nothing")
    p.add_argument("--json", action="store_true")
    p.add_argument("--run-id", help=RUN_ID_HELP)
    add("push", commands.cmd_push, "record the graph in sqlxy_graph_history")
    return parser
