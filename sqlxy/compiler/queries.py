"""The queries the compiler knows and the parameters each one takes.

A query is a `Query` member (its template is `<value>.sql.j2`); its run-time parameters are one
small frozen object of `params.py` whose type the compiler checks, so a parameter a query does
not read cannot be passed to it by mistake.
"""

from __future__ import annotations

from enum import Enum

from sqlxy.compiler.params import (
    CascadeParams,
    CompactParams,
    DeleteParams,
    ErrorParams,
    ExplainParams,
    ExtendParams,
    IncrementParams,
    MaterializeParams,
    Params,
    ReadParams,
    RebaseParams,
    TouchedParams,
    WriteParams,
)
from sqlxy.errors import SqlxyError


class Query(str, Enum):
    CREATE = "create"
    EXTEND = "extend"
    CURRENT = "current"
    EXPECTED = "expected"
    RESOLVE = "resolve"
    NEW = "new"
    STALE = "stale"
    ORPHANED = "orphaned"
    STATUS = "status"
    INSERT = "insert"
    SOFT_DELETE = "soft_delete"
    HARD_DELETE = "hard_delete"
    MATERIALIZE = "materialize"
    MATERIALIZE_CHECKS = "materialize_checks"
    RETIRE_ORPHANED = "retire_orphaned"
    INVALID_VERSIONS = "invalid_versions"
    COMPACT = "compact"
    TOUCHED = "touched"
    KEEP = "keep"
    EXPLAIN_ROWS = "explain_rows"
    EXPLAIN_STATE = "explain_state"
    EXPLAIN_UPSTREAM = "explain_upstream"
    CASCADE_START = "cascade_start"
    CASCADE_REACH = "cascade_reach"
    CASCADE_DOOMED = "cascade_doomed"
    CASCADE_DELETE = "cascade_delete"
    REBASE = "rebase"
    REBASE_COUNTS = "rebase_counts"
    REBASE_KEYS = "rebase_keys"
    PENDING = "pending"
    ERRORS_CREATE = "errors_create"
    ERRORS_RECORD = "errors_record"
    ERRORS_END = "errors_end"
    ERRORS_FORGET = "errors_forget"
    ERRORS_LIST = "errors_list"
    ERRORS_EXTEND = "errors_extend"

    def __str__(self) -> str:  # the name as written (`f"{query}.sql"`), on Python 3.10 too
        return self.value

    @classmethod
    def named(cls, name: Query | str) -> Query:
        """The query of that name; an unknown name lists the known ones."""
        try:
            return cls(name)
        except ValueError:
            known = ", ".join(q.value for q in cls)
            raise SqlxyError(f"unknown query '{name}' (known: {known})", param="query") from None

    @property
    def template(self) -> str:
        return f"{self.value}.sql.j2"


PARAMS: dict[Query, type[Params]] = {
    Query.CREATE: Params, Query.EXTEND: ExtendParams, Query.CURRENT: ReadParams,
    Query.EXPECTED: Params, Query.RESOLVE: IncrementParams, Query.NEW: IncrementParams,
    Query.STALE: IncrementParams, Query.ORPHANED: IncrementParams, Query.STATUS: IncrementParams,
    Query.INSERT: WriteParams, Query.SOFT_DELETE: DeleteParams, Query.HARD_DELETE: DeleteParams,
    Query.MATERIALIZE: MaterializeParams, Query.MATERIALIZE_CHECKS: MaterializeParams,
    Query.RETIRE_ORPHANED: MaterializeParams, Query.INVALID_VERSIONS: Params,
    Query.COMPACT: CompactParams, Query.TOUCHED: TouchedParams, Query.KEEP: IncrementParams,
    Query.EXPLAIN_ROWS: ExplainParams, Query.EXPLAIN_STATE: ExplainParams, Query.EXPLAIN_UPSTREAM: ExplainParams,
    Query.REBASE: RebaseParams, Query.REBASE_COUNTS: RebaseParams, Query.REBASE_KEYS: RebaseParams,
    Query.PENDING: IncrementParams, Query.ERRORS_CREATE: Params, Query.ERRORS_RECORD: ErrorParams,
    Query.ERRORS_END: ErrorParams, Query.ERRORS_FORGET: ErrorParams, Query.ERRORS_LIST: ErrorParams,
    Query.ERRORS_EXTEND: ExtendParams,
    Query.CASCADE_START: CascadeParams, Query.CASCADE_REACH: CascadeParams,
    Query.CASCADE_DOOMED: CascadeParams, Query.CASCADE_DELETE: CascadeParams,
}


def params_for(query: Query, params: Params | None) -> Params:
    """The query's parameters, defaulted; a parameter object of another query is a bug."""
    kind = PARAMS[query]
    if params is None:
        return kind()
    if type(params) is not kind:
        raise TypeError(f"query {query.value} takes {kind.__name__}, not {type(params).__name__}")
    return params
