"""One dependency of a feature as its expected rows read it (`DepModel`), and the names of the
relations the templates give a dep's rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from sqlxy.compiler.sqlparts import column, in_query, in_relation, restricted, samples_relation


def dep_alias(dep_index: int) -> str:
    """The CTE holding dep `dep_index`'s current rows after rename and filter."""
    return f"upstream_{dep_index}"


def dep_relation(dep_index: int, lineage: str) -> str:
    """What the expected rows read of a dep: its rows, or its groups for an aggregation."""
    return f"{dep_alias(dep_index)}_groups" if lineage == "aggregation" else dep_alias(dep_index)


def data_version_alias(dep_index: int, field_suffix: str) -> str:
    """An upstream field's data version as the joined relation names it (`sqlxy_dv_0__audio`)."""
    return f"sqlxy_dv_{dep_index}__{field_suffix}"


@dataclass(frozen=True)
class DepModel:
    """One dependency as the expected rows read it: its current samples, renamed, filtered."""

    index: int
    feature: str
    lineage: str
    table: exp.Expression                        # the upstream table's samples
    ids: tuple[str, ...]                         # upstream id columns (latest row per sample)
    renamed: tuple[tuple[str, str], ...]         # (upstream column, name here), all in filter scope
    kept: tuple[str, ...]                        # columns carried out of the dep relation
    data_versions: tuple[tuple[str, str], ...]   # (upstream data-version column, alias here)
    filter: exp.Expression | None
    keys: tuple[str, ...]                        # join keys (the feature's compare keys)
    join: str                                    # JOIN kind to the deps before it
    join_on: tuple[tuple[exp.Expression, exp.Expression], ...]
    group_values: tuple[tuple[str, exp.Expression], ...]  # aggregation: alias → group hash
    stored: exp.Table                            # the upstream table, every row (its change log)
    traced: tuple[str, ...]                      # upstream columns holding the compare keys, or ()
    child_id: str | None                         # an upstream expansion's child id (its samples)

    @property
    def by_ids(self) -> bool:
        """The traced columns are upstream ids, so they hold one value per upstream sample and a
        restriction to them may run below the ranking of its rows."""
        return bool(self.traced) and set(self.traced) <= set(self.ids)

    def rows(self, touched: str | None, keys: tuple[str, ...]) -> exp.Expression:
        """The rows the expected rows rank: all, or (maintained) those of upstream samples that may
        reach a touched key; by non-ids (a group), every row of the samples that ever had one."""
        if touched is None:
            return self.table
        reaching = in_relation(self.traced, keys, touched)
        if not self.by_ids:
            reaching = in_query(self.ids, exp.select(*(column(c) for c in self.ids)).from_(self.table.copy())
                                .where(reaching))
        return samples_relation(restricted(self.stored, reaching, "touched_rows"), self.child_id)

    @property
    def alias(self) -> str:
        return dep_alias(self.index)

    @property
    def relation(self) -> str:
        return dep_relation(self.index, self.lineage)

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(alias for _, alias in self.data_versions)
