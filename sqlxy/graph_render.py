"""Drawings of the lineage graph: text, mermaid, dot and json, with field-level edges on demand."""

from __future__ import annotations

import json
from typing import Any

from sqlxy.graph import FeatureGraph, fullname
from sqlxy.spec.model import table_name


def graph_json(graph: FeatureGraph, definitions: dict[str, str] | None = None) -> dict[str, Any]:
    """`definitions` (feature key → D, SPEC §4) marks the features whose SQL definition is part of
    every field's version."""
    definitions = definitions or {}
    nodes = [{"key": n.key, "fields": [f.key for f in n.spec.fields], "root": n.is_root,
              "definition": definitions.get(n.key)} for n in graph]
    edges = [{"from": d.upstream, "to": n.key, "lineage": d.lineage, "optional": d.dep.optional}
             for n in graph for d in n.deps]
    field_edges = [{"from": fullname(p), "to": fullname((n.key, f)), "lineage": _lineage(n, p[0])}
                   for n in graph for f, parents in n.field_parents.items() for p in parents]
    return {"features": nodes, "edges": edges, "field_edges": field_edges}


def _lineage(node: Any, upstream: str) -> str:
    return next(d.lineage for d in node.deps if d.upstream == upstream)


def render(graph: FeatureGraph, fmt: str, fields: bool, definitions: dict[str, str] | None = None) -> str:
    data = graph_json(graph, definitions)
    if fmt == "json":
        return json.dumps(data if fields else {k: v for k, v in data.items() if k != "field_edges"},
                          indent=2)
    return {"text": _text, "mermaid": _mermaid, "dot": _dot}[fmt](data, fields)


def _text(data: dict[str, Any], fields: bool) -> str:
    lines = []
    for node in data["features"]:
        ups = [e for e in data["edges"] if e["to"] == node["key"]]
        origin = ", ".join(f"{e['from']} ({e['lineage']}{', optional' if e['optional'] else ''})"
                           for e in ups) or "root"
        lines.append(f"{node['key']}  <- {origin}")
        if fields:
            for field in node["fields"]:
                name = f"{node['key']}:{field}"
                parents = [f"{e['from']} ({e['lineage']})" for e in data["field_edges"] if e["to"] == name]
                parents = parents or ["input"]
                if node["definition"]:
                    parents.append(f"SQL definition {node['definition']}")
                lines.append(f"  {field}  <- {', '.join(parents)}")
    return "\n".join(lines)


def _node_id(key: str) -> str:
    return "f_" + table_name(key).replace(":", "___")


def _mermaid(data: dict[str, Any], fields: bool) -> str:
    lines = ["graph LR"]
    for node in data["features"]:
        if fields:
            lines.append(f'  subgraph {_node_id(node["key"])}["{node["key"]}"]')
            lines += [f'    {_node_id(node["key"] + ":" + f)}["{f}"]' for f in node["fields"]]
            lines.append("  end")
        else:
            lines.append(f'  {_node_id(node["key"])}["{node["key"]}"]')
    edges = data["field_edges"] if fields else data["edges"]
    lines += [f'  {_node_id(e["from"])} -- {e["lineage"]} --> {_node_id(e["to"])}' for e in edges]
    return "\n".join(lines)


def _dot(data: dict[str, Any], fields: bool) -> str:
    lines = ["digraph sqlxy {", "  rankdir=LR;", "  node [shape=box];"]
    for node in data["features"]:
        if fields:
            lines.append(f'  subgraph cluster_{_node_id(node["key"])} {{ label="{node["key"]}";')
            lines += [f'    "{node["key"]}:{f}" [label="{f}"];' for f in node["fields"]]
            lines.append("  }")
        else:
            lines.append(f'  "{node["key"]}";')
    edges = data["field_edges"] if fields else data["edges"]
    lines += [f'  "{e["from"]}" -> "{e["to"]}" [label="{e["lineage"]}"];' for e in edges]
    lines.append("}")
    return "\n".join(lines)
