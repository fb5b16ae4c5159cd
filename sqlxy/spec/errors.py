"""The one way a spec rule fails: a SpecError naming the file, the line and the feature.

Every rule in `spec/` raises through `spec_error`, so the message's prefix (`file:line: key: `) is
built in one place, whether the feature is still a raw mapping being parsed or a FeatureSpec.
"""

from __future__ import annotations

from typing import Protocol

from sqlxy.errors import SpecError
from sqlxy.spec.model import Dep, FeatureSpec


class Located(Protocol):
    """What an error names: a feature's file, its first line and its key (unknown while a mapping
    without a valid key is parsed)."""

    @property
    def file(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def key(self) -> str | None: ...


def spec_error(where: Located, message: str, line: int | None = None) -> SpecError:
    """The error of one feature at `line` (the feature's own line when unknown)."""
    return SpecError(message, where.file, line or where.line, where.key)


def dep_line(spec: FeatureSpec, dep: Dep, *path: str | int) -> int:
    """The line of `path` inside one dep's YAML (e.g. "filter"); the dep's own line when absent."""
    return spec.line_of("deps", spec.deps.index(dep), *path)


def lineage_line(spec: FeatureSpec, dep: Dep, *path: str | int) -> int:
    """The line of `path` inside one dep's lineage body (e.g. "on", "generate")."""
    return dep_line(spec, dep, "lineage", dep.lineage.kind, *path)
