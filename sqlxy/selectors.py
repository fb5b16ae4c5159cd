"""dbt-style feature selectors: `K` the feature, `+K` it and everything upstream, `K+` it and
everything downstream (`+K+` both). Kept apart from the graph, as dbt-core keeps `graph.py` apart
from `selector.py`: the graph knows the edges, a selector only walks them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlxy.graph import FeatureGraph


def select(graph: FeatureGraph, selectors: Sequence[str] | None) -> list[str]:
    """The feature keys chosen by `selectors`, in topological order; all of them when none are
    given. An unknown feature is a SpecError naming the known ones."""
    if not selectors:
        return list(graph.order)
    chosen: set[str] = set()
    for selector in selectors:
        key = selector.strip("+")
        graph[key]  # raises for an unknown feature
        chosen.add(key)
        if selector.startswith("+"):
            chosen |= _closure(key, graph.upstream)
        if selector.endswith("+"):
            chosen |= _closure(key, graph.downstream)
    return [k for k in graph.order if k in chosen]


def _closure(key: str, step: Callable[[str], Iterable[str]]) -> set[str]:
    """Every feature reached from `key` by repeating `step` (not `key` itself: the graph has no cycles)."""
    seen: set[str] = set()
    todo = [key]
    while todo:
        for reached in step(todo.pop()):
            if reached not in seen:
                seen.add(reached)
                todo.append(reached)
    return seen
