"""compact: a feature table rewritten to its current rows plus the history the caller keeps.

What stays (per sample; for an expansion also per parent for the rows recording a parent without
children): the current row (latest `sqlxy_updated_at`), and of the older rows those inside the
kept history: `keep_history=N` the N rows before the current one, a duration (`"7d"`) the rows
written after the engine's now minus it, None or 0 none. A deleted sample's tombstone stays
exactly when an older row of it stays, so a deleted sample never resurfaces; otherwise the sample
vanishes entirely. Current rows are untouched, so `read`, `status` and every increment are too.

`compact.sql.j2` is two DELETEs, each safe to stop anywhere (see the template): in one
transaction where the engine has them; elsewhere in order (docs/design.md, "compact").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NoReturn

from sqlxy.compiler import CompactParams, Query, system
from sqlxy.errors import InputError
from sqlxy.store.tables import Tables

#: What `keep_history` takes, for errors.
EXPECTED = "expected N (older rows kept per sample, 0 or more) or a duration such as 30m, 12h, 7d, 2w"
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION = re.compile(r"(\d+)([smhdw])")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class History:
    """The history kept besides each sample's current row: `rows` older rows, or the rows newer
    than now − `within`; neither: none."""

    rows: int | None = None
    within: timedelta | None = None

    def params(self, now: datetime | None) -> CompactParams:
        if self.within is None:
            return CompactParams(keep_rows=self.rows or None)
        assert now is not None
        # a duration reaching before any row was stamped keeps every row (and stays a valid
        # timestamp: ClickHouse's DateTime64 starts in 1900)
        return CompactParams(keep_after=max(now - min(self.within, now - EPOCH), EPOCH))


def parse_history(value: int | str | timedelta | None) -> History:
    """`keep_history` as the API or the CLI gives it, or InputError naming `keep_history`."""
    if value is None:
        return History()
    if isinstance(value, timedelta):
        return History(within=value) if value >= timedelta(0) else _refuse(value, "a duration must not be negative")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return _refuse(value, EXPECTED)
    if isinstance(value, str):
        return _parse_text(value)
    return History(rows=value) if value >= 0 else _refuse(value, "N must be 0 or more")


def _parse_text(text: str) -> History:
    plain = text.strip()
    if _INTEGER.fullmatch(plain):
        return parse_history(int(plain))
    duration = _DURATION.fullmatch(plain)
    if duration:
        count, unit = duration.groups()
        try:
            return History(within=timedelta(**{_UNITS[unit]: int(count)}))
        except OverflowError:  # beyond timedelta's range (a billion days): every row is newer
            return History(within=timedelta.max)
    if _NUMBER.fullmatch(plain):
        return _refuse(text, "N must be a whole number")
    return _refuse(text, EXPECTED)


def _refuse(value: object, why: str) -> NoReturn:
    raise InputError(f"keep_history={value!r}: {why}; nothing written", param="keep_history")


def compact(tables: Tables, key: str, keep_history: int | str | timedelta | None = None) -> dict[str, int]:
    """Rewrite the feature table to its current rows plus the history kept (see the module).
    Returns `rows_before`, `rows_after` and `removed` (every row: history and tombstones too)."""
    runner = tables.runner
    table = tables.name(key)  # an unknown feature is refused here, before anything runs
    history = parse_history(keep_history)
    if runner.adapter.columns(table, runner.schema) is None:
        return {"rows_before": 0, "rows_after": 0, "removed": 0}  # no table: nothing to compact
    params = history.params(_engine_now(tables) if history.within is not None else None)
    before = tables.rows(key)
    # two DELETEs; more where the dialect expands one (Spark: copy, overwrite, drop)
    statements = len(runner.statements(key, Query.COMPACT, params))
    with runner.recorded("compact", key, statements=statements):
        runner.run(key, Query.COMPACT, params)
    after = tables.rows(key)
    return {"rows_before": before, "rows_after": after, "removed": before - after}


def _engine_now(tables: Tables) -> datetime:
    """The engine's clock, which stamped the rows (the caller's may be skewed against a server's),
    read once: every statement of the run compares against the same instant."""
    dialect = tables.runner.adapter.dialect
    now = tables.runner.adapter.fetch_arrow(system.current_time(dialect)).column(0)[0].as_py()
    return now.astimezone(timezone.utc).replace(tzinfo=None) if now.tzinfo else now
