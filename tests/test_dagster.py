"""sqlxy under Dagster (`sqlxy.dagster`), materialized with real Dagster in process, and the data
version it reports (`Store.data_version`) on every engine.

Locally a missing Dagster skips these tests; under CI (CI=true) it fails them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pytest
import yaml

import sqlxy
from sqlxy.provenance import digest, join

from .conftest import REPO, SEED_VIDEOS, load_example, write_features
from .engines import postgres_dsn, run_native, spark_session, target_config, unavailable  # noqa: F401

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def reference_version(rows: pa.Table, ids: list[str], algorithm: str = "md5", length: int = 32) -> str:
    """The data version by its formula, in Python: H(count | sorted `H(id):…=provenance`)."""
    elements = sorted((":".join(digest(str(r[i]), algorithm, length) for i in ids) + "=" + r["sqlxy_provenance"]
                       for r in rows.to_pylist()), key=str.encode)
    return digest(join([str(len(elements)), join(elements)]), algorithm, length)


# --- Store.data_version on every engine ----------------------------------------------------------

def test_data_version_is_the_current_samples_whatever_their_order(store: sqlxy.Store) -> None:
    assert store.data_version("video/raw") == reference_version(pa.table({"video_id": [], "sqlxy_provenance": []}),
                                                                ["video_id"])
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    first = store.data_version("video/raw")
    assert first == reference_version(store.read("video/raw"), ["video_id"])  # the same on every engine
    # the same samples written again in another order, in two writes: the same version
    store.delete("video/raw", "TRUE", hard=True)
    assert store.data_version("video/raw") != first
    reversed_rows = store.resolve("video/raw", samples=SEED_VIDEOS).to_write().take([2, 1, 0])
    store.write("video/raw", reversed_rows.slice(0, 1))
    store.write("video/raw", reversed_rows.slice(1))
    assert store.data_version("video/raw") == first
    # one sample's provenance changes: a new version; back to its old input version: the old one
    changed = SEED_VIDEOS.set_column(3, "audio_version", pa.array(["a1", "a2-new", "a3"]))
    store.write("video/raw", store.resolve("video/raw", samples=changed).to_write())
    assert store.data_version("video/raw") not in (first, None)
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    assert store.data_version("video/raw") == first
    # a sample retired: a new version
    store.delete("video/raw", "video_id = 'v3'")
    assert store.data_version("video/raw") == reference_version(store.read("video/raw"), ["video_id"]) != first


def test_data_version_creates_nothing(seed_dir: Path) -> None:
    project = sqlxy.load_project(seed_dir)
    with project.store(create=False) as store:
        assert store.data_version("video/faces") == digest("0|")
    assert not (seed_dir / "target").exists()


SOURCED = {"media/raw.yaml": """
key: media/raw
id_columns: [media_id]
columns: {media_id: string, v: string}
fields: [default]
source: {table: raw_media, versions: {default: v}}
""", "media/clip.yaml": """
key: media/clip
id_columns: [media_id]
columns: {media_id: string, n: int}
deps: [{feature: media/raw}]
"""}


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_source_data_version_follows_the_input_versions(engine: str, request: pytest.FixtureRequest,
                                                        tmp_path: Path) -> None:
    write_features(tmp_path, SOURCED, yaml.safe_dump(target_config(engine, request, tmp_path)))
    with sqlxy.load_project(tmp_path).store() as store:
        run_native(store, "CREATE TABLE raw_media (media_id VARCHAR, v VARCHAR)")
        run_native(store, "INSERT INTO raw_media VALUES ('m2', 'x2'), ('m1', 'x1')")
        observed = store.data_version("media/raw", source=True)
        store.materialize("media/raw")
        assert store.data_version("media/raw") == observed  # materialized: the two agree
        run_native(store, "UPDATE raw_media SET v = 'x2b' WHERE media_id = 'm2'")
        assert store.data_version("media/raw", source=True) != observed
        with pytest.raises(sqlxy.SqlxyError, match=r"only a root with source\.table or source\.query"):
            store.data_version("media/clip", source=True)


# --- the seed pipeline as Dagster assets -----------------------------------------------------------

@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_seed_assets_audio_bump(sd: ModuleType, engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    example = load_example("dagster")
    project_dir = example.copy_project(tmp_path)
    if engine != "duckdb":
        (project_dir / "sqlxy.yaml").write_text(yaml.safe_dump(target_config(engine, request, tmp_path)))
    first, rerun, bump, last = (report for _, report in example.walkthrough(project_dir))
    raw, chunk, faces = (first[k] for k in ("video/raw", "video/chunk", "video/faces"))
    assert (raw["new"], raw["written"], chunk["new"], chunk["written"]) == (3, 3, 3, 13)
    assert (faces["new"], faces["written"]) == (13, 13)
    for report in (rerun, last):  # nothing changed: nothing written, the same versions
        for key, done in report.items():
            assert (done["new"], done["stale"], done["orphaned"], done["written"], done["retired"]) == (0, 0, 0, 0, 0)
    for key in ("video/raw", "video/chunk"):  # the audio bump: recomputed, new code and data versions
        assert (bump[key]["stale"], bump[key]["stale_fields"], bump[key]["new"]) == (3, "audio", 0)
        assert bump[key]["code_version"] != first[key]["code_version"]
        assert bump[key]["data_version"] != first[key]["data_version"]
        assert bump[key]["data_version"] == last[key]["data_version"]
    assert (bump["video/raw"]["written"], bump["video/chunk"]["written"]) == (3, 13)
    untouched = bump["video/faces"]  # reads only frames: nothing to compute, nothing changed
    assert (untouched["new"], untouched["stale"], untouched["written"]) == (0, 0, 0)
    assert untouched["code_version"] == first["video/faces"]["code_version"]
    assert untouched["data_version"] == first["video/faces"]["data_version"]
    for key, done in first.items():  # Dagster's versions are sqlxy's
        project = sqlxy.load_project(project_dir)
        assert bump[key]["code_version"] == project.versions.features[key]
        with project.store() as store:
            assert last[key]["data_version"] == store.data_version(key)


def test_walkthrough_script_runs(dg: ModuleType) -> None:
    done = subprocess.run([sys.executable, str(REPO / "examples/dagster/run.py")], capture_output=True,
                          text=True, timeout=300, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "1. initial run" and len(lines) == 16
    assert "video/faces  new   0  stale   0  orphaned 0  written   0  code version same  data version same" \
        in lines[lines.index("3. audio code_version 1 → 2, run") + 3]


def _materialize(dg: ModuleType, assets: list[Any], resource: Any, instance: Any = None,
                 selection: Any = None) -> dict[str, dict[str, Any]]:
    result = dg.materialize(assets, resources={"sqlxy": resource}, instance=instance, run_config=QUIET,
                            selection=selection)
    report = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        report["/".join(materialization.asset_key.path)] = {
            **{k: v.value for k, v in materialization.metadata.items()}, **materialization.tags}
    return report


def test_assets_from_the_graph(sd: ModuleType, dg: ModuleType, seed_dir: Path) -> None:
    project = sqlxy.load_project(seed_dir)
    assets = sd.build_assets(project, samples={"video/raw": lambda: SEED_VIDEOS},
                             compute={"video/faces": lambda increment: increment})
    by_key = {a.key: a for a in assets}
    assert list(by_key) == [dg.AssetKey(["video", "raw"]), dg.AssetKey(["video", "chunk"]),
                            dg.AssetKey(["video", "faces"])]
    chunk = by_key[dg.AssetKey(["video", "chunk"])]
    assert chunk.asset_deps[chunk.key] == {dg.AssetKey(["video", "raw"])}
    assert chunk.code_versions_by_key[chunk.key] == project.versions.features["video/chunk"]
    # a selection: only the features it names, their deps outside it still deps
    (faces,) = sd.build_assets(project, compute={"video/faces": lambda increment: increment}, select=["video/faces"])
    assert faces.asset_deps[faces.key] == {dg.AssetKey(["video", "chunk"])}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"compute": {"video/chunk": print}}, "sqlxy computes video/chunk in SQL"),
    ({"samples": {"video/faces": print}}, "video/faces is not a root"),
    ({"compute": {"video/nope": print}}, "'video/nope' is not a feature"),
    ({"samples": {"video/raw": print}}, "video/faces is computed by user code: give compute="),
    ({"compute": {"video/faces": print}}, "video/raw is a root whose samples the caller passes"),
    ({"compute": {"video/faces": print}, "samples": {"video/raw": print}, "select": ["video/chunk"]},
     "'video/faces' is not in the selection"),
])
def test_build_errors_are_one_line(sd: ModuleType, seed_dir: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(sqlxy.SqlxyError, match=message) as raised:
        sd.build_assets(seed_dir, **kwargs)
    assert "\n" not in str(raised.value)


def test_orphans_are_retired_and_context_is_passed(sd: ModuleType, dg: ModuleType, seed_dir: Path) -> None:
    videos = {"rows": SEED_VIDEOS}
    seen: list[str] = []

    def faces(increment: sqlxy.Increment, context: Any) -> list[dict[str, Any]]:
        seen.append(context.run.run_id)
        return [{**row, "num_faces": 1} for row in increment.to_write().to_pylist()]

    assets = sd.build_assets(seed_dir, samples={"video/raw": lambda: videos["rows"]}, compute={"video/faces": faces})
    resource = sd.SqlxyResource(project_dir=str(seed_dir), duckdb_path="other.duckdb")
    _materialize(dg, assets, resource)
    assert len(seen) == 1 and (seed_dir / "other.duckdb").exists()
    videos["rows"] = SEED_VIDEOS.slice(0, 2)  # v3 is gone: its chunks and their faces go too
    done = _materialize(dg, assets, resource)
    assert (done["video/raw"]["orphaned"], done["video/raw"]["retired"]) == (1, 1)
    assert (done["video/chunk"]["orphaned"], done["video/chunk"]["retired"]) == (1, 5)
    assert (done["video/faces"]["orphaned"], done["video/faces"]["retired"]) == (5, 5)
    assert len(seen) == 1  # nothing new or stale: the compute function was not called
    with resource.open() as store:
        assert store.read("video/faces").num_rows == 3 + 5
        assert store.read("video/raw", include_deleted=True).column("sqlxy_deleted_at").null_count == 2


def test_observable_source(sd: ModuleType, dg: ModuleType, tmp_path: Path) -> None:
    write_features(tmp_path, SOURCED)
    resource = sd.SqlxyResource(project_dir=str(tmp_path))
    with resource.open() as store:
        run_native(store, "CREATE TABLE raw_media (media_id VARCHAR, v VARCHAR)")
        run_native(store, "INSERT INTO raw_media VALUES ('m1', 'x1'), ('m2', 'x2')")
    assets = sd.build_assets(tmp_path, compute={"media/clip": lambda inc: inc.to_write().append_column(
        "n", pa.array([1] * inc.to_write().num_rows))})
    source = sd.source_key("media/raw")
    raw = next(a for a in assets if getattr(a, "key", None) == dg.AssetKey(["media", "raw"]))
    assert source in raw.asset_deps[raw.key]
    job = dg.define_asset_job("observe", selection=dg.AssetSelection.assets(source))
    defs = dg.Definitions(assets=assets, jobs=[job], resources={"sqlxy": resource})

    def observe(instance: Any) -> str:
        defs.resolve_job_def("observe").execute_in_process(instance=instance, run_config=QUIET)
        return instance.get_latest_data_version_record(source).asset_observation.data_version

    with dg.DagsterInstance.ephemeral() as instance:
        observed = observe(instance)
        assert observe(instance) == observed  # nothing changed in the source
        done = _materialize(dg, assets, resource, instance, selection=[dg.AssetKey(["media", "raw"])])
        assert done["media/raw"]["new"] == 2 and done["media/raw"]["dagster/data_version"] == observed
        with resource.open() as store:
            run_native(store, "UPDATE raw_media SET v = 'x2b' WHERE media_id = 'm2'")
        changed = observe(instance)
        assert changed != observed  # Dagster sees the source change, before anything runs
        done = _materialize(dg, assets, resource, instance, selection=[dg.AssetKey(["media", "raw"])])
        assert (done["media/raw"]["stale"], done["media/raw"]["dagster/data_version"]) == (1, changed)


def test_user_mistakes_fail_the_step_in_one_line(sd: ModuleType, dg: ModuleType, seed_dir: Path) -> None:
    assets = sd.build_assets(seed_dir, samples={"video/raw": lambda: SEED_VIDEOS},
                             compute={"video/faces": lambda increment: None})

    def failure(resource: Any, selection: Any = None) -> str:
        result = dg.materialize(assets, resources={"sqlxy": resource}, run_config=QUIET, raise_on_error=False,
                                selection=selection)
        (event,) = result.get_step_failure_events()
        return event.step_failure_data.user_failure_data.description

    both = sd.SqlxyResource(project_dir=str(seed_dir), duckdb_path="a.duckdb", postgres_dsn="host=nowhere")
    assert failure(both, [dg.AssetKey(["video", "raw"])]) == \
        "SqlxyResource: give one of target, duckdb_path and postgres_dsn, not duckdb_path and postgres_dsn"
    resource = sd.SqlxyResource(project_dir=str(seed_dir))
    assert "the compute function returned None" in failure(resource)
    text = (seed_dir / "features/video/faces.yaml").read_text()
    (seed_dir / "features/video/faces.yaml").write_text(text.replace("key: faces", "key: faces\n    code_version: '2'"))
    message = failure(resource, [dg.AssetKey(["video", "faces"])])  # the definitions predate the edit
    assert "reload the Dagster definitions" in message and "\n" not in message


def test_import_sqlxy_needs_no_dagster() -> None:
    code = "import sys, sqlxy; sqlxy.load_project('.'); assert 'dagster' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
