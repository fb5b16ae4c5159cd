"""What a feature needs, split out of the one result of its `resolve` query."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

#: The values of `sqlxy_change`, one per part of an increment.
CHANGES = ("new", "stale", "orphaned")
#: What resolve adds where records of failure exist: 1 for a row one holds back, and its message.
ERRORED, ERROR = "sqlxy_errored", "sqlxy_error"


@dataclass(frozen=True)
class Increment:
    """What a feature needs: new and stale samples (with expected provenance) and orphaned keys."""

    new: pa.Table
    stale: pa.Table
    orphaned: pa.Table
    how: str = "full"  # `maintained (N keys touched)` or `full: <reason>` (docs/design.md)
    #: new and stale samples left out because a record says they failed at the provenance
    #: expected now (compare keys, sqlxy_change, sqlxy_provenance, sqlxy_error); with
    #: `retry_errors` they are in `new` and `stale` too
    errored: pa.Table = field(default_factory=lambda: pa.table({}))

    def counts(self) -> dict[str, int]:
        return {"new": self.new.num_rows, "stale": self.stale.num_rows, "orphaned": self.orphaned.num_rows}

    def to_write(self) -> pa.Table:
        """new and stale rows together, as write accepts them."""
        stale = self.stale.drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"])
        return pa.concat_tables([self.new, stale])


def split_changes(rows: pa.Table, keys: list[str], how: str = "full", retry_errors: bool = False) -> Increment:
    """new / stale / orphaned tables from the one resolve result; orphaned rows keep `keys`; rows
    a record of failure holds back (flagged in the query) are `errored`, and left out of new and
    stale unless `retry_errors`.

    Only option-taking compute functions are used: converting any Python value to Arrow makes
    pyarrow import pandas, which costs more than the split itself on a first resolve. A change
    that covers every row takes the table as it is, without copying it.
    """
    listed = ["sqlxy_change", *keys, "sqlxy_provenance"]
    if ERRORED in rows.column_names:
        held = pc.equal(rows.column(ERRORED), 1)
        errored = rows.filter(held).select([*listed, ERROR])
        if errored.num_rows and not retry_errors:
            rows = rows.filter(pc.invert(held))
        rows = rows.drop_columns([ERRORED, ERROR])
    else:  # no records of failure: none held back, in the same columns
        present = [c for c in listed if c in rows.column_names]
        errored = rows.slice(0, 0).select(present).append_column(ERROR, pa.array([], pa.string()))
    change = rows.column("sqlxy_change")
    payload = rows.drop_columns(["sqlxy_change"])
    counts = {r["values"]: r["counts"] for r in pc.value_counts(change).to_pylist()}

    def part(name: str) -> pa.Table:
        if counts.get(name, 0) == rows.num_rows:
            return payload
        return payload.filter(pc.match_substring(change, name)) if counts.get(name) else payload.slice(0, 0)

    new = part("new").drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"])
    return Increment(new, _listed_fields(part("stale")), part("orphaned").select(keys), how, errored)


def _listed_fields(stale: pa.Table) -> pa.Table:
    """`sqlxy_stale_fields` as the SQL gives it ("a,b", comma-joined) turned into list<string>."""
    listed = stale.column("sqlxy_stale_fields").cast(pa.string())
    fields = pc.split_pattern(listed, ",")  # "a,b" → [a, b], but "" → [""]
    fields = pc.if_else(pc.match_substring_regex(listed, "^$"), pc.list_slice(fields, start=0, stop=0), fields)
    return stale.set_column(stale.schema.get_field_index("sqlxy_stale_fields"), "sqlxy_stale_fields", fields)
