"""The Dagster resource that holds a sqlxy target: the project folder and a target of its
`sqlxy.yaml`, or a DuckDB file or PostgreSQL DSN given here instead."""

from pathlib import Path
from typing import Any

import dagster as dg

import sqlxy
from sqlxy.errors import SqlxyError
from sqlxy.store import Store
from sqlxy.store.engines import open_adapter


class SqlxyResource(dg.ConfigurableResource):
    """Where the assets of `build_assets` read and write.

    `project_dir`: the sqlxy project (the folder of `sqlxy.yaml` and `features/`). `target`: a target
    of its `sqlxy.yaml` (default: its `default_target`). Or, instead of a target, `duckdb_path` (a
    DuckDB file, relative to the project) or `postgres_dsn` (use `dagster.EnvVar("…")` to keep
    a password out of the code)."""

    project_dir: str = "."
    target: str | None = None
    duckdb_path: str | None = None
    postgres_dsn: str | None = None

    def load_project(self) -> sqlxy.Project:
        return sqlxy.load_project(self.project_dir)

    def open(self, project: sqlxy.Project | None = None) -> Store:
        """A store on the target (close it, or use it in a `with`)."""
        project = project or self.load_project()
        chosen = [name for name, value in (("target", self.target), ("duckdb_path", self.duckdb_path),
                                           ("postgres_dsn", self.postgres_dsn)) if value]
        if len(chosen) > 1:
            raise SqlxyError("SqlxyResource: give one of target, duckdb_path and postgres_dsn, "
                             f"not {' and '.join(chosen)}")
        settings: dict[str, Any] | None = None
        if self.duckdb_path:
            settings = {"type": "duckdb", "path": self.duckdb_path}
        elif self.postgres_dsn:
            settings = {"type": "postgres", "dsn": self.postgres_dsn}
        if settings is None:
            return project.store(self.target)
        name = f"dagster {settings['type']}"
        return Store(project.compiler, open_adapter(name, settings, Path(project.root)), name)
