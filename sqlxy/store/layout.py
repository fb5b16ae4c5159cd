"""The layout of existing feature tables against the one their engine gives new tables (docs/design.md,
"Table layout per engine"): what `status` reports, what `ensure` adds by itself (a missing index)
and what only `migrate` changes (a rewrite: collation on PostgreSQL, sorting key on ClickHouse).

Only adapters of engines with a layout of their own (`adapter.TableLayout`) are asked; for the
others, and for a table that does not exist yet (it will be created with the layout), there is
nothing to report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlxy.compiler import Query
from sqlxy.store.adapter import LayoutGap
from sqlxy.store.runner import Runner, naming


def gaps(runner: Runner, key: str) -> list[LayoutGap]:
    """How the feature's table differs from the layout of a new one (reads the catalog only)."""
    check = getattr(runner.adapter, "layout_gaps", None)
    table = runner.compiler.table_name(key)
    if check is None or runner.adapter.columns(table, runner.schema) is None:
        return []
    with naming(key, "layout"):
        return check(table, runner.schema, runner.compiler.model(key))


def guard(runner: Runner, key: str) -> None:
    """Where the engine notices writes outside sqlxy by a trigger (PostgreSQL), create it."""
    statements = getattr(runner.adapter, "guard", None)
    if statements is None:
        return
    with naming(key, "layout"):
        for statement in statements(runner.compiler.table_name(key), runner.schema):
            runner.adapter.execute(statement)


def describe(runner: Runner, key: str) -> str:
    """`status`'s layout column: `ok`, or `old: …` and what brings the table up to date."""
    found = gaps(runner, key)
    if not found:
        return "ok"
    fix = "the next resolve or write adds it" if all(g.automatic for g in found) else f"run `sqlxy migrate {key}`"
    return f"old: {'; '.join(g.text for g in found)}; {fix}"


def migrate(runner: Runner, key: str, ensure: Callable[[str], None]) -> dict[str, Any]:
    """Give the feature's table the layout of a new one, keeping its rows, in one transaction
    where the engine has them (see each adapter's `migration`); `ensure` first creates a missing
    table and adds missing columns and indexes. Returns what was out of date."""
    found = gaps(runner, key)
    ensure(key)
    plan = getattr(runner.adapter, "migration", None)
    if not any(not g.automatic for g in found) or plan is None:
        return {"feature": key, "migrated": [g.text for g in found]}
    table, create = runner.compiler.table_name(key), runner.statements(key, Query.CREATE)
    with naming(key, "migrate"):
        statements = plan(table, runner.schema, runner.compiler.model(key), create)
        with runner.recorded("migrate", key, statements=len(statements)):
            for statement in statements:
                runner.adapter.execute(statement)
    return {"feature": key, "migrated": [g.text for g in found]}
