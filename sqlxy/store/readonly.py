"""Reading without creating: compiled SQL with some tables read through stand-in SELECTs.

`read` and `status` must not create or alter tables (a first `sqlxy status` on a fresh project,
a read of a feature nobody wrote yet). The store gives each missing or incomplete feature table
a stand-in SELECT with the columns its spec describes, and the compiled query reads that instead.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from sqlxy.dialects import SOURCE


def read_through(sql: str, stand_ins: dict[str, str], schema: str | None) -> str:
    """`sql` (source dialect) with every reference to a table named in `stand_ins` (in `schema`)
    replaced by its SELECT, under the table's alias or name."""
    def swap(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Table) or node.name not in stand_ins or (node.db or None) != schema:
            return node
        alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name, quoted=True))
        return exp.Subquery(this=sqlglot.parse_one(stand_ins[node.name], read=SOURCE), alias=alias)

    return sqlglot.parse_one(sql, read=SOURCE).transform(swap).sql(SOURCE)
