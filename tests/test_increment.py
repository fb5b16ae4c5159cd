"""store/increment.py: one resolve result split into new, stale and orphaned samples."""

from __future__ import annotations

import pyarrow as pa

from sqlxy.store.increment import split_changes


def resolved(changes: list[str], fields: list[str | None]) -> pa.Table:
    n = len(changes)
    return pa.table({"sqlxy_change": changes, "id": [f"s{i}" for i in range(n)], "x": list(range(n)),
                     "sqlxy_stale_fields": pa.array(fields, pa.string()),
                     "sqlxy_stale_reason": [None if c != "stale" else "provenance" for c in changes]})


def test_split() -> None:
    increment = split_changes(resolved(["new", "stale", "stale", "orphaned"], [None, "a,b", "", None]), ["id"])
    assert increment.counts() == {"new": 1, "stale": 2, "orphaned": 1}
    assert increment.new.column_names == ["id", "x"]
    assert increment.stale["sqlxy_stale_fields"].to_pylist() == [["a", "b"], []]
    assert increment.orphaned.to_pylist() == [{"id": "s3"}]
    assert increment.to_write().column_names == ["id", "x"] and increment.to_write().num_rows == 3


def test_one_change_for_every_row_keeps_the_table() -> None:
    increment = split_changes(resolved(["new", "new"], [None, None]), ["id"])
    assert increment.counts() == {"new": 2, "stale": 0, "orphaned": 0}
    assert increment.stale.schema.field("sqlxy_stale_fields").type == pa.list_(pa.string())
