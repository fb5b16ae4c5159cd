"""Checks that a user SQL snippet is one safe expression over columns (filters, predicates, generate).

The snippet is parsed with sqlglot in the source dialect (DuckDB) and walked node by node: only
columns, literals, operators, CASE/CAST and an allow-list of scalar functions pass. Anything else —
a subquery, a second statement, DDL/DML, an unknown function — is refused with the reason.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from sqlxy.dialects import SOURCE as SOURCE_DIALECT

_ALLOWED_FUNCS: tuple[type[exp.Expression], ...] = (
    exp.Abs, exp.Cast, exp.TryCast, exp.Ceil, exp.Floor, exp.Round, exp.Coalesce, exp.Nullif,
    exp.Greatest, exp.Least, exp.Lower, exp.Upper, exp.Length, exp.Substring, exp.Trim, exp.Concat,
    exp.ConcatWs, exp.If, exp.Left, exp.Right, exp.StrPosition, exp.RegexpLike, exp.Replace,
    exp.Mod, exp.Sqrt, exp.Pow, exp.Ln, exp.Log, exp.Exp, exp.Sign, exp.DateTrunc, exp.Extract,
    exp.CurrentDate, exp.CurrentTimestamp, exp.Year, exp.Month, exp.Day, exp.StartsWith,
    exp.EndsWith, exp.Contains,
)
_ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.DataType, exp.DataTypeParam,
    exp.Paren, exp.Not, exp.Neg, exp.BitwiseNot, exp.Binary, exp.Case, exp.In, exp.Between,
    exp.Tuple, exp.Var, exp.Interval, exp.Distinct, exp.Escape,
) + _ALLOWED_FUNCS
_REFUSED: tuple[type[exp.Expression], ...] = (exp.Query, exp.Subquery, exp.DDL, exp.DML, exp.Command,
                                              exp.Star, exp.Placeholder, exp.Parameter, exp.AggFunc,
                                              exp.Window)


class UnsafeSQL(ValueError):
    """Raised with a user-facing reason."""


def parse_condition(sql: str) -> exp.Expression:
    """One safe expression parsed from `sql`, or UnsafeSQL with the reason."""
    if not isinstance(sql, str) or not sql.strip():
        raise UnsafeSQL("is empty")
    try:
        statements = [s for s in sqlglot.parse(sql, read=SOURCE_DIALECT) if s is not None]
    except (ParseError, TokenError) as exc:
        raise UnsafeSQL(f"does not parse as DuckDB SQL ({_first_line(exc)})") from None
    if len(statements) != 1:
        raise UnsafeSQL(f"holds {len(statements)} statements; exactly one expression is allowed")
    tree = statements[0]
    for node in tree.walk():
        _check_node(node)
    return tree


def _check_node(node: exp.Expression) -> None:
    if (isinstance(node, exp.In) and node.args.get("query")) or isinstance(node, exp.Exists):
        raise UnsafeSQL("contains a subquery")
    if isinstance(node, exp.Column) and node.table:
        # sqlxy places the snippet in queries whose table aliases are its own: a qualifier names
        # nothing the user can know, and would only fail (or bind elsewhere) at run time.
        raise UnsafeSQL(f"names column '{node.sql(SOURCE_DIALECT)}' with a table qualifier; write "
                        f"the column name alone ('{node.name}')")
    if isinstance(node, _REFUSED) and not isinstance(node, _ALLOWED_FUNCS):
        raise UnsafeSQL(f"contains {_describe(node)}; only expressions over columns are allowed")
    if isinstance(node, _ALLOWED_NODES):
        return
    if isinstance(node, exp.Anonymous):
        raise UnsafeSQL(f"calls function {node.name}(), which is not on the allow-list")
    if isinstance(node, exp.Func):
        raise UnsafeSQL(f"calls function {node.sql_name()}(), which is not on the allow-list")
    raise UnsafeSQL(f"contains {_describe(node)}; only expressions over columns are allowed")


def _describe(node: exp.Expression) -> str:
    if isinstance(node, (exp.Query, exp.Subquery)):
        return "a subquery"
    if isinstance(node, (exp.DDL, exp.DML, exp.Command, exp.Drop)):
        return f"a {node.key.upper()} statement"
    return f"'{node.sql(SOURCE_DIALECT)[:40]}' ({type(node).__name__})"


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120]


def referenced_columns(tree: exp.Expression) -> set[str]:
    return {c.name for c in tree.find_all(exp.Column)}
