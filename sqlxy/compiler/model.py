"""The typed relational model of one feature: what its table holds and how its expected rows are
computed, built once from the graph (`compiler/build.py`) and arranged by the templates.

Names are plain (unquoted) strings and SQL is held as sqlglot expressions; templates quote names
with the `ident` filter and render expressions with `sql`, so quoting happens at the edge, in the
source dialect, and nothing here is SQL text pasted together.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from sqlxy.compiler.dep_model import DepModel
from sqlxy.compiler.names import Index, commit_index, errors_table, index_name, pending_table
from sqlxy.compiler.sqlparts import column, in_query, in_relation, restricted, samples_relation


@dataclass(frozen=True)
class Column:
    """One column of a feature table: its name and its type in the source dialect (DuckDB)."""

    name: str
    type: str


#: The sample-level system columns, in table order. Templates pair every column with its value
#: by name (`INSERT … (columns) SELECT value AS column`), so this order is never a contract.
SYSTEM_COLUMNS = (
    Column("sqlxy_provenance", "VARCHAR"), Column("sqlxy_data_version", "VARCHAR"),
    Column("sqlxy_feature_version", "VARCHAR"), Column("sqlxy_project_version", "VARCHAR"),
    Column("sqlxy_created_at", "TIMESTAMP"), Column("sqlxy_updated_at", "TIMESTAMP"),
    Column("sqlxy_deleted_at", "TIMESTAMP"), Column("sqlxy_run_id", "VARCHAR"),
    Column("sqlxy_commit", "BIGINT"),
)
SYSTEM_COLUMN_NAMES = frozenset(c.name for c in SYSTEM_COLUMNS)
#: A record of failure's columns after the compare keys (`FeatureModel.error_columns`).
ERROR_COLUMNS = (Column("sqlxy_provenance", "VARCHAR"), Column("sqlxy_error", "VARCHAR"),
                 Column("sqlxy_updated_at", "TIMESTAMP"), Column("sqlxy_run_id", "VARCHAR"))
#: Relations the store stages and compiled SQL reads by name.
INPUT_RELATION = "sqlxy_input"          # typed rows to insert (a write, or what materialize computed)
SAMPLES_RELATION = "sqlxy_samples"      # typed root samples passed to a resolve
INCREMENT_RELATION = "sqlxy_increment"  # materialize: the increment, computed once
TOUCHED_RELATION = "sqlxy_touched"      # a maintained resolve: the compare keys touched since its marks
EXPLAIN_RELATION = "sqlxy_explain_ids"  # explain: the ids of the samples asked about
#: The change log's counters, one row per feature table (docs/design.md, "Maintained increments").
STATE_TABLE = "sqlxy_state"


def provenance_column(field_suffix: str) -> str:
    return f"sqlxy_provenance__{field_suffix}"


def data_version_column(field_suffix: str) -> str:
    return f"sqlxy_data_version__{field_suffix}"


@dataclass(frozen=True)
class FieldModel:
    key: str
    provenance: str            # sqlxy_provenance__<field>
    data_version: str          # sqlxy_data_version__<field>
    expected: exp.Expression   # its provenance over the joined upstream relation (roots: the samples)
    input: str | None          # roots: the input-version column

    @property
    def changed(self) -> str:
        """1 when the expected and current provenance of this field differ (`joined`)."""
        return f"sqlxy_changed__{self.key}"


@dataclass(frozen=True)
class GenerateModel:
    """An expansion's `generate`: how many children a parent has and what each child holds."""

    count: exp.Expression
    children: exp.Expression                      # the count as a whole number ≥ 0
    index: str
    columns: tuple[tuple[str, exp.Expression], ...]         # a child's value of every column
    marker_columns: tuple[tuple[str, exp.Expression], ...]  # a parent-without-children row's values
    computed: tuple[str, ...]                     # columns generate computes (not from the parent)


@dataclass(frozen=True)
class FeatureModel:
    key: str
    version: str
    project_version: str
    table: exp.Table
    ids: tuple[str, ...]
    keys: tuple[str, ...]                  # compare keys
    columns: tuple[Column, ...]            # user columns, table order
    carried: tuple[str, ...]               # non-key columns of expected rows
    fields: tuple[FieldModel, ...]
    deps: tuple[DepModel, ...]
    key_exprs: tuple[exp.Expression, ...]  # each compare key over the joined deps
    lineage: str
    root: bool
    source: exp.Expression | None          # roots: the relation holding the samples
    sample_provenance: exp.Expression
    sample_data_version: exp.Expression
    generate: GenerateModel | None
    child_id: str | None                   # expansions: NULL only in rows of parents without children
    example_column: str                    # names a computed row whose id is NULL
    commit_stamp: exp.Expression           # the write's commit number (the feature's change-log seq)

    # -- the table ----------------------------------------------------------------------

    @property
    def field_columns(self) -> tuple[Column, ...]:
        """Per field, its provenance column; then per field, its data-version column."""
        return tuple([Column(f.provenance, "VARCHAR") for f in self.fields]
                     + [Column(f.data_version, "VARCHAR") for f in self.fields])

    @property
    def table_columns(self) -> tuple[Column, ...]:
        """Every column of the feature table in table order: the one ordered, typed description
        that CREATE, ALTER, INSERT and every tombstone are built from."""
        return self.columns + self.field_columns + SYSTEM_COLUMNS

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def table_column_names(self) -> list[str]:
        return [c.name for c in self.table_columns]

    def typed_columns(self, only: tuple[str, ...] | None = None) -> list[Column]:
        """Every table column, or those whose name is in `only`."""
        return [c for c in self.table_columns if only is None or c.name in only]

    # -- the table's layout (docs/design.md, "Table layout per engine") ---------------------

    @property
    def indexes(self) -> tuple[Index, ...]:
        """What `latest` ranks by: the ids; an expansion's rows recording a parent without
        children (child id NULL) by the parent keys; a maintained resolve finds rows by commit."""
        name = self.table.name
        markers = (Index(index_name(name, "markers"), self.keys, only_null=self.child_id),) if self.child_id else ()
        return Index(index_name(name, "latest"), self.ids), *markers, commit_index(name)

    @property
    def bytewise(self) -> frozenset[str]:
        """Text columns that must compare bytewise on every engine: ids, compare keys, provenance."""
        wanted = {*self.ids, *self.keys, *(f.provenance for f in self.fields), "sqlxy_provenance"}
        return frozenset(c.name for c in self.table_columns if c.name in wanted and c.type == "VARCHAR")

    @property
    def never_null(self) -> frozenset[str]:
        """Columns no row leaves NULL: the ids (parent keys only, in an expansion's markers), the write time."""
        ids = [i for i in self.ids if self.child_id is None or i in self.keys]
        return frozenset([*ids, "sqlxy_updated_at"])

    @property
    def samples_table(self) -> exp.Expression:
        """The stored rows that are samples: an expansion's table also holds the rows recording
        parents without children (child id NULL), which no sample read may see."""
        return samples_relation(self.table, self.child_id)

    @property
    def markers_table(self) -> exp.Expression:
        """Expansions: the stored rows that record a parent without children."""
        return self.markers_of(self.table)

    def markers_of(self, rows: exp.Expression) -> exp.Expression:
        assert self.child_id is not None
        return (exp.select("*").from_(rows.copy())
                .where(exp.Is(this=column(self.child_id), expression=exp.Null()))
                .subquery("stored_markers"))

    # -- a maintained resolve: only the compare keys touched since its marks ------------------

    @property
    def pending(self) -> exp.Table:  # keeps the last increment (docs/design.md, "Maintained increments")
        return exp.table_(pending_table(self.table.name), db=self.table.args.get("db"), quoted=True)

    @property
    def errors(self) -> exp.Table:  # records of failed samples (docs/design.md, "Records of failed samples")
        return exp.table_(errors_table(self.table.name), db=self.table.args.get("db"), quoted=True)

    @property
    def errors_index(self) -> str:
        return index_name(errors_table(self.table.name), "latest")

    @property
    def error_columns(self) -> tuple[Column, ...]:
        """The error records' columns: the compare keys as the table types them, the sample
        provenance the failure was for, the message (NULL: a write ended the records before it),
        when and by which run."""
        typed = {c.name: c for c in self.columns}
        return tuple(typed[k] for k in self.keys) + ERROR_COLUMNS

    @property
    def traceable(self) -> bool:  # every dep's changes map to compare keys
        return all(dep.traced for dep in self.deps)

    def own_rows(self, touched: str | None) -> exp.Expression:
        """The rows the current rows rank: all, or those of samples that ever had a touched key (a
        child written under another parent is still ranked with all its rows)."""
        if touched is None:
            return self.table
        reaching = in_relation(self.keys, self.keys, touched)
        if set(self.keys) <= set(self.ids):
            return restricted(self.table, reaching, "touched_own")
        samples = exp.select(*(column(c) for c in self.ids)).from_(self.table.copy()).where(reaching)
        rows = restricted(self.table, in_query(self.ids, samples), "touched_own")
        if self.child_id is None:
            return rows
        # and a parent's rows recording no children: UNION ALL, not OR (PostgreSQL tests that row by row)
        markers = exp.and_(exp.Is(this=column(self.child_id), expression=exp.Null()), reaching.copy())
        return exp.union(restricted(self.table, markers, "m").this, rows.this, distinct=False).subquery("touched_own")

    def samples_of(self, rows: exp.Expression) -> exp.Expression:
        return samples_relation(rows, self.child_id)
    @property
    def cuts_expected(self) -> bool:
        """A dep restricted by non-ids (a group) leaves untouched groups partial: cut them."""
        return any(not dep.by_ids for dep in self.deps)

    @property
    def cuts_current(self) -> bool:
        """Keys not ids (a parent key): a child now under an untouched parent is read: cut it."""
        return not set(self.keys) <= set(self.ids)

    def in_touched(self, touched: str) -> exp.Expression:
        """True for an expected row whose compare key is touched (an aggregation computes groups
        of untouched keys from part of their members; they are left out)."""
        return in_relation(self.keys, self.keys, touched)

    # -- checks on what materialize computes -----------------------------------------------

    @property
    def value_checks(self) -> list[tuple[str, str, exp.Expression]]:
        """(column, what is wrong, true for a bad value) for values materialize computes, as
        `write` checks user rows: floats finite, ints whole. Columns an expansion carries from
        its parent were checked when the parent was written. `x * 0 <> 0` holds for inf, -inf and
        NaN alone on every engine (NaN compares unequal to 0 everywhere), without a text cast."""
        computed = self.generate.computed if self.generate else self.column_names
        checks = []
        for col in self.columns:
            if col.name not in computed:
                continue
            value = column(col.name)
            if col.type == "DOUBLE":
                checks.append((col.name, "a non-finite float (inf or nan)",
                               exp.NEQ(this=exp.Mul(this=value, expression=exp.Literal.number(0)),
                                       expression=exp.Literal.number(0))))
            elif col.type == "BIGINT":
                number = exp.cast(value, "DOUBLE")
                checks.append((col.name, "a fractional value for an int column",
                               exp.NEQ(this=number, expression=exp.Floor(this=number.copy()))))
        return checks
