"""Store: runs the compiled SQL of a project on one engine (resolve, write, read, delete,
materialize, status, push). Python orchestrates; every join, hash and comparison runs in SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from sqlxy.compiler.context import INPUT_RELATION, SAMPLES_RELATION, SYSTEM_TYPES
from sqlxy.compiler.sqlparts import ident, literal, table_ref
from sqlxy.errors import InputError, SqlxyError, TargetError
from sqlxy.spec.sqlcheck import UnsafeSQL, parse_condition, referenced_columns
from sqlxy.store.adapter import Adapter
from sqlxy.store.inputs import to_arrow
from sqlxy.store.prepare import RAW_RELATION, prepare_rows
from sqlxy.store.staging import samples_staging, write_staging
from sqlxy.versions import canonical_json, normalised_spec

if TYPE_CHECKING:
    from sqlxy.project import Project

HISTORY_TABLE = "sqlxy_graph_history"


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

    @classmethod
    def open(cls, project: Project, target: str | None = None, connection: Any = None) -> Store:
        if connection is not None:
            return cls(project, _wrap_connection(connection), "connection")
        name, settings = project.config.target(target)
        kind = settings["type"]
        if kind == "duckdb":
            from sqlxy.store.duckdb import DuckDBAdapter

            return cls(project, DuckDBAdapter.connect(settings, project.root), name)
        raise TargetError(f"target '{name}': engine '{kind}' is not available in this version of sqlxy; "
                          "use a duckdb target")

    def close(self) -> None:
        self.adapter.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- tables ---------------------------------------------------------------------------

    def sql(self, key: str, query: str, **params: Any) -> str:
        return self.project.compiler.render(key, query, self.adapter.dialect, **params)

    def ensure_table(self, key: str) -> None:
        """Create the feature table, or add the columns a spec change introduced."""
        if key in self._ready:
            return
        node = self.project.graph[key]
        existing = self.adapter.columns(self.project.table(key), self.project.config.schema)
        if existing is None:
            self.adapter.execute(self.sql(key, "create"))
        else:
            ctx = self.project.compiler.context(key)
            wanted = list(node.columns) + [f.prov_name for f in ctx.fields] + \
                [f.dv_name for f in ctx.fields] + list(SYSTEM_TYPES)
            if set(wanted) - set(existing):
                self.adapter.execute(self.sql(key, "extend"))
        self._ready.add(key)

    def _ensure_lineage(self, key: str) -> None:
        for dep in self.project.graph[key].deps:
            self.ensure_table(dep.upstream)
        self.ensure_table(key)

    # -- resolve --------------------------------------------------------------------------

    def resolve(self, key: str, samples: Any = None, stale_if: str | None = None) -> Increment:
        predicate = self._condition(key, stale_if, "--stale-if") if stale_if else None
        with self._root_samples(key, samples):
            rows = self.adapter.fetch_arrow(self.sql(key, "resolve", stale_if=predicate))
        return _split(rows, list(self.project.graph[key].compare_keys))

    def _root_samples(self, key: str, samples: Any) -> _Staged:
        """Stage a root feature's samples (or check its source) for the compiled queries."""
        node = self.project.graph[key]
        self._ensure_lineage(key)
        if not node.is_root:
            if samples is not None:
                raise InputError(f"{key} is not a root feature: its samples come from its deps, "
                                 "not from --samples")
            return _Staged(self.adapter, [])
        source = node.spec.source
        has_source = bool(source and (source.table or source.query))
        if samples is None:
            if not has_source:
                raise InputError(f"{key} is a root feature without source.table or source.query: "
                                 "pass its samples (--samples FILE or samples=...)")
            self._check_versions(key)
            return _Staged(self.adapter, [])
        if has_source:
            raise InputError(f"{key} reads its samples from its source; do not pass samples too")
        table = to_arrow(samples)
        staging = samples_staging(node, table.column_names, ident(RAW_RELATION))
        self.adapter.stage(SAMPLES_RELATION, prepare_rows(table, staging, key, "samples"))
        return _Staged(self.adapter, [SAMPLES_RELATION])

    def _check_versions(self, key: str) -> None:
        bad = self.adapter.fetch_arrow(self.sql(key, "invalid_versions"))
        if bad.num_rows:
            row = bad.slice(0, 1).to_pylist()[0]
            raise InputError(f"{key}: source has {row['bad_rows']} row(s) whose input version for field "
                             f"'{row['field']}' is empty, NULL or holds '|' (e.g. {row['example']!r})")

    def _condition(self, key: str, sql: str, what: str) -> str:
        try:
            tree = parse_condition(sql)
        except UnsafeSQL as exc:
            raise InputError(f"{what} '{sql}' {exc}") from None
        known = set(self.project.graph[key].columns) | set(self._system_columns(key))
        unknown = sorted(referenced_columns(tree) - known)
        if unknown:
            raise InputError(f"{what} '{sql}' names unknown column '{unknown[0]}' of {key}")
        return tree.sql("duckdb")

    def _system_columns(self, key: str) -> list[str]:
        ctx = self.project.compiler.context(key)
        return [f.prov_name for f in ctx.fields] + [f.dv_name for f in ctx.fields] + list(SYSTEM_TYPES)

    # -- write ----------------------------------------------------------------------------

    def write(self, key: str, rows: Any, partial: bool = False, run_id: str | None = None) -> int:
        """Append rows atomically; expansion writes retire the parents' missing children."""
        node = self.project.graph[key]
        table = to_arrow(rows)
        if table.num_rows == 0:
            return 0
        self._ensure_lineage(key)
        ctx = self.project.compiler.context(key)
        staging = write_staging(node, ctx, table.column_names, ident(RAW_RELATION), run_id)
        typed = prepare_rows(table, staging, key, "input")
        self.adapter.stage(INPUT_RELATION, typed)
        try:
            with self.adapter.transaction():
                self._append(key, supersede=node.lineage == "expansion" and not partial, run_id=run_id)
        finally:
            self.adapter.unstage(INPUT_RELATION)
        return table.num_rows

    def _append(self, key: str, supersede: bool, run_id: str | None) -> None:
        """Append the rows staged as sqlxy_input; expansion writes retire missing siblings first."""
        if supersede:
            self.adapter.execute(self.sql(key, "supersede", run_id=run_id))
        self.adapter.execute(self.sql(key, "insert"))

    # -- read, delete ---------------------------------------------------------------------

    def read(self, key: str, include_deleted: bool = False, where: str | None = None) -> pa.Table:
        self.ensure_table(key)
        sql = self.project.compiler.render(key, "current", self.adapter.dialect, header=False) \
            if not include_deleted else self._render_including_deleted(key)
        if where:
            sql = f"SELECT * FROM ({sql}) AS current_rows WHERE {self._condition(key, where, '--where')}"
        return self.adapter.fetch_arrow(sql)

    def _render_including_deleted(self, key: str) -> str:
        compiler = self.project.compiler
        template = compiler.env.get_template("current.sql.j2")
        ctx = compiler.context(key)
        text = template.render(f=ctx, include_deleted=True, order_latest=ctx.order_latest)
        from sqlxy.compiler import transpile

        return transpile(text, self.adapter.dialect)

    def delete(self, key: str, where: str, hard: bool = False) -> int:
        condition = self._condition(key, where, "--where")
        self.ensure_table(key)
        before = self._row_count(key)
        with self.adapter.transaction():
            self.adapter.execute(self.sql(key, "hard_delete" if hard else "soft_delete", where=condition))
        after = self._row_count(key)
        return before - after if hard else after - before

    def _row_count(self, key: str) -> int:
        table = table_ref(self.project.table(key), self.project.config.schema)
        return self.adapter.fetch_arrow(f"SELECT COUNT(*) AS n FROM {table}").column(0)[0].as_py()

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
        before = self._row_count(key)
        with self.adapter.transaction():
            self.adapter.execute(f"CREATE OR REPLACE TEMPORARY TABLE {ident(INPUT_RELATION)} AS "
                                 f"{self.sql(key, 'materialize', run_id=run_id, header=False)}")
            try:
                written = self.adapter.fetch_arrow(f"SELECT COUNT(*) AS n FROM {ident(INPUT_RELATION)}")
                self.adapter.execute(self.sql(key, "retire_orphaned", run_id=run_id))
                self._append(key, supersede=node.lineage == "expansion", run_id=run_id)
            finally:
                self.adapter.execute(f"DROP TABLE IF EXISTS {ident(INPUT_RELATION)}")
        rows = written.column(0)[0].as_py()
        return {"written": rows, "retired": self._row_count(key) - before - rows}

    def status(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        out = []
        for key in keys or self.project.features:
            node = self.project.graph[key]
            self._ensure_lineage(key)
            row: dict[str, Any] = {"feature": key, "rows": self._current_count(key),
                                   "new": None, "stale": None, "orphaned": None}
            source = node.spec.source
            if not node.is_root or (source and (source.table or source.query)):
                counts = {r["sqlxy_change"]: r["samples"]
                          for r in self.adapter.fetch_arrow(self.sql(key, "status")).to_pylist()}
                row.update({c: counts.get(c, 0) for c in ("new", "stale", "orphaned")})
            out.append(row)
        return out

    def _current_count(self, key: str) -> int:
        sql = self.project.compiler.render(key, "current", self.adapter.dialect, header=False)
        return self.adapter.fetch_arrow(f"SELECT COUNT(*) AS n FROM ({sql}) AS current_rows") \
            .column(0)[0].as_py()

    def push(self) -> bool:
        """Record the graph once per distinct project version; False when already recorded."""
        history = table_ref(HISTORY_TABLE, self.project.config.schema)
        self.adapter.execute(
            f"CREATE TABLE IF NOT EXISTS {history} (project_version VARCHAR, feature_key VARCHAR, "
            "feature_version VARCHAR, spec_hash VARCHAR, spec_json VARCHAR, pushed_at TIMESTAMP)")
        versions = self.project.versions
        seen = self.adapter.fetch_arrow(f"SELECT COUNT(*) AS n FROM {history} WHERE project_version = "
                                        f"{literal(versions.project)}").column(0)[0].as_py()
        if seen:
            return False
        def row(key: str) -> str:
            spec_json = canonical_json(normalised_spec(self.project.graph[key].spec))
            values = [versions.project, key, versions.features[key], versions.spec_hashes[key], spec_json]
            return "(" + ", ".join(map(literal, values)) + ", CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP))"

        values = ", ".join(row(k) for k in self.project.features)
        with self.adapter.transaction():
            self.adapter.execute(f"INSERT INTO {history} VALUES {values}")
        return True


class _Staged:
    """Unstages the relations a resolve staged when it is done."""

    def __init__(self, adapter: Adapter, tables: list[str]) -> None:
        self.adapter, self.tables = adapter, tables

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        for table in self.tables:
            self.adapter.unstage(table)


def _split(rows: pa.Table, keys: list[str]) -> Increment:
    change = rows.column("sqlxy_change")
    payload = rows.drop_columns(["sqlxy_change"])
    stale_extra = ["sqlxy_stale_fields", "sqlxy_stale_reason"]
    new = payload.filter(pc.equal(change, "new")).drop_columns(stale_extra)
    stale = payload.filter(pc.equal(change, "stale"))
    listed = stale.column("sqlxy_stale_fields")
    fields = pc.split_pattern(pc.if_else(pc.equal(listed, ""), None, listed), ",")
    fields = pc.if_else(pc.is_null(fields), pa.scalar([], pa.list_(pa.string())), fields)
    stale = stale.set_column(stale.schema.get_field_index("sqlxy_stale_fields"), "sqlxy_stale_fields",
                             fields)
    orphaned = payload.filter(pc.equal(change, "orphaned")).select(keys)
    return Increment(new, stale, orphaned)


def _wrap_connection(connection: Any) -> Adapter:
    module = type(connection).__module__
    if module.startswith("duckdb") or module.startswith("_duckdb"):
        from sqlxy.store.duckdb import DuckDBAdapter

        return DuckDBAdapter(connection, owned=False)
    raise SqlxyError(f"cannot use a {type(connection).__name__} connection; pass a duckdb connection")


def new_run_id() -> str:
    return uuid.uuid4().hex

