"""Project: the facade over spec loading, graph, versions and compiler (what the CLI and API use)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlxy import dialects, diff, selectors
from sqlxy.compiler import Compiler
from sqlxy.config import Config, load_config
from sqlxy.errors import SpecError, SqlxyError
from sqlxy.graph import FeatureGraph
from sqlxy.spec.definition import canonical_definition
from sqlxy.spec.load import feature_files, read_documents
from sqlxy.spec.model import MAX_NAME, FeatureSpec
from sqlxy.spec.parse import parse_feature
from sqlxy.store import Store
from sqlxy.store.engines import open_adapter, wrap_connection
from sqlxy.versions import Versions, compute_versions

MANIFEST_VERSION = diff.MANIFEST_VERSION


class Project:
    def __init__(self, root: Path, config: Config, specs: list[FeatureSpec]) -> None:
        self.root, self.config = root, config
        self.graph = FeatureGraph(specs)
        self.versions: Versions = compute_versions(self.graph, config.hash, config.hash_length)
        self.compiler = Compiler(self.graph, self.versions, config, root)

    @property
    def features(self) -> list[str]:
        return list(self.graph.order)

    def table(self, key: str) -> str:
        return self.compiler.table_name(key)

    def compile(self, key: str, dialect: str = dialects.SOURCE) -> dict[str, str]:
        """Every query of one feature, compiled for `dialect`."""
        return {q.value: self.compiler.render(key, q, dialect) for q in self.compiler.queries(key)}

    def compile_to_disk(self, dialect_names: list[str] | None = None, select: list[str] | None = None,
                        target_dir: Path | None = None) -> dict[str, Any]:
        """dbt-style output: target/compiled/<dialect>/<table>/<query>.sql and target/manifest.json."""
        out = target_dir or self.root / "target"
        chosen = dialect_names or [dialects.SOURCE]
        for name in chosen:
            dialects.get(name)
        keys = selectors.select(self.graph, select)
        compiled: dict[str, dict[str, dict[str, str]]] = {k: {} for k in keys}
        for name in chosen:
            for key in keys:
                folder = out / "compiled" / name / self.table(key)
                folder.mkdir(parents=True, exist_ok=True)
                for query, sql in self.compile(key, name).items():
                    path = folder / f"{query}.sql"
                    path.write_text(sql, encoding="utf-8")
                    compiled[key].setdefault(name, {})[query] = path.relative_to(self.root).as_posix() \
                        if path.is_relative_to(self.root) else str(path)
        manifest = self.manifest(compiled)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
        return manifest

    def manifest(self, compiled: dict[str, dict[str, dict[str, str]]] | None = None) -> dict[str, Any]:
        features = {}
        for node in self.graph:
            features[node.key] = {
                "table": self.table(node.key),
                "file": node.spec.file,
                "version": self.versions.features[node.key],
                "spec_hash": self.versions.spec_hashes[node.key],
                "definition": self.versions.definitions.get(node.key),
                "definition_sql": canonical_definition(node.spec, node.columns),
                "id_columns": list(node.spec.id_columns),
                "columns": node.columns,
                "lineage": node.lineage,
                "deps": [{"feature": d.upstream, "lineage": d.lineage, "optional": d.dep.optional}
                         for d in node.deps],
                "fields": {f.key: {"code_version": f.code_version,
                                   "version": self.versions.fields[(node.key, f.key)],
                                   "parents": [f"{k}:{p}" for k, p in node.field_parents[f.key]]}
                           for f in node.spec.fields},
                "compiled": (compiled or {}).get(node.key, {}),
            }
        return {"manifest_version": MANIFEST_VERSION, "project": self.config.name,
                "project_version": self.versions.project, "spec_hash": self.versions.project_spec_hash,
                "hash": self.config.hash, "hash_length": self.config.hash_length,
                "order": self.features, "features": features}

    def store(self, target: str | None = None, connection: Any = None, create: bool = True) -> Store:
        """The store on a target of `sqlxy.yaml` (default: `default_target`), or on a `connection`
        the caller holds (duckdb or psycopg; closing it stays the caller's job). `create=False` is
        for commands that only read: a DuckDB file that does not exist yet is not created (the
        store sees an empty in-memory database; nothing written to it persists)."""
        if connection is not None:
            return Store(self.compiler, wrap_connection(connection), "connection")
        name, settings = self.config.target(target)
        return Store(self.compiler, open_adapter(name, settings, self.root, create), name)

    def plan(self, base: str | Path | None = None, target: str | None = None, counts: bool = True,
             select: list[str] | None = None) -> dict[str, Any]:
        """What the current specs will do against a base, writing nothing (`sqlxy plan`): `base`, a
        manifest.json from `compile`, or else the graph recorded last on the target. Per feature and
        field: whether its version changes and why, the features field-level lineage leaves
        untouched, and with `counts` the samples a run would make new, stale or orphaned on the
        target, counted there. `select`: K, +K, K+ as for `compile`, or a key of the base that is
        gone now. The target is checked even when nothing opens it."""
        if target is not None and target not in self.config.targets:  # with --no-counts too; its
            self.config.target(target)  # settings (${VAR}) are read only when it is opened
        hashing = (self.config.hash, self.config.hash_length)
        current = diff.snapshot(self.graph, self.versions, hashing)
        if base is not None:
            manifest, source = diff.load_manifest(base), {"kind": "manifest", "path": str(base)}
            shared = set(manifest["features"]) & set(current["features"])
            if not shared and manifest["project"] not in (None, self.config.name):
                raise SqlxyError(f"{base} is the manifest of project '{manifest['project']}', not of "
                                 f"'{self.config.name}' (no feature in common)")
            if not counts:
                return diff.plan(manifest, current, self.features, self._plan_keys(select, manifest), source)
        with self.store(target, create=False) as store:
            if base is None:
                pushed = store.last_pushed()
                if pushed is None:
                    raise SqlxyError(f"no base to plan against: nothing was pushed to target '{store.target}' "
                                     "(run `sqlxy push` there from your main branch) and no --base manifest "
                                     "was given (target/manifest.json from `sqlxy compile` on main)")
                what = f"the graph recorded in sqlxy_graph_history on target '{store.target}' at {pushed.pushed_at}"
                manifest = diff.from_pushed(pushed.specs, pushed.versions, pushed.spec_hashes, hashing, what)
                source = {"kind": "push", "target": store.target, "pushed_at": pushed.pushed_at}
            keys = self._plan_keys(select, manifest)
            result = diff.plan(manifest, current, self.features, keys, source)
            if counts:
                live = None if keys is None else [k for k in keys if k in self.versions.features]
                result = diff.with_counts(result, store.pending(live) if live != [] else {}, store.target)
        return result

    def _plan_keys(self, select: list[str] | None, base: dict[str, Any]) -> list[str] | None:
        """The features `select` chooses: current ones (in graph order), then keys of the base gone now."""
        if not select:
            return None
        gone = sorted({s for s in select if s not in self.versions.features and s in base["features"]})
        rest = [s for s in select if s not in gone]
        return [*(selectors.select(self.graph, rest) if rest else []), *gone]


def load_project(path: str | Path = ".") -> Project:
    root = Path(path)
    if not root.is_dir():
        raise SpecError(f"project folder '{path}' does not exist")
    config = load_config(root)
    specs, empty = [], []
    for file in feature_files(root, config.features_dir):
        display = (file.relative_to(root) if file.is_relative_to(root) else file).as_posix()
        found = [parse_feature(doc, display) for doc in read_documents(file, display)]
        specs += found
        empty += [] if found else [display]
    if not specs:
        hint = f" ({', '.join(empty)} holds no feature)" if empty else ""
        raise SpecError(f"no features found below {config.features_dir}/{hint}")
    for spec in specs:
        if len(config.table_prefix + spec.table) > MAX_NAME:
            raise SpecError(f"table name '{config.table_prefix}{spec.table}' (table_prefix and key) is longer "
                            f"than {MAX_NAME} characters", spec.file, spec.line, spec.key)
    return Project(root, config, specs)
