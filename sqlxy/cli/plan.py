"""`sqlxy plan` and `sqlxy diff`: what the current specs will do against a base.

`diff --base MANIFEST` is `plan --base MANIFEST --no-counts`: the same comparison and output,
no target opened."""

from __future__ import annotations

import argparse
from typing import Any

from sqlxy.cli import console
from sqlxy.diff import CHANGES
from sqlxy.project import load_project

#: `--exit-code`: something would be recomputed (1 and 2 stay user and internal errors).
EXIT_RECOMPUTE = 3
SHORT = 8  # hex characters of a version shown to people (--json has them whole)


def cmd_plan(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    with console.progress("planning", quiet=args.quiet):
        result = project.plan(base=args.base, target=args.target, counts=not args.no_counts, select=args.select)
    if args.json:
        console.emit_json(result)
    else:
        for text in render(result):
            console.line(text)
    return EXIT_RECOMPUTE if args.exit_code and result["recompute"] else 0


def cmd_diff(args: argparse.Namespace) -> int:
    args.no_counts, args.select, args.exit_code = True, None, False
    return cmd_plan(args)


def render(result: dict[str, Any]) -> list[str]:
    """The plan for people: one line per feature (its change, why, and its counts), then one per
    field whose version changes, and a summary line."""
    rows: list[tuple[str, str, str]] = []
    quiet = 0
    for entry in result["features"]:
        counts = _counts(entry["counts"])
        if entry["change"] == "unchanged" and counts in ("-", "0") and not entry["resampled_deps"]:
            quiet += 1
            continue
        rows.append((entry["feature"], _feature_text(entry), counts))
        rows += [(f"  {f['field']}", _field_text(f), "") for f in entry["fields"] if f["change"] != "unchanged"]
    lines = [_heading(result)]
    if rows:
        lines.append("")
        first = max(len(r[0]) for r in rows)
        middle = max(len(r[1]) for r in rows)
        lines += [f"{a.ljust(first)}  {b.ljust(middle)}  {c}".rstrip() for a, b, c in rows]
    lines.append(_summary(result, quiet))
    return lines


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _short(version: str | None) -> str:
    return "-" if version is None else version[:SHORT]


def _heading(result: dict[str, Any]) -> str:
    base, versions = result["base"], result["project_version"]
    where = f"the graph pushed to target '{base['target']}' at {base['pushed_at']} UTC" if base["kind"] == "push" \
        else f"the manifest {base['path']}"
    return f"plan against {where}: project version {_short(versions['base'])} → {_short(versions['current'])}"


def _feature_text(entry: dict[str, Any]) -> str:
    change, version = entry["change"], entry["version"]
    if change in ("added", "removed"):
        text = f"{change} ({_count(len(entry['fields']), 'field')})"
    elif change == "changed":
        text = f"version {_short(version['base'])} → {_short(version['current'])}"
    elif change == "untouched":
        reads = ", ".join(entry["reads"])
        text = f"unchanged (reads only {reads})" if reads else \
            f"unchanged (reads no field of {', '.join(entry['changed_deps'])})"
    else:
        text = change
    if entry["resampled_deps"]:
        text += f" (samples of {', '.join(entry['resampled_deps'])} may change)"
    deps = entry["deps"]
    extra = [f"dep added {d}" for d in deps["added"]] + [f"dep removed {d}" for d in deps["removed"]]
    if entry["spec_changed"] and change == "untouched":
        extra.append("spec edited")
    return "; ".join([text, *extra])


def _field_text(field: dict[str, Any]) -> str:
    if field["change"] in ("added", "removed"):
        return f"field {field['change']}"
    return "; ".join(_reason(r) for r in field["reasons"])


def _reason(reason: dict[str, Any]) -> str:
    kind = reason["kind"]
    if kind == "code_version":
        return f"code_version {reason['base']} → {reason['current']}"
    if kind == "definition":
        return f"SQL definition {_short(reason['base'])} → {_short(reason['current'])}"
    if kind == "upstream":
        return f"upstream {reason['field']}"
    if kind == "mapping":
        moved = [f"+{p}" for p in reason["added"]] + [f"-{p}" for p in reason["removed"]]
        return f"mapping {' '.join(moved)}"
    if kind == "hash":
        return "hash settings (hash, hash_length)"
    return "version formula"


def _counts(counts: dict[str, Any] | None) -> str:
    """`3 new, 12 stale`; stale samples a resolve finds only once upstream is recomputed say so, and
    so do counts that upstream's new samples can only raise (not `exact`)."""
    if counts is None or all(counts[c] is None for c in ("new", "stale", "orphaned")):
        return "-"
    if not counts.get("exact", True):
        total = sum(counts[c] or 0 for c in ("new", "stale", "orphaned"))
        per = f" (per {', '.join(counts['per'])})" if counts.get("per") else ""
        return f"at least {total} new, stale or orphaned once upstream runs{per}" if total else \
            "unknown until upstream runs"
    parts = []
    for change in ("new", "stale", "orphaned"):
        if not counts[change]:
            continue
        text = f"{counts[change]} {change}"
        later = counts.get("by_version") or 0
        if change == "stale" and later and counts["new"] is not None:  # not a root the caller feeds
            text += " once upstream runs" if later == counts["stale"] else f" ({later} once upstream runs)"
        parts.append(text)
    per = f" (per {', '.join(counts['per'])})" if counts.get("per") and parts else ""
    return ", ".join(parts) + per if parts else "0"


def _summary(result: dict[str, Any], quiet: int) -> str:
    features = result["features"]
    tally = {change: sum(e["change"] == change for e in features) for change in CHANGES}
    said = ", ".join(f"{n} {change}" for change, n in tally.items() if n)
    text = f"\n{_count(len(features), 'feature')}: {said}"
    if quiet:
        text += f" ({quiet} unchanged not shown)"
    if result["counted_on"] is None:
        return text + "; samples not counted"
    busy = [e["feature"] for e in features if _counts(e["counts"]) not in ("-", "0")]
    work = f"{_count(len(busy), 'feature')} with samples to recompute" if busy else "nothing to recompute"
    return text + f"; on target '{result['counted_on']}': {work}"
