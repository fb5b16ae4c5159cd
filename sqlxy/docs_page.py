"""`sqlxy docs`: one self-contained HTML page of a project. The feature graph is drawn as inline SVG
computed here (features in layers by topological depth, their fields as rows, an edge per
field-level dependency), followed by each feature's versions, lineage, columns, fields and spec
YAML, and, when the caller read them, a target's status counts.

The page is rendered by `docs_page.html.j2` (shipped next to this module) with Jinja's autoescape
on, so every text a spec or a target gives is escaped wherever it lands, SVG included. The page has
no script and refers to nothing outside itself: it opens offline."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from sqlxy.errors import SqlxyError
from sqlxy.graph import DepView, FeatureNode, fullname
from sqlxy.project import Project
from sqlxy.spec.model import INITIAL_CODE_VERSION

TEMPLATE = Path(__file__).with_name("docs_page.html.j2")
CHANGES = ("new", "stale", "orphaned")

# The drawing's geometry, in px. Text is a 13px monospace font, so a character is about 8px wide.
CHAR_W, ROW_H, LINE_H, PAD = 8, 22, 18, 10
GAP_X, GAP_Y, MARGIN = 120, 28, 20


@dataclass
class FieldRow:
    name: str        # feature:field
    key: str
    note: str        # its code_version where one is given
    y: float         # the row's top
    title: str


@dataclass
class Box:
    key: str
    column: int
    x: float
    y: float
    width: float
    lines: list[str]  # below the key: lineage, status
    fields: list[FieldRow] = field(default_factory=list)
    title: str = ""

    @property
    def height(self) -> float:
        return (1 + len(self.lines)) * LINE_H + PAD + len(self.fields) * ROW_H + (PAD if self.fields else 0)

    @property
    def middle(self) -> float:
        return self.y + self.height / 2

    def row(self, field_key: str) -> float:
        """The vertical middle of a field's row."""
        return next(r.y for r in self.fields if r.key == field_key) + ROW_H / 2


@dataclass
class Edge:
    name: str        # "upstream->downstream", of fields or of features
    path: str
    lineage: str
    label: str = ""
    label_x: float = 0
    label_y: float = 0


@dataclass
class Drawing:
    boxes: list[Box]
    field_edges: list[Edge]
    dep_edges: list[Edge]
    width: float
    height: float


def status_line(row: dict[str, Any] | None) -> str | None:
    """`3 rows · 13 new`, `3 rows · up to date`, or `3 rows` for a root whose samples are given."""
    if row is None:
        return None
    parts = [f"{row['rows']} rows"]
    if all(row.get(c) is not None for c in CHANGES):
        pending = [f"{row[c]} {c}" for c in CHANGES if row[c]]
        parts += pending or ["up to date"]
    return " · ".join(parts)


def _box_lines(node: FeatureNode, status: dict[str, Any] | None) -> list[str]:
    kind = "root" if node.is_root else node.lineage
    line = status_line(status)
    return [kind] + ([line] if line else [])


def layout(project: Project, status: dict[str, dict[str, Any]] | None = None) -> Drawing:
    """Features in columns by topological depth (roots left); in a column, each box is placed where
    its incoming field edges run level on average, where there is room, so a chain draws straight.
    An edge that skips columns passes each one in a gap between its boxes."""
    graph, status = project.graph, status or {}
    depth: dict[str, int] = {}
    for node in graph:
        depth[node.key] = 1 + max((depth[d.upstream] for d in node.deps), default=-1)
    columns: list[list[Box]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    boxes: dict[str, Box] = {}
    x = MARGIN
    for number, column in enumerate(columns):
        made = [_box(project, node, status.get(node.key), number) for node in graph if depth[node.key] == number]
        width = max(b.width for b in made)
        wanted = {b.key: _wanted_top(b, graph[b.key], boxes) for b in made}
        bottom = MARGIN - GAP_Y
        for box in sorted(made, key=lambda b: wanted[b.key]):
            box.x, box.width = x, width
            box.y = max(wanted[box.key], bottom + GAP_Y)
            for i, row in enumerate(box.fields):
                row.y = box.y + (1 + len(box.lines)) * LINE_H + PAD + i * ROW_H
            bottom = box.y + box.height
            boxes[box.key] = box
            column.append(box)
        x += width + GAP_X

    def edge(source: Box, y1: float, target: Box, y2: float, name: str, lineage: str, label: str = "") -> Edge:
        points = [(source.x + source.width, y1)]
        for number in range(source.column + 1, target.column):
            share = (number - source.column) / (target.column - source.column)
            y = _free_y(columns[number], y1 + (y2 - y1) * share)
            points += [(columns[number][0].x, y), (columns[number][0].x + columns[number][0].width, y)]
        points.append((target.x - 6, y2))  # the arrow head fills the rest
        return _edge(name, points, lineage, label)

    field_edges = [edge(boxes[p[0]], boxes[p[0]].row(p[1]), boxes[node.key], boxes[node.key].row(f),
                        f"{fullname(p)}->{fullname((node.key, f))}", _lineage(node, p[0]))
                   for node in graph for f, parents in node.field_parents.items() for p in parents]
    dep_edges = [edge(boxes[d.upstream], boxes[d.upstream].y + LINE_H, boxes[node.key], boxes[node.key].y + LINE_H,
                      f"{d.upstream}->{node.key}", d.lineage, _dep_label(d))
                 for node in graph for d in node.deps]
    ordered = [boxes[k] for k in graph.order]
    width = max((b.x + b.width for b in ordered), default=0) + MARGIN
    height = max((b.y + b.height for b in ordered), default=0) + MARGIN
    return Drawing(ordered, field_edges, dep_edges, width, height)


def _box(project: Project, node: FeatureNode, status: dict[str, Any] | None, column: int) -> Box:
    versions = project.versions
    rows = []
    for f in node.spec.fields:
        parents = ", ".join(fullname(p) for p in node.field_parents[f.key]) or "input"
        note = "" if f.code_version == INITIAL_CODE_VERSION else f"code {f.code_version}"
        rows.append(FieldRow(fullname((node.key, f.key)), f.key, note, 0,
                             f"{fullname((node.key, f.key))} ← {parents}; version "
                             f"{versions.fields[(node.key, f.key)]}"))
    lines = _box_lines(node, status)
    chars = max([len(node.key), *map(len, lines)] + [len(r.key) + len(r.note) + 2 for r in rows])
    title = node.key + (f": {node.spec.description}" if node.spec.description else "")
    return Box(node.key, column, 0, 0, chars * CHAR_W + 2 * PAD, lines, rows, title)


def _wanted_top(box: Box, node: FeatureNode, placed: dict[str, Box]) -> float:
    """Where the field edges into the box run level on average (else: its upstream boxes' middle)."""
    offsets = {r.key: (1 + len(box.lines)) * LINE_H + PAD + i * ROW_H + ROW_H / 2 for i, r in enumerate(box.fields)}
    ends = [placed[k].row(f) - offsets[own] for own, parents in node.field_parents.items() for k, f in parents]
    ends = ends or [placed[d.upstream].middle - box.height / 2 for d in node.deps]
    return max(MARGIN, sum(ends) / len(ends)) if ends else MARGIN


def _free_y(column: list[Box], y: float) -> float:
    """`y`, or the middle of the nearest gap of the column when `y` crosses one of its boxes."""
    for box in column:
        if box.y - GAP_Y / 4 <= y <= box.y + box.height + GAP_Y / 4:
            above, below = box.y - GAP_Y / 2, box.y + box.height + GAP_Y / 2
            return above if y - above < below - y and above > 0 else below
    return y


def _dep_label(dep: DepView) -> str:
    """What a feature dependency's line says: its lineage unless identity, and whether optional."""
    return ", ".join(([dep.lineage] if dep.lineage != "identity" else []) + (["optional"] if dep.dep.optional else []))


def _lineage(node: FeatureNode, upstream: str) -> str:
    return next(d.lineage for d in node.deps if d.upstream == upstream)


def _edge(name: str, points: list[tuple[float, float]], lineage: str, label: str = "") -> Edge:
    """A path through `points`: a curve from each box or column's right side to the next one's left
    side, a straight run across each column passed."""
    (x1, y1), path = points[0], [f"M{points[0][0]:g},{points[0][1]:g}"]
    for i, (x, y) in enumerate(points[1:], start=1):
        px, py = points[i - 1]
        if i % 2:
            bend = max(30.0, (x - px) / 2)
            path.append(f"C{px + bend:g},{py:g} {x - bend:g},{y:g} {x:g},{y:g}")
        else:
            path.append(f"L{x:g},{y:g}")
    x2, y2 = points[1]
    return Edge(name, " ".join(path), lineage, label, (x1 + x2) / 2, (y1 + y2) / 2 - 6)


def spec_text(project: Project, node: FeatureNode) -> tuple[str, str]:
    """The YAML of a feature as written, and where it is from: its whole file, or, in a file of
    several features (`features:` list), the lines from its own mapping to the next one's."""
    path = project.root / node.spec.file
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return f"(cannot read {node.spec.file}: {exc.strerror})", node.spec.file
    starts = sorted(n.spec.line for n in project.graph if n.spec.file == node.spec.file)
    if len(starts) < 2:
        return "\n".join(lines), node.spec.file
    following = [s for s in starts if s > node.spec.line]
    end = following[0] - 1 if following else len(lines)
    while end > node.spec.line and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[node.spec.line - 1:end]), f"{node.spec.file}, lines {node.spec.line}–{end}"


def _feature(project: Project, node: FeatureNode, manifest: dict[str, Any],
             status: dict[str, Any] | None) -> dict[str, Any]:
    spec, yaml_text = node.spec, spec_text(project, node)
    columns = [{"name": c, "type": t,
                "role": "id" if c in spec.id_columns else "" if c in spec.column_types else "carried"}
               for c, t in node.columns.items()]
    deps = [{"feature": d.upstream, "lineage": d.lineage, "optional": d.dep.optional,
             "on": ", ".join(d.keys), "filter": d.dep.filter} for d in node.deps]
    lineage = "root" if node.is_root else manifest["lineage"]
    return {"key": node.key, "description": spec.description, "lineage": lineage,
            "table": manifest["table"], "version": manifest["version"], "definition": manifest["definition"],
            "id_columns": list(spec.id_columns), "columns": columns, "deps": deps,
            "fields": [{"key": k, **v} for k, v in manifest["fields"].items()],
            "status": status, "status_line": status_line(status), "yaml": yaml_text[0], "yaml_from": yaml_text[1]}


def build_page(project: Project, status: list[dict[str, Any]] | None = None, target: str | None = None,
               status_note: str | None = None) -> str:
    """The page's HTML. `status`: the rows of `Store.status()` read from `target`, or None (no
    counts shown; `status_note` says why, e.g. the target could not be read)."""
    manifest = project.manifest()
    by_key = {row["feature"]: row for row in status} if status is not None else None
    drawing = layout(project, by_key)
    features = [_feature(project, node, manifest["features"][node.key], (by_key or {}).get(node.key))
                for node in project.graph]
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(manifest=manifest, features=features, drawing=drawing, has_status=by_key is not None,
                           target=target, status_note=status_note, field_edge_count=len(drawing.field_edges))


def write_page(path: Path, text: str) -> None:
    """Write the page whole or not at all: a sibling temp file renamed over `path`; folders made for
    it are removed again when the write fails."""
    made: list[Path] = []
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        made = [p for p in [path.parent, *path.parent.parents] if not p.exists()]
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "x", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        for folder in made:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise SqlxyError(f"cannot write the docs page to {path}: {exc.strerror or exc}") from None
