"""`sqlxy explain K ID…`: why samples of a feature are, or are not, up to date."""

from __future__ import annotations

import argparse
import io
from typing import Any

from sqlxy.cli import console
from sqlxy.errors import InputError
from sqlxy.project import load_project

#: How much of a hash the table shows (`--json` has them whole).
SHOWN = 12


def cmd_explain(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    id_columns = project.graph[args.feature].spec.id_columns
    ids = [parse_id(text, id_columns) for text in args.ids]
    with project.store(args.target, create=False) as store, console.progress(f"explaining {args.feature}",
                                                                               quiet=args.quiet):
        reports = store.explain(args.feature, ids, samples=args.samples, stale_if=args.stale_if)
    if args.json:
        console.emit_json(reports)
        return 0
    for i, report in enumerate(reports):
        if i:
            console.line()
        _show(report)
    return 0


def parse_id(text: str, id_columns: tuple[str, ...]) -> Any:
    """`v1` for a feature with one id column (`video_id=v1` too); `col=value,col=value` otherwise."""
    if len(id_columns) == 1:
        prefix = f"{id_columns[0]}="
        return text[len(prefix):] if text.startswith(prefix) else text
    pairs = [part.partition("=") for part in text.split(",")]
    given = {name.strip(): value for name, eq, value in pairs if eq}
    if len(given) != len(pairs) or set(given) != set(id_columns):
        raise InputError(f"ID '{text}': this feature has several id columns; give each, as "
                         f"{','.join(f'{c}=…' for c in id_columns)}")
    return given


def _show(report: dict[str, Any]) -> None:
    ids = ",".join(f"{k}={v}" for k, v in report["id"].items())
    head = f"{report['feature']} {ids}: {report['state']}"
    if report.get("stale_fields"):
        head += f" on {', '.join(report['stale_fields'])}"
    if report.get("parent"):
        head += "  (parent " + ",".join(f"{k}={v}" for k, v in report["parent"].items()) + ")"
    console.line(head)
    row = report.get("row")
    if row:
        deleted = f", deleted {row['deleted_at']}" if row["deleted_at"] else ""
        console.line(f"  row written {row['written_at']} by run {row['run_id'] or '-'}{deleted}")
    if report.get("note"):
        console.line(f"  {report['note']}")
    if report["fields"]:
        shown = io.StringIO()
        console.table([{"field": name, "current": _short(v["current"]), "expected": _short(v["expected"]),
                        "": "changed" if v["changed"] else ""} for name, v in report["fields"].items()], out=shown)
        for text in shown.getvalue().splitlines():
            console.line(f"  {text}".rstrip())
    if report.get("children"):
        console.line(f"  children: {report['children']['expected']} expected, {report['children']['current']} current")
    if report["causes"]:
        console.line("  why not:" if report["state"] == "up to date" else "  why:")
        for cause in report["causes"]:
            _cause(cause, "    ")


def _short(value: str | None) -> str | None:
    return value if value is None or len(value) <= SHOWN else value[:SHOWN] + "…"


def _cause(cause: dict[str, Any], indent: str) -> None:
    console.line(indent + describe(cause))
    for further in cause.get("origin", []):
        _cause(further, indent + "  ← ")


#: One line per kind of cause of `store.explain`, from the values `describe` prepares.
_LINES = {
    "code_version": "{where}:{field} code_version {from} → {to}",
    "definition": "{where}: SQL definition changed ({from} → {to})",
    "lineage": "{where}:{field} reads other fields (added: {added}; removed: {removed})",
    "new field version": "{where}:{field} has a new version",
    "field added": "{where}:{field} is a new field",
    "upstream data": "{where}{sample}: new data version of {fields}{when}",
    "deleted upstream": "{where}{sample}: deleted{when}",
    "new upstream": "{where}{sample}: a new upstream sample{when}",
    "not read": "{where}{sample}: new data version of {fields}{when}, not read by {reader}",
    "input": "{where}: {detail}",
}


def describe(cause: dict[str, Any]) -> str:
    """One line for a cause of `store.explain`."""
    values = {key: _short(str(value)) if key in ("from", "to") else value for key, value in cause.items()}
    values |= {
        "where": cause["feature"],
        "sample": " " + ",".join(f"{k}={v}" for k, v in cause["sample"].items()) if cause.get("sample") else "",
        "when": f" at {cause['at']} by run {cause.get('run_id') or '-'}" if cause.get("at") else "",
        "fields": ", ".join(cause.get("fields", [])),
        "added": ", ".join(cause.get("added", [])) or "-", "removed": ", ".join(cause.get("removed", [])) or "-",
    }
    default = "{where}: {kind}: {detail}" if cause.get("detail") else "{where}: {kind}"
    return _LINES.get(cause["kind"], default).format(**values)
