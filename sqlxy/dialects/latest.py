"""The latest row per group, as the engine reads it fastest.

The merge-on-read (`latest` in templates/_macros.sql.j2) numbers each group's rows with
`ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) AS r` in a subquery and keeps `r = 1` around it.
That numbers every row. A dialect whose engine has a top-1-per-group construct rewrites it with
`rewrite_latest`: the subquery is sorted by `p, o` and keeps each group's first row (PostgreSQL
`DISTINCT ON (p)`, which then reads the table's index on (ids, sqlxy_updated_at DESC NULLS LAST)
in order; ClickHouse `LIMIT 1 BY p`, which reads a table sorted by (ids, sqlxy_updated_at) in key
order). The rank column stays (as 1), so the columns are unchanged; the filter around loses
its `r = 1`, which always holds then.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

#: Makes `inner` (already sorted by the keys, then the window's order) keep each group's first row.
KeepFirst = Callable[[exp.Select, list[exp.Expression]], None]


def _row_number(select: exp.Select) -> exp.Alias | None:
    """The `ROW_NUMBER() OVER (PARTITION BY …) AS r` of a plain one-table SELECT with no other
    window, grouping, ordering or limit, else None."""
    if any(select.args.get(k) for k in ("distinct", "group", "having", "order", "limit", "qualify", "joins")):
        return None
    windows = [p for p in select.expressions if p.find(exp.Window)]
    if len(windows) != 1 or not isinstance(windows[0], exp.Alias):
        return None
    window = windows[0].this
    if not isinstance(window, exp.Window) or not isinstance(window.this, exp.RowNumber):
        return None
    return windows[0] if window.args.get("partition_by") and not window.args.get("spec") else None


def _is_first(condition: exp.Expression, rank: str) -> bool:
    return (isinstance(condition, exp.EQ) and isinstance(condition.this, exp.Column)
            and condition.this.name == rank and condition.expression == exp.Literal.number(1))


def rewrite_latest(outer: exp.Select, keep_first: KeepFirst) -> exp.Select:
    """`SELECT … FROM (SELECT …, ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) AS r FROM t) WHERE
    r = 1 AND …` with the subquery as `SELECT …, 1 AS r FROM t ORDER BY p, o` keeping each group's
    first row: the same rows, the same columns. Anything else is returned as it is."""
    source = outer.args.get("from_")
    inner = source.this.this if source and isinstance(source.this, exp.Subquery) else None
    where = outer.args.get("where")
    if not isinstance(inner, exp.Select) or where is None or outer.args.get("joins"):
        return outer
    rank = _row_number(inner)
    conditions = where.this.flatten() if isinstance(where.this, exp.And) else [where.this]
    if rank is None or not any(_is_first(c, rank.alias) for c in conditions):
        return outer
    window = rank.this
    partition = [p.copy() for p in window.args["partition_by"]]
    order = window.args.get("order")
    keys = [exp.Ordered(this=p.copy(), nulls_first=False) for p in partition]
    inner.set("order", exp.Order(expressions=keys + [o.copy() for o in (order.expressions if order else [])]))
    keep_first(inner, partition)
    rank.set("this", exp.Literal.number(1))
    # `r = 1` now always holds: dropped, since PostgreSQL takes it for a filter that keeps one row
    # in 200 and, with `sqlxy_deleted_at IS NULL`, estimates a table's current rows as one (a
    # nested loop over them is quadratic: a rebase of 20,000 samples took 11 s)
    kept = [c for c in conditions if not _is_first(c, rank.alias)]
    outer.set("where", exp.Where(this=exp.and_(*kept)) if kept else None)
    return outer
