"""Store: runs the compiled SQL of a project on one engine (resolve, write, read, delete,
materialize, status, push). Python orchestrates; every join, hash and comparison runs in SQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from sqlxy import dialects
from sqlxy.compiler import NOW_UTC, transpile
from sqlxy.compiler.context import INPUT_RELATION, SAMPLES_RELATION
from sqlxy.compiler.sqlparts import ident, literal, table_ref
from sqlxy.errors import InputError, SpecError, SqlxyError
from sqlxy.spec.sqlcheck import UnsafeSQL, parse_condition, referenced_columns
from sqlxy.store.adapter import Adapter
from sqlxy.store.commits import Commit, recorded
from sqlxy.store.engines import open_adapter, wrap_connection
from sqlxy.store.inputs import to_arrow
from sqlxy.store.prepare import RAW_RELATION, check_disjoint, prepare_rows
from sqlxy.store.readonly import read_through
from sqlxy.store.staging import empty_parents_staging, samples_staging, write_staging
from sqlxy.versions import canonical_json, normalised_spec

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlxy.project import Project

HISTORY_TABLE = "sqlxy_graph_history"
INCREMENT_RELATION = "sqlxy_increment"
CHANGES = ("new", "stale", "orphaned")


@dataclass(frozen=True)
class Increment:
    """What a feature needs: new and stale samples (with expected provenance) and orphaned keys."""

    new: pa.Table
    stale: pa.Table
    orphaned: pa.Table

    def counts(self) -> dict[str, int]:
        return {"new": self.new.num_rows, "stale": self.stale.num_rows, "orphaned": self.orphaned.num_rows}

    def to_write(self) -> pa.Table:
        """new and stale rows together, as write accepts them."""
        stale = self.stale.drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"])
        return pa.concat_tables([self.new, stale])


class Store:
    def __init__(self, project: Project, adapter: Adapter, target: str = "") -> None:
        self.project, self.adapter, self.target = project, adapter, target
        self._ready: set[str] = set()
        self.commits: list[Commit] = []  # every write this store started, and whether it landed

    @classmethod
    def open(cls, project: Project, target: str | None = None, connection: Any = None,
             create: bool = True) -> Store:
        """`create=False` is for commands that only read: a DuckDB file that does not exist yet is
        not created (the store sees an empty in-memory database; nothing written to it persists)."""
        if connection is not None:
            return cls(project, wrap_connection(connection), "connection")
        name, settings = project.config.target(target)
        return cls(project, open_adapter(name, settings, project.root, create), name)

    def close(self) -> None:
        self.adapter.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- compiled SQL ---------------------------------------------------------------------

    def sql(self, key: str, query: str, **params: Any) -> str:
        """A compiled query as text (what `sqlxy compile` writes)."""
        return self.project.compiler.render(key, query, self.adapter.dialect, **params)

    def run(self, key: str, query: str, **params: Any) -> None:
        with _naming(key, query):
            for statement in self.project.compiler.statements(key, query, self.adapter.dialect, **params):
                self.adapter.execute(statement)

    def fetch(self, key: str, query: str, **params: Any) -> pa.Table:
        (statement,) = self.project.compiler.statements(key, query, self.adapter.dialect, **params)
        with _naming(key, query):
            return self.adapter.fetch_arrow(statement)

    def _count(self, sql: str) -> int:
        """Rows of a query already in the target dialect."""
        return self.adapter.fetch_arrow(f"SELECT COUNT(*) AS n FROM ({sql}) AS counted").column(0)[0].as_py()

    def _native(self, source_sql: str) -> str:
        """Store-built SQL (source dialect) in the target dialect."""
        (statement,) = transpile(source_sql, self.adapter.dialect)
        return statement

    def _table_rows(self, key: str) -> int:
        return self._count(self._native(f"SELECT * FROM {self._table(key)}"))

    def _recorded(self, operation: str, key: str | None, rows: int | None = None) -> AbstractContextManager[Commit]:
        """One write in one transaction, recorded in `commits` (what landed, if cut short)."""
        commit = Commit(operation, key, rows)
        self.commits.append(commit)
        return recorded(self.adapter, commit)

    # -- tables ---------------------------------------------------------------------------

    def ensure_table(self, key: str) -> None:
        """Create the feature table, or add the columns a spec change introduced."""
        if key in self._ready:
            return
        if not self._ready and self.project.config.schema:
            self.adapter.execute(self._native(f"CREATE SCHEMA IF NOT EXISTS {ident(self.project.config.schema)}"))
        existing = self.adapter.columns(self.project.table(key), self.project.config.schema)
        if existing is None:
            self.run(key, "create")
        else:
            wanted = self.project.compiler.context(key).table_column_names
            missing = tuple(c for c in wanted if c not in existing)
            if missing:
                self.run(key, "extend", missing=missing)
        self._ready.add(key)

    def _ensure_lineage(self, key: str) -> None:
        for dep in self.project.graph[key].deps:
            self.ensure_table(dep.upstream)
        self.ensure_table(key)

    def _table(self, key: str) -> str:
        return table_ref(self.project.table(key), self.project.config.schema)

    # -- reading the tables as they are --------------------------------------------------

    def _as_is(self, key: str, query: str, **params: Any) -> str:
        """A read-only query in the target dialect that creates and alters nothing: a table it reads
        (the feature's; its deps' too unless the query is `current`) that is missing, or lacks
        columns a spec change added, is read through a stand-in."""
        deps = [] if query == "current" else [dep.upstream for dep in self.project.graph[key].deps]
        keys = [*deps, key]
        stand_ins = {self.project.table(k): sql for k in keys if (sql := self._stand_in(k))}
        if not stand_ins:
            (statement,) = self.project.compiler.statements(key, query, self.adapter.dialect, **params)
            return statement
        (source,) = self.project.compiler.statements(key, query, dialects.SOURCE, **params)
        return self._native(read_through(source, stand_ins, self.project.config.schema))

    def _stand_in(self, key: str) -> str | None:
        """Source SQL reading a feature table as its spec describes it (no rows when it is missing,
        NULL in columns it lacks), or None when the table is complete."""
        if key in self._ready:
            return None
        existing = self.adapter.columns(self.project.table(key), self.project.config.schema)
        context = self.project.compiler.context(key)
        if existing is None:
            return f"SELECT {_nulls(context.typed_columns())} WHERE FALSE"
        missing = tuple(c for c in context.table_column_names if c not in existing)
        if not missing:
            self._ready.add(key)
            return None
        return f"SELECT *, {_nulls(context.typed_columns(missing))} FROM {self._table(key)}"

    # -- resolve --------------------------------------------------------------------------

    def resolve(self, key: str, samples: Any = None, stale_if: str | None = None) -> Increment:
        predicate = self._condition(key, stale_if, "stale_if") if stale_if is not None else None
        with self._root_samples(key, samples):
            rows = self.fetch(key, "resolve", stale_if=predicate)
        return _split(rows, list(self.project.graph[key].compare_keys))

    def _root_samples(self, key: str, samples: Any) -> _Staged:
        """Stage a root feature's samples (or check its source) for the compiled queries."""
        node = self.project.graph[key]
        self._ensure_lineage(key)
        if not node.is_root:
            if samples is not None:
                raise InputError(f"{key} is not a root feature: its samples come from its deps, so "
                                 "samples=... does not apply", param="samples")
            return _Staged(self.adapter, [])
        has_source = node.spec.has_sql_source
        if samples is None:
            if not has_source:
                raise InputError(f"{key} is a root feature without source.table or source.query: "
                                 "pass its samples (samples=...)", param="samples")
            self._check_versions(key)
            return _Staged(self.adapter, [])
        if has_source:
            raise InputError(f"{key} reads its samples from its source; do not pass samples=... too",
                             param="samples")
        table = _rows(key, samples)
        staging = samples_staging(node, table.column_names, ident(RAW_RELATION))
        self.adapter.stage(SAMPLES_RELATION, prepare_rows(table, staging, key, "samples"))
        return _Staged(self.adapter, [SAMPLES_RELATION])

    def _check_versions(self, key: str) -> None:
        bad = self.fetch(key, "invalid_versions")
        if bad.num_rows:
            row = bad.slice(0, 1).to_pylist()[0]
            raise InputError(f"{key}: source has {row['bad_rows']} row(s) whose input version for field "
                             f"'{row['field']}' is empty, NULL or holds '|' (e.g. {row['example']!r})")

    def _condition(self, key: str, sql: str, param: str) -> str:
        """A user condition checked and normalised; errors name the parameter that gave it."""
        try:
            tree = parse_condition(sql)
        except UnsafeSQL as exc:
            raise InputError(f"{param}='{sql}' {exc}", param=param) from None
        known = set(self.project.compiler.context(key).table_column_names)
        unknown = sorted(referenced_columns(tree) - known)
        if unknown:
            raise InputError(f"{param}='{sql}' names unknown column '{unknown[0]}' of {key}", param=param)
        return tree.sql("duckdb")

    # -- write ----------------------------------------------------------------------------

    def write(self, key: str, rows: Any, partial: bool = False, run_id: str | None = None,
              empty_parents: Any = None) -> int:
        """Append rows atomically; expansion writes retire the parents' missing children.

        `empty_parents` (expansions): the rows resolve returned for parents that have no children;
        they are recorded as settled, and their previous children retired, in the same statement.
        Returns the number of rows written (children plus empty parents)."""
        node = self.project.graph[key]
        table = _rows(key, rows) if rows is not None or empty_parents is None else pa.table({})
        ctx = self.project.compiler.context(key)
        staged = [] if table.num_rows == 0 else [
            prepare_rows(table, write_staging(node, ctx, table.column_names, ident(RAW_RELATION), run_id),
                         key, "input")]
        if empty_parents is not None:
            staged += self._empty_parents(key, empty_parents, partial, run_id, staged)
        if not staged:
            return 0
        self._ensure_lineage(key)
        rows_in = pa.concat_tables(staged)
        self.adapter.stage(INPUT_RELATION, rows_in)
        try:
            with self._recorded("write", key, rows_in.num_rows):
                self.run(key, "insert", partial=partial, run_id=run_id)
        finally:
            self.adapter.unstage(INPUT_RELATION)
        return rows_in.num_rows

    def _empty_parents(self, key: str, rows: Any, partial: bool, run_id: str | None,
                       children: list[pa.Table]) -> list[pa.Table]:
        node = self.project.graph[key]
        if partial:
            raise InputError(f"{key}: empty_parents record complete (empty) child sets; write them "
                             "without partial")
        table = _rows(key, rows)
        if table.num_rows == 0:
            return []
        staging = empty_parents_staging(node, self.project.compiler.context(key), table.column_names,
                                        ident(RAW_RELATION), run_id)
        prepared = prepare_rows(table, staging, key, "empty_parents")
        if children:
            check_disjoint(children[0], prepared, node.compare_keys, key)
        return [prepared]

    # -- read, delete ---------------------------------------------------------------------

    def read(self, key: str, include_deleted: bool = False, where: str | None = None) -> pa.Table:
        condition = self._condition(key, where, "where") if where else None
        with _naming(key, "current"):
            return self.adapter.fetch_arrow(self._as_is(key, "current", include_deleted=include_deleted,
                                                        row_filter=condition))

    def delete(self, key: str, where: str, hard: bool = False) -> int:
        condition = self._condition(key, where, "where")
        self.ensure_table(key)
        before = self._table_rows(key)
        with self._recorded("hard delete" if hard else "soft delete", key):
            self.run(key, "hard_delete" if hard else "soft_delete", where=condition)
        after = self._table_rows(key)
        return before - after if hard else after - before

    # -- materialize, status, push -------------------------------------------------------

    def materialize(self, key: str, run_id: str | None = None) -> dict[str, int]:
        """(Re)write a SQL-defined feature entirely in the database; retire orphaned samples."""
        node = self.project.graph[key]
        if "materialize" not in self.project.compiler.queries(key):
            raise InputError(f"{key} is not SQL-defined: only roots with source.table/source.query and "
                             "expansions with generate can be materialized")
        self._ensure_lineage(key)
        if node.is_root:
            self._check_versions(key)
        before = self._table_rows(key)
        (increment_sql,) = self.project.compiler.statements(key, "resolve", self.adapter.dialect)
        staged = {"increment_relation": ident(INCREMENT_RELATION), "run_id": run_id}
        (rows_sql,) = self.project.compiler.statements(key, "materialize", self.adapter.dialect, **staged)
        try:  # unstaged after the transaction: inside a failed one, any statement fails again
            with self._recorded("materialize", key) as commit:
                with _naming(key, "materialize"):
                    self.adapter.stage_query(INCREMENT_RELATION, increment_sql)  # computed once, read twice
                    self.adapter.stage_query(INPUT_RELATION, rows_sql)
                counts = self._check_computed(key)
                commit.rows = counts["written"] + counts["empty"]
                self.run(key, "retire_orphaned", **staged)
                self.run(key, "insert", run_id=run_id)
        finally:
            self.adapter.unstage(INPUT_RELATION)
            self.adapter.unstage(INCREMENT_RELATION)
        counts["retired"] = self._table_rows(key) - before - counts["written"] - counts["empty"]
        return counts

    def _check_computed(self, key: str) -> dict[str, int]:
        """The rows materialize computed, checked as `write` checks user rows (SPEC §6): ids
        present and unique (an expansion's child ids also against the current children of the
        parents this run leaves alone). A violation writes nothing and names the column and an
        example."""
        (row,) = self.fetch(key, "materialize_checks",
                            increment_relation=ident(INCREMENT_RELATION)).to_pylist()
        ctx = self.project.compiler.context(key)
        rejected = f"{key}: materialize computed rows that cannot be stored, nothing written:"
        for i, name in enumerate(self.project.graph[key].spec.id_columns):
            if row[f"null_{i}"]:
                raise InputError(f"{rejected} id column '{name}' is NULL in {row[f'null_{i}']} row(s) "
                                 f"(e.g. the row with {ctx.example_column} = {row[f'null_example_{i}']!r})")
        for i, (name, wrong, _) in enumerate(ctx.value_checks):
            if row[f"bad_value_{i}"]:
                raise InputError(f"{rejected} column '{name}' holds {wrong} in {row[f'bad_value_{i}']} row(s) "
                                 f"(e.g. {row[f'bad_value_example_{i}']!r}); check the source or generate")
        if row["sqlxy_duplicates"]:
            raise InputError(f"{rejected} {row['sqlxy_duplicates']} id(s) appear more than once "
                             f"(e.g. {row['sqlxy_duplicate_example']!r}); check the source or "
                             "generate.columns of the id columns")
        if row["sqlxy_taken"]:
            raise InputError(f"{rejected} {row['sqlxy_taken']} computed id(s) already belong to another "
                             f"parent's current children (e.g. {row['sqlxy_taken_example']!r}); child ids "
                             "must be unique across parents (include the parent key in generate.columns)")
        return {"written": row["sqlxy_samples"] or 0, "empty": row["sqlxy_empty_parents"] or 0}

    def status(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        """Per feature: current rows, new / stale / orphaned counts, and `waiting_on`: the upstream
        features (direct or not) that have work pending, so this one will change once they run."""
        rows = {key: self._status(key) for key in self.project.graph.select(keys)}
        for key, row in rows.items():
            waiting: set[str] = set()
            for dep in self.project.graph[key].deps:
                upstream = rows.get(dep.upstream) or self._status(dep.upstream)
                if any(upstream[c] for c in CHANGES):
                    waiting.add(dep.upstream)
                waiting |= set(upstream.get("waiting_on", []))
            row["waiting_on"] = sorted(waiting)
        return list(rows.values())

    def _status(self, key: str) -> dict[str, Any]:
        node = self.project.graph[key]
        row: dict[str, Any] = {"feature": key, "rows": self._count(self._as_is(key, "current"))}
        row |= dict.fromkeys(CHANGES)
        if not node.is_root or node.spec.has_sql_source:
            with _naming(key, "status"):
                changes = self.adapter.fetch_arrow(self._as_is(key, "status")).to_pylist()
            counts = {r["sqlxy_change"]: r["samples"] for r in changes}
            row.update({c: counts.get(c, 0) for c in CHANGES})
        return row

    def push(self) -> bool:
        """Record the graph once per distinct project version; False when already recorded."""
        history = table_ref(HISTORY_TABLE, self.project.config.schema)
        if self.adapter.columns(HISTORY_TABLE, self.project.config.schema) is None:
            self.adapter.execute(self._native(
                f"CREATE TABLE {history} (project_version VARCHAR, feature_key VARCHAR, feature_version VARCHAR, "
                "spec_hash VARCHAR, spec_json VARCHAR, pushed_at TIMESTAMP)"))
        version = literal(self.project.versions.project)
        if self._count(self._native(f"SELECT * FROM {history} WHERE project_version = {version}")):
            return False
        rows = " UNION ALL ".join(self._history_row(key) for key in self.project.features)
        with self._recorded("push", None, len(self.project.features)):
            self.adapter.execute(self._native(f"INSERT INTO {history} {rows}"))
        return True

    def _history_row(self, key: str) -> str:
        versions = self.project.versions
        spec_json = canonical_json(normalised_spec(self.project.graph[key].spec))
        values = [versions.project, key, versions.features[key], versions.spec_hashes[key], spec_json]
        return f"SELECT {', '.join(map(literal, values))}, {NOW_UTC}"


@contextmanager
def _naming(key: str, query: str) -> Iterator[None]:
    """An engine's error names the feature and the query it ran, whose SQL holds the feature's own
    (`filter`, `generate`, `source`): `video/chunk: materialize query: DuckDB rejected a query: ...`."""
    try:
        yield
    except (InputError, SpecError):
        raise
    except SqlxyError as exc:
        raise SqlxyError(f"{key}: {query} query: {exc}") from exc


class _Staged:
    """Unstages the relations a resolve staged when it is done."""

    def __init__(self, adapter: Adapter, names: list[str]) -> None:
        self.adapter, self.names = adapter, names

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        for name in self.names:
            self.adapter.unstage(name)


def _nulls(typed: list[tuple[str, str]]) -> str:
    return ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in typed)


def _rows(key: str, rows: Any) -> pa.Table:
    try:
        return to_arrow(rows)
    except InputError as exc:
        raise InputError(f"{key}: {exc}") from None


def _split(rows: pa.Table, keys: list[str]) -> Increment:
    """new / stale / orphaned tables from the one resolve result.

    Only option-taking compute functions are used: converting any Python value to Arrow makes
    pyarrow import pandas, which costs more than the split itself on a first resolve. A change
    that covers every row takes the table as it is, without copying it.
    """
    change = rows.column("sqlxy_change")
    payload = rows.drop_columns(["sqlxy_change"])
    counts = {r["values"]: r["counts"] for r in pc.value_counts(change).to_pylist()}

    def part(name: str) -> pa.Table:
        if counts.get(name, 0) == rows.num_rows:
            return payload
        return payload.filter(pc.match_substring(change, name)) if counts.get(name) else payload.slice(0, 0)

    new = part("new").drop_columns(["sqlxy_stale_fields", "sqlxy_stale_reason"])
    stale = part("stale")
    listed = stale.column("sqlxy_stale_fields").cast(pa.string())
    fields = pc.split_pattern(listed, ",")  # "a,b" → [a, b], but "" → [""]
    fields = pc.if_else(pc.match_substring_regex(listed, "^$"), pc.list_slice(fields, start=0, stop=0), fields)
    stale = stale.set_column(stale.schema.get_field_index("sqlxy_stale_fields"), "sqlxy_stale_fields",
                             fields)
    return Increment(new, stale, part("orphaned").select(keys))


