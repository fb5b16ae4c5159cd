"""The frozen spec models of one feature (what `parse.py` makes of a YAML mapping) and the
names sqlxy derives from keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlxy.spec.load import line_at

COLUMN_TYPES = ("string", "int", "float", "bool", "timestamp", "date", "json")
INITIAL_CODE_VERSION = "__initial__"
SYSTEM_PREFIX = "sqlxy_"

LineageKind = Literal["identity", "expansion", "aggregation"]


@dataclass(frozen=True)
class Generate:
    count: str
    index: str
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Lineage:
    kind: LineageKind = "identity"
    on: tuple[str, ...] | None = None
    generate: Generate | None = None


@dataclass(frozen=True)
class FieldDep:
    feature: str
    fields: tuple[str, ...] | Literal["*"]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    code_version: str = INITIAL_CODE_VERSION
    deps: tuple[FieldDep, ...] | None = None  # None: automatic mapping through fields_mapping

    @property
    def column_suffix(self) -> str:
        return table_name(self.key)


@dataclass(frozen=True)
class Dep:
    feature: str
    lineage: Lineage = Lineage()
    rename: tuple[tuple[str, str], ...] = ()
    select: tuple[str, ...] | None = None
    filter: str | None = None
    optional: bool = False
    fields_mapping: str | tuple[tuple[str, tuple[str, ...]], ...] = "default"
    line: int = 0

    @property
    def rename_map(self) -> dict[str, str]:
        """Upstream column → the name it takes here (only the renamed ones)."""
        return dict(self.rename)


@dataclass(frozen=True)
class Source:
    table: str | None = None
    query: str | None = None
    versions: tuple[tuple[str, str], ...] = ()

    @property
    def is_sql(self) -> bool:
        """The samples come from SQL (a table or a query), not from rows a caller passes."""
        return bool(self.table or self.query)


@dataclass(frozen=True)
class FeatureSpec:
    key: str
    id_columns: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    fields: tuple[FieldSpec, ...]
    deps: tuple[Dep, ...] = ()
    description: str = ""
    source: Source | None = None
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    file: str = ""
    line: int = 0
    raw: dict[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    def line_of(self, *path: str | int) -> int:
        """The line in `file` of the YAML value at `path`, e.g. `("deps", 0, "filter")`."""
        return line_at(self.raw, path, self.line)

    @property
    def table(self) -> str:
        return table_name(self.key)

    @property
    def has_sql_source(self) -> bool:
        """A root whose samples sqlxy reads itself (`source.table` or `source.query`)."""
        return not self.deps and self.source is not None and self.source.is_sql

    @property
    def input_versions(self) -> dict[str, str]:
        """Roots: field key → the column holding its input version (`source.versions`)."""
        return dict(self.source.versions) if self.source else {}

    @property
    def column_types(self) -> dict[str, str]:
        return dict(self.columns)

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)


#: The longest name sqlxy creates: PostgreSQL cuts identifiers at 63 bytes (two long names could
#: then be one table or column), and compile writes a file per table name.
MAX_NAME = 63
#: The longest per-field column prefix, `sqlxy_data_version__`.
FIELD_COLUMN_PREFIX = len("sqlxy_data_version__")


def table_name(key: str) -> str:
    """A feature or field key as an identifier part: `video/raw` → `video__raw`, `a-b` → `a_b`."""
    return key.replace("/", "__").replace("-", "_")
