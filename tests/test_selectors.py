"""dbt-style selectors (sqlxy/selectors.py): `K`, `+K` (upstream too), `K+` (downstream too)."""

from __future__ import annotations

import pytest

import sqlxy
from sqlxy.selectors import select


def test_upstream_downstream_and_single(seed_project: sqlxy.Project) -> None:
    graph = seed_project.graph
    assert select(graph, ["video/chunk+"]) == ["video/chunk", "video/faces"]
    assert select(graph, ["+video/chunk"]) == ["video/raw", "video/chunk"]
    assert select(graph, ["video/faces"]) == ["video/faces"]


def test_both_ways_several_and_none(seed_project: sqlxy.Project) -> None:
    graph = seed_project.graph
    assert select(graph, ["+video/chunk+"]) == select(graph, None) == select(graph, []) == graph.order
    assert select(graph, ["video/faces", "video/raw"]) == ["video/raw", "video/faces"]  # topological order


def test_unknown_feature_names_the_known_ones(seed_project: sqlxy.Project) -> None:
    with pytest.raises(sqlxy.SpecError, match=r"unknown feature 'video/nope' \(known: video/chunk, video/faces"):
        select(seed_project.graph, ["video/nope+"])
