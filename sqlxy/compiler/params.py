"""The run-time parameters of the compiled queries: one small frozen class per kind of query,
which the compiler checks against the query (`queries.PARAMS`), so a parameter a query does not
read cannot be passed to it by mistake. Defaults are what `sqlxy compile` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlglot import exp

from sqlxy.compiler.dep_model import DepModel
from sqlxy.compiler.doomed import Doomed, doomed_relation
from sqlxy.compiler.model import EXPLAIN_RELATION, INCREMENT_RELATION, INPUT_RELATION, TOUCHED_RELATION, FeatureModel

#: The write time of every row a statement appends, in UTC on every engine.
NOW_UTC = "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)"


def _condition(sql: str | None) -> str:
    """A checked user condition, parenthesised; absent means FALSE."""
    return f"({sql})" if sql else "FALSE"


@dataclass(frozen=True)
class Params:
    """Parameters of a query that takes none."""

    @property
    def now(self) -> str:
        return NOW_UTC

    @property
    def input(self) -> str:
        """The staged rows an insert or its checks read."""
        return INPUT_RELATION

    @property
    def touched(self) -> str | None:
        """The relation of touched compare keys a maintained resolve is restricted to; None:
        every key (only `IncrementParams(maintained=True)` restricts)."""
        return None

    def doomed_of(self, dep: DepModel) -> Doomed | None:
        """The dep's samples a cascade deletes, which the expected rows leave out; None: none."""
        return None


@dataclass(frozen=True)
class ExtendParams(Params):
    missing: tuple[str, ...] | None = None  # the columns a table lacks (default: every column)


@dataclass(frozen=True)
class ReadParams(Params):
    include_deleted: bool = False
    where: str | None = None                # a checked condition on the current rows


@dataclass(frozen=True)
class IncrementParams(Params):
    stale_if: str | None = None             # a checked predicate: also stale where it holds
    maintained: bool = False                # only the compare keys staged in TOUCHED_RELATION
    errors: bool = False                    # flag the rows a record of failure holds back (`errors_flagged`)

    @property
    def touched(self) -> str | None:
        return TOUCHED_RELATION if self.maintained else None

    @property
    def stale_if_sql(self) -> str:
        return _condition(self.stale_if)


@dataclass(frozen=True)
class RunParams(Params):
    """Parameters of statements that append rows: the run id stamped on them."""

    run_id: str | None = None
    stamped: bool = True                    # stamp the feature's commit number (engines keeping a change log)

    def commit_sql(self, stamp: exp.Expression) -> str:
        """The commit number of the rows appended: `stamp`, or NULL where no change log is kept."""
        return (stamp if self.stamped else exp.cast(exp.Null(), "BIGINT")).sql("duckdb")

    @property
    def run_id_sql(self) -> str:
        value = exp.Literal.string(self.run_id) if self.run_id else exp.cast(exp.Null(), "VARCHAR")
        return value.sql("duckdb")


@dataclass(frozen=True)
class WriteParams(RunParams):
    partial: bool = False                   # expansions: the write holds only some of a parent's children


@dataclass(frozen=True)
class DeleteParams(RunParams):
    where: str | None = None                # a checked condition on the current rows

    @property
    def where_sql(self) -> str:
        return _condition(self.where)


@dataclass(frozen=True)
class MaterializeParams(RunParams):
    staged: bool = False                    # read the increment the store staged instead of computing it

    @property
    def increment_relation(self) -> str | None:
        return INCREMENT_RELATION if self.staged else None

    @property
    def stale_if_sql(self) -> str:
        return "FALSE"  # materialize computes the increment without a staleness predicate


@dataclass(frozen=True)
class ErrorParams(RunParams):
    """Records of failed samples: appended from the staged rows (`errors_record`), ended for the
    samples a write staged (`errors_end`), removed for the compare keys staged in `keys`
    (`errors_forget`), listed (`errors_list`, `increment`: with whether each record holds a
    sample back now, the increment restricted to the listed keys where the lineage traces them)."""

    keys: str | None = None                 # errors_forget, errors_end: the relation of compare keys
    increment: bool = False                 # errors_list: compute the increment of the listed keys
    restricted: bool = True                 # errors_list: … restricted to TOUCHED_RELATION

    @property
    def touched(self) -> str | None:
        return TOUCHED_RELATION if self.increment and self.restricted else None

    @property
    def stale_if_sql(self) -> str:
        return "FALSE"


@dataclass(frozen=True)
class CompactParams(Params):
    """The history `compact` keeps besides each sample's current row: the `keep_rows` rows before
    it, or the rows written after `keep_after` (UTC, the engine's clock); neither: none."""

    keep_rows: int | None = None
    keep_after: datetime | None = None

    def __post_init__(self) -> None:
        if self.keep_rows is not None and self.keep_after is not None:
            raise TypeError("CompactParams takes keep_rows or keep_after, not both")

    @property
    def expired_sql(self) -> str | None:
        """True for an older row (ranked by `sqlxy_rank`, 1 = current) outside the kept history;
        None when no history is kept (every older row is outside)."""
        if self.keep_rows is not None:
            return f"sqlxy_rank > {int(self.keep_rows) + 1}"
        if self.keep_after is not None:
            stamp = exp.Literal.string(self.keep_after.isoformat(sep=" ", timespec="microseconds"))
            return exp.LTE(this=exp.column("sqlxy_updated_at", quoted=True),
                           expression=exp.cast(stamp, "TIMESTAMP")).sql("duckdb")
        return None


@dataclass(frozen=True)
class TouchedParams(Params):
    """The change-log marks a maintained increment was computed at: the feature's own, then one
    per dep in the model's order; rows stamped after them touch compare keys."""

    marks: tuple[int, ...] = ()

    def mark(self, index: int) -> int:
        return int(self.marks[index]) if index < len(self.marks) else 0


@dataclass(frozen=True)
class ExplainParams(Params):
    """`explain`: the asked samples' rows (their ids staged in EXPLAIN_RELATION), their state
    (restricted to the compare keys staged in TOUCHED_RELATION where every dep traces its keys),
    and the rows of dep `dep` that reach those keys, then (at or before `since`) and now (at or
    before `until`, default: the latest)."""

    restricted: bool = True                 # dep rows restricted to the touched keys (traceable features)
    stale_if: str | None = None
    dep: int = 0
    upstream: FeatureModel | None = None    # EXPLAIN_UPSTREAM: the model of dep `dep`'s feature
    upstream_filter: str | None = None      # and the dep's filter over the upstream's column names
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20                         # upstream samples listed (an aggregation group's members)

    @property
    def touched(self) -> str | None:
        return TOUCHED_RELATION if self.restricted else None

    @property
    def touched_relation(self) -> str:
        return TOUCHED_RELATION

    @property
    def asked(self) -> str:
        return EXPLAIN_RELATION

    @property
    def stale_if_sql(self) -> str:
        return _condition(self.stale_if)

    @property
    def since_sql(self) -> str:
        return _timestamp(self.since) if self.since else "CAST(NULL AS TIMESTAMP)"

    @property
    def until_sql(self) -> str | None:
        return _timestamp(self.until) if self.until else None


@dataclass(frozen=True)
class RebaseParams(RunParams):
    """`rebase`: the fields to rebase (none: all); per field, its hashes `Compiler.candidate_provenance`."""

    fields: tuple[str, ...] = ()
    candidates: tuple[tuple[str, tuple[exp.Expression, ...]], ...] = ()
    stale_if_sql = "FALSE"  # not a field: rebase judges provenance alone


@dataclass(frozen=True)
class CascadeParams(RunParams):
    """A cascading delete (`store/cascade.py`): the samples it starts from (`cascade_start`), the
    keys the deps' doomed rows reach (`cascade_reach`), the feature's doomed compare keys
    (`cascade_doomed`), their tombstones or removal (`cascade_delete`)."""

    hard: bool = False
    where: str | None = None                # cascade_start: a checked condition on the current rows
    deps: tuple[Doomed, ...] | None = None  # the deps' doomed samples; None: every dep's by its ids (compile)
    doomed: str | None = None               # cascade_delete: this feature's (default: `doomed_relation`)
    reached: str = "sqlxy_reached"          # the keys the deps' doomed rows reach (or: expected now)
    restricted: bool = True                 # every dep traceable: only the keys their doomed rows reach
    start: bool = False                     # cascade_delete: of the start's staged samples (by ids), not keys

    @property
    def where_sql(self) -> str:
        return _condition(self.where)

    @property
    def touched(self) -> str | None:
        return self.reached if self.restricted else None

    @property
    def before(self) -> CascadeParams:
        """The expected rows as they are now: no dep's samples left out, every key."""
        return replace(self, deps=(), restricted=False)

    def doomed_of(self, dep: DepModel) -> Doomed | None:
        if self.deps is None:
            return Doomed(dep.feature, doomed_relation(dep.stored.name), dep.ids)
        return next((d for d in self.deps if d.feature == dep.feature), None)

    def doomed_for(self, model: FeatureModel) -> str:
        return self.doomed or doomed_relation(model.table.name)


def _timestamp(value: datetime) -> str:
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ", timespec="microseconds")), "TIMESTAMP").sql("duckdb")
