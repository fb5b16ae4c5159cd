"""What a cascading delete stages (`store/cascade.py`): per feature, its doomed samples, and the
names of the relations that hold them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlxy.compiler.names import index_name


def doomed_relation(table: str, role: str = "doomed") -> str:
    """Where a cascade stages the doomed samples of a feature table (`<table>:doomed`), and the
    keys its deps' doomed rows reach (`<table>:reached`): no feature table is named so."""
    return index_name(table, role)


@dataclass(frozen=True)
class Doomed:
    """One feature's samples a cascade deletes: the relation they are staged in and the columns
    that tell them (the start's ids, a downstream feature's compare keys)."""

    feature: str
    relation: str
    columns: tuple[str, ...]
    deleting: str = ""  # the name a DELETE reads them by, where it differs (ClickHouse: a copy)

    @property
    def for_delete(self) -> str:
        return self.deleting or self.relation
