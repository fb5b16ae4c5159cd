"""sqlxy under Dagster (`pip install 'sqlxy[dagster]'`): a project, or a selection of it, as
Dagster assets (`build_assets`) running on a target the `SqlxyResource` holds.

Each feature is one asset (key from the feature key, deps from the graph, code version the feature
version); materializing it resolves the feature's increment, has it computed (in SQL for features
sqlxy computes, else by the user's function), writes it, retires the orphaned samples and reports
the counts as metadata and the feature's data version (`Store.data_version`). A root whose samples
come from a SQL source also gets an observable source asset. `import sqlxy` never imports this
module, so Dagster stays optional."""

from __future__ import annotations

try:
    import dagster  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    from sqlxy.errors import SqlxyError

    raise SqlxyError("sqlxy.dagster needs Dagster, which is not installed: pip install 'sqlxy[dagster]'") from None

from sqlxy.dagster.assets import SOURCE_PART, asset_key, build_assets, source_key
from sqlxy.dagster.execute import Computed
from sqlxy.dagster.resource import SqlxyResource

__all__ = ["SOURCE_PART", "Computed", "SqlxyResource", "asset_key", "build_assets", "source_key"]
