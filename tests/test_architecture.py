"""The shape of `sqlxy/`: data flows one way (spec → graph → versions → compiler → store → cli),
no module imports in a circle, and no module grows past what one reader can hold.

Every import counts, including those under `if TYPE_CHECKING:` and inside functions: a
type-only import is still a dependency a reader has to follow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sqlxy"
MAX_LINES = 300

#: Layers, lowest first. A module may import its own layer and the layers below it.
LAYERS: list[tuple[str, ...]] = [
    ("sqlxy.errors", "sqlxy.engines", "sqlxy.dialects"),
    ("sqlxy.spec", "sqlxy.config"),
    ("sqlxy.graph", "sqlxy.selectors", "sqlxy.graph_render"),
    ("sqlxy.versions", "sqlxy.provenance", "sqlxy.diff"),
    ("sqlxy.compiler",),
    ("sqlxy.store",),
    ("sqlxy.project",),
    ("sqlxy.cli", "sqlxy.dagster", "sqlxy.__main__", "sqlxy"),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The sqlxy modules `name` imports (`from sqlxy import dialects` names the module)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "sqlxy"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "sqlxy":
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
    return found - {name}


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(module: str) -> int:
    """The layer of the longest prefix that names it."""
    best = max((prefix for layer in LAYERS for prefix in layer
                if module == prefix or module.startswith(prefix + ".")), key=len)
    return next(i for i, layer in enumerate(LAYERS) if best in layer)


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_follow_the_flow(module: str) -> None:
    upward = sorted(m for m in GRAPH[module] if _layer(m) > _layer(module))
    assert not upward, f"{module} (layer {_layer(module)}) imports against the flow: {upward}"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of `graph`, or None."""
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        if state.get(module) == 1:
            return path[path.index(module):] + [module]
        if state.get(module) == 2:
            return None
        state[module] = 1
        for imported in sorted(graph[module]):
            if imported in graph and (found := visit(imported, path + [module])):
                return found
        state[module] = 2
        return None

    return next((c for m in sorted(graph) if (c := visit(m, []))), None)


def test_no_import_cycles() -> None:
    cycle = _cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines (at most {MAX_LINES}): split it by job"


def test_the_checks_can_fail() -> None:
    """Planted violations are seen (a check that cannot fail proves nothing)."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert _layer("sqlxy.store.adapter") > _layer("sqlxy.compiler.sqlparts") > _layer("sqlxy.graph")
    assert any(m.startswith("sqlxy.compiler") for m in GRAPH["sqlxy.store"])  # imports are read
