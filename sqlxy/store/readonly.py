"""Reading without creating: compiled SQL with some tables read through stand-in SELECTs.

`read` and `status` must not create or alter tables (a first `sqlxy status` on a fresh project,
a read of a feature nobody wrote yet). The store gives each missing or incomplete feature table
a stand-in SELECT with the columns its spec describes, and the compiled query reads that instead.
"""

from __future__ import annotations

import pyarrow as pa
import sqlglot
from sqlglot import exp

from sqlxy.compiler import Params, Query, ReadParams, system
from sqlxy.dialects import SOURCE
from sqlxy.store.conditions import checked_condition
from sqlxy.store.runner import naming
from sqlxy.store.tables import Tables


def read(tables: Tables, key: str, include_deleted: bool = False, where: str | None = None) -> pa.Table:
    """The current rows of a feature (with tombstones when `include_deleted`)."""
    condition = checked_condition(tables.runner.compiler, key, where, "where") if where else None
    with naming(key, "current"):
        return tables.runner.adapter.fetch_arrow(
            as_is(tables, key, Query.CURRENT, ReadParams(include_deleted=include_deleted, where=condition)))


def as_is(tables: Tables, key: str, query: Query, params: Params | None = None) -> str:
    """A read-only query in the target dialect that creates and alters nothing: a table it reads
    (the feature's; its deps' too unless the query is `current`) that is missing, or lacks
    columns a spec change added, is read through a stand-in."""
    stand_ins = _stand_ins(tables, key, query)
    if not stand_ins:
        (statement,) = tables.runner.statements(key, query, params)
        return statement
    return tables.runner.native(_read_through(tables, key, query, stand_ins, params))


def source_as_is(tables: Tables, key: str, query: Query, params: Params | None = None) -> str:
    """`as_is` in the source dialect, for callers that wrap the query in more SQL (counts, hashes)."""
    stand_ins = _stand_ins(tables, key, query)
    if stand_ins:
        return _read_through(tables, key, query, stand_ins, params)
    (source,) = tables.runner.compiler.statements(key, query, SOURCE, params)
    return source


def count_as_is(tables: Tables, key: str, query: Query) -> int:
    """The rows of a read-only query (see `as_is`)."""
    return tables.runner.count(system.row_count(source_as_is(tables, key, query), tables.runner.adapter.dialect))


def _stand_ins(tables: Tables, key: str, query: Query) -> dict[str, exp.Select]:
    deps = [] if query is Query.CURRENT else [dep.upstream for dep in tables.runner.compiler.graph[key].deps]
    return {tables.name(k): select for k in [*deps, key] if (select := tables.stand_in(k))}


def _read_through(tables: Tables, key: str, query: Query, stand_ins: dict[str, exp.Select],
                  params: Params | None = None) -> str:
    (source,) = tables.runner.compiler.statements(key, query, SOURCE, params)
    return read_through(source, stand_ins, tables.runner.schema)


def read_through(sql: str, stand_ins: dict[str, exp.Select], schema: str | None) -> str:
    """`sql` (source dialect) with every reference to a table named in `stand_ins` (in `schema`)
    replaced by its SELECT, under the table's alias or name."""
    def swap(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Table) or node.name not in stand_ins or (node.db or None) != schema:
            return node
        alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name, quoted=True))
        return exp.Subquery(this=stand_ins[node.name].copy(), alias=alias)

    return sqlglot.parse_one(sql, read=SOURCE).transform(swap).sql(SOURCE)
