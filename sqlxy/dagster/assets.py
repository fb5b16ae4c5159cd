"""A sqlxy project, or a selection of it, as Dagster asset definitions: one asset per feature,
its deps from the graph, its code version the feature version; one observable source asset per
root whose samples come from SQL."""

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

import sqlxy
from sqlxy import selectors
from sqlxy.compiler import Query
from sqlxy.dagster.execute import Feature, materialize
from sqlxy.errors import SqlxyError
from sqlxy.graph import FeatureGraph

#: The last part of an observable source asset's key; a feature key's parts never hold `__`.
SOURCE_PART = "__source"


def asset_key(key: str) -> dg.AssetKey:
    """`video/chunk` → AssetKey(["video", "chunk"])."""
    return dg.AssetKey(key.split("/"))


def source_key(key: str) -> dg.AssetKey:
    """The observable source of a root with a SQL source: `video/raw` → ["video", "raw", "__source"]."""
    return dg.AssetKey([*key.split("/"), SOURCE_PART])


def build_assets(project: str | Path | sqlxy.Project = ".", *,
                 compute: Mapping[str, Callable[..., Any]] | None = None,
                 samples: Mapping[str, Callable[..., Any]] | None = None,
                 select: Sequence[str] | None = None, resource_key: str = "sqlxy",
                 observe_sources: bool = True, group_name: str | None = None) -> list[Any]:
    """The project's features (or those `select` picks: `K`, `+K`, `K+`) as Dagster assets.

    `compute`: per feature whose rows the user computes, `fn(increment) -> rows` (a sqlxy
    `Increment`; rows as `Store.write` takes them, or `Computed(rows, empty_parents)`), called only
    when there is something new or stale. `samples`: per root whose samples the caller passes,
    `fn() -> samples` (all of them, with their input-version columns, as `Store.resolve` takes
    them); such a root needs no compute function (its samples are written as resolved). Either
    function gets the Dagster context too when it has a parameter named `context`. Features sqlxy
    computes (a root with a SQL `source`, an expansion with `generate`) take no function. The
    assets run on the `SqlxyResource` under `resource_key`."""
    loaded = project if isinstance(project, sqlxy.Project) else sqlxy.load_project(project)
    graph, versions = loaded.graph, loaded.versions
    keys = selectors.select(graph, [select] if isinstance(select, str) else list(select) if select else None)
    compute, samples = dict(compute or {}), dict(samples or {})
    _check_names(graph, keys, compute, "compute")
    _check_names(graph, keys, samples, "samples")
    features = [Feature(key, versions.features[key], Query.MATERIALIZE in loaded.compiler.queries(key),
                        compute.get(key), samples.get(key)) for key in keys]
    for feature in features:  # a function given where none goes, before one missing
        _check_given(feature, graph[feature.key].is_root)
    for feature in features:
        _check_missing(feature, graph[feature.key].is_root)
    _check_op_names([f.key for f in features] + [f"{f.key}/__source" for f in features
                                                 if observe_sources and graph[f.key].spec.has_sql_source])
    assets: list[Any] = []
    for feature in features:
        node = graph[feature.key]
        observed = observe_sources and node.spec.has_sql_source
        deps = [asset_key(dep.upstream) for dep in node.deps] + ([source_key(node.key)] if observed else [])
        assets.append(_feature_asset(feature, node.spec.description, deps, resource_key, group_name))
        if observed:
            assets.append(_source_asset(node.key, resource_key, group_name))
    return assets


def _check_names(graph: FeatureGraph, keys: list[str], functions: Mapping[str, Any], what: str) -> None:
    for key in functions:
        if key not in graph.nodes:
            raise SqlxyError(f"{what}={{{key!r}: …}}: '{key}' is not a feature (known: {', '.join(graph.order)})")
        if key not in keys:
            raise SqlxyError(f"{what}={{{key!r}: …}}: '{key}' is not in the selection ({', '.join(keys)})")


def _check_op_names(keys: list[str]) -> None:
    """Dagster names each asset's op after its key with every character but letters, digits and
    `_` made `_`: two keys that give one name (`a-b/c`, `a_b/c`) cannot be assets of one build."""
    seen: dict[str, str] = {}
    for key in keys:
        name = re.sub(r"[^A-Za-z0-9_]", "_", "__".join(asset_key(key).path))
        if name in seen:
            raise SqlxyError(f"'{seen[name]}' and '{key}' would both be Dagster op '{name}': build them in "
                             "separate build_assets calls (select=...), or rename one")
        seen[name] = key


def _check_given(feature: Feature, root: bool) -> None:
    key = feature.key
    if feature.sql_defined and (feature.compute or feature.samples):
        given = "compute" if feature.compute else "samples"
        raise SqlxyError(f"{given}={{{key!r}: …}}: sqlxy computes {key} in SQL (its source or generate); "
                         "it takes no function")
    if feature.samples and not root:
        raise SqlxyError(f"samples={{{key!r}: …}}: {key} is not a root; its samples come from its deps "
                         f"(give compute={{{key!r}: fn}})")


def _check_missing(feature: Feature, root: bool) -> None:
    key = feature.key
    if root and not feature.sql_defined and feature.samples is None:
        raise SqlxyError(f"{key} is a root whose samples the caller passes: give samples={{{key!r}: fn}} "
                         "returning them")
    if not root and not feature.sql_defined and feature.compute is None:
        raise SqlxyError(f"{key} is computed by user code: give compute={{{key!r}: fn}} (fn(increment) -> rows)")


def _feature_asset(feature: Feature, description: str | None, deps: list[dg.AssetKey], resource_key: str,
                   group_name: str | None) -> dg.AssetsDefinition:
    how = "sql" if feature.sql_defined else "user code"

    @dg.asset(key=asset_key(feature.key), deps=deps, code_version=feature.code_version,
              description=description or f"sqlxy feature {feature.key}", group_name=group_name,
              required_resource_keys={resource_key}, kinds={"sqlxy"},
              metadata={"sqlxy/feature": feature.key, "sqlxy/computed_by": how})
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        with _failing(), getattr(context.resources, resource_key).open() as store:
            return materialize(context, store, feature)

    return _asset


def _source_asset(key: str, resource_key: str, group_name: str | None) -> Any:
    """Observed, its data version is that of the samples the root's source gives now (their
    expected provenance, from the input versions), computed in the database."""
    with warnings.catch_warnings():  # Dagster marks observable source assets beta: no warning for it
        warnings.simplefilter("ignore")

        @dg.observable_source_asset(key=source_key(key), description=f"the SQL source of {key}",
                                    group_name=group_name, required_resource_keys={resource_key})
        def _observe(context) -> dg.ObserveResult:
            with _failing(), getattr(context.resources, resource_key).open() as store:
                return dg.ObserveResult(data_version=dg.DataVersion(store.data_version(key, source=True)))

    return _observe


class _failing:
    """A sqlxy error (a user mistake) fails the step with its one-line message as a Dagster
    `Failure`, without sqlxy's internals in the way."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, traceback: object) -> bool:
        if isinstance(error, SqlxyError):
            raise dg.Failure(description=str(error), allow_retries=False) from None
        return False
