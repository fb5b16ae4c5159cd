"""The data version of a whole feature: one token over a set of samples' provenance, computed in
the database as an order-independent aggregate (what an orchestrator compares between runs).

Built as a sqlglot expression in the source dialect, as `system.py` builds its statements, and
generated for the target, so the dialects' ordered string aggregate applies (PostgreSQL's
`STRING_AGG … ORDER BY … COLLATE "C"`, ClickHouse's `arraySort(groupArray(…))`, Spark's
`ARRAY_SORT(COLLECT_LIST(…))`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from sqlxy import dialects
from sqlxy.compiler.sqlparts import coalesced, column, digest_expr, hash_expr
from sqlxy.compiler.system import for_dialect

#: The columns of the one row the query returns.
SAMPLES, VERSION = "samples", "data_version"


def fingerprint(rows: str | exp.Query, ids: Sequence[str], provenance: str, algorithm: str, length: int,
                dialect: str) -> str:
    """`SELECT COUNT(*) AS samples, H(count | sorted elements) AS data_version` over `rows` (a query
    in the source dialect holding the `ids` columns and a `provenance` column).

    Each sample's element is `H(id1):H(id2)…=provenance`, every id cast to text and hashed, as an
    aggregation group hashes its members (docs/design.md, "Aggregation group value"): the ids
    make a swap of provenance between two samples a change, and hex digests hold no `:`, `=` or
    `|`, so no id can make two sample sets join to the same text. The elements are sorted bytewise
    before they are joined, so neither the rows' order nor the order they were written in counts.
    """
    source = exp.maybe_parse(rows, dialect=dialects.SOURCE)
    hashed = [digest_expr(exp.cast(column(name), "VARCHAR"), algorithm, length) for name in ids]
    element: exp.Expression = hashed[0]
    for id_hash in hashed[1:]:
        element = exp.DPipe(this=exp.DPipe(this=element, expression=exp.Literal.string(":")),
                            expression=id_hash)
    element = exp.DPipe(this=exp.DPipe(this=element, expression=exp.Literal.string("=")),
                        expression=coalesced(provenance))
    ordered = exp.GroupConcat(this=exp.Order(this=element, expressions=[exp.Ordered(this=element.copy())]),
                              separator=exp.Literal.string("|"))
    count = exp.Count(this=exp.Star())
    version = hash_expr([exp.cast(count.copy(), "VARCHAR"),
                         exp.Coalesce(this=ordered, expressions=[exp.Literal.string("")])], algorithm, length)
    query = exp.select(exp.alias_(count, SAMPLES), exp.alias_(version, VERSION)).from_(
        source.subquery("fingerprinted"))
    return for_dialect(query, dialect)
