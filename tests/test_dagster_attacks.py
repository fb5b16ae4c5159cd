"""An attacker's pass over sqlxy.dagster, with real Dagster in process: the bugs it found (each
test says what is now right) and what it pinned as working."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pytest

import sqlxy

from .conftest import SEED_VIDEOS, write_features
from .engines import run_native

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _faces(increment: sqlxy.Increment) -> pa.Table:
    rows = increment.to_write()
    return rows.append_column("num_faces", pa.array([1] * rows.num_rows, pa.int64()))


def _run(dg: ModuleType, assets: list[Any], resource: Any, selection: Any = None) -> tuple[bool, dict, list]:
    result = dg.materialize(assets, resources={"sqlxy": resource}, run_config=QUIET, raise_on_error=False,
                            selection=selection)
    report = {}
    for event in result.get_asset_materialization_events():
        m = event.step_materialization_data.materialization
        report["/".join(m.asset_key.path)] = {**{k: v.value for k, v in m.metadata.items()}, **m.tags}
    failures = []
    for event in result.get_step_failure_events():
        user = event.step_failure_data.user_failure_data
        failures.append(user.description if user else f"TRACEBACK {event.step_failure_data.error.cause.cls_name}")
    return result.success, report, failures


def _root_project(root: Path, ids: str, columns: str) -> Path:
    return write_features(root, {"t.yaml": f"key: t\nid_columns: {ids}\ncolumns: {columns}\nfields: [default]\n"
                                           "source: {versions: {default: v}}\n"})


# --- bugs -----------------------------------------------------------------------------------------

def test_data_version_follows_the_data_version_downstream_reads(seed_dir: Path) -> None:
    """The data version follows the data versions downstream reads: a writer's override keeps it
    when the content is the same, and a new override changes it."""
    def write_raw(store: sqlxy.Store, hashes: list[str]) -> None:
        rows = store.resolve("video/raw", samples=SEED_VIDEOS).to_write()
        store.write("video/raw", rows.append_column("sqlxy_data_version__audio", pa.array(hashes)))

    with sqlxy.load_project(seed_dir).store() as store:
        write_raw(store, ["c1", "c2", "c3"])
        store.materialize("video/chunk")
        before = store.data_version("video/raw")
    path = seed_dir / "features/video/raw.yaml"
    path.write_text(path.read_text().replace('code_version: "1"', 'code_version: "2"', 1))
    with sqlxy.load_project(seed_dir).store() as store:
        write_raw(store, ["c1", "c2", "c3"])  # recomputed, identical content
        assert store.resolve("video/chunk").counts() == {"new": 0, "stale": 0, "orphaned": 0}
        assert store.data_version("video/raw") == before  # fails today: provenance changed
        # same provenance, new content: chunk is stale, so raw's data version must change
        rows = store.read("video/raw").select(["video_id", "path", "duration_s", "sqlxy_provenance__audio",
                                                "sqlxy_provenance__frames"])
        store.write("video/raw", rows.append_column("sqlxy_data_version__audio", pa.array(["n1", "n2", "n3"])))
        assert store.resolve("video/chunk").counts()["stale"] == 3
        assert store.data_version("video/raw") != before


def test_feature_keys_that_sanitize_alike(sd: ModuleType, dg: ModuleType, tmp_path: Path) -> None:
    """Two feature keys that give one Dagster op name (`a-b/c`, `a_b/c`) are refused at build
    time in one line."""
    spec = ("key: {k}\nid_columns: [a]\ncolumns: {{a: string}}\nfields: [default]\n"
            "source: {{versions: {{default: v}}}}\n")
    write_features(tmp_path, {"x.yaml": spec.format(k="a-b/c"), "y.yaml": spec.format(k="a_b/c")})
    samples = {k: (lambda: pa.table({"a": ["x"], "v": ["1"]})) for k in ("a-b/c", "a_b/c")}
    try:
        assets = sd.build_assets(tmp_path, samples=samples)
    except sqlxy.SqlxyError as exc:
        assert "\n" not in str(exc)
        return
    ok, report, failures = _run(dg, assets, sd.SqlxyResource(project_dir=str(tmp_path)))
    assert ok and set(report) == {"a-b/c", "a_b/c"}, failures


def test_feature_removed_after_build_fails_in_one_line(sd: ModuleType, dg: ModuleType, seed_dir: Path) -> None:
    """A feature deleted after the assets were built fails its step with the one-line 'reload' message."""
    assets = sd.build_assets(seed_dir, samples={"video/raw": lambda: SEED_VIDEOS}, compute={"video/faces": _faces})
    resource = sd.SqlxyResource(project_dir=str(seed_dir))
    assert _run(dg, assets, resource)[0]
    (seed_dir / "features/video/faces.yaml").unlink()
    ok, _, failures = _run(dg, assets, resource, selection=[dg.AssetKey(["video", "faces"])])
    assert not ok and len(failures) == 1
    assert "reload the Dagster definitions" in failures[0], failures


def test_many_orphans_with_several_id_columns(sd: ModuleType, dg: ModuleType, tmp_path: Path) -> None:
    """Thousands of orphans with two id columns are retired by a join on their staged keys, not a
    condition per orphan."""
    root = _root_project(tmp_path, "[a, b]", "{a: string, b: int}")
    n = 3000
    state = {"rows": pa.table({"a": [f"k{i}" for i in range(n)], "b": list(range(n)), "v": ["1"] * n})}
    assets = sd.build_assets(root, samples={"t": lambda: state["rows"]})
    resource = sd.SqlxyResource(project_dir=str(root))
    assert _run(dg, assets, resource)[0]
    state["rows"] = state["rows"].slice(0, 0)
    ok, report, failures = _run(dg, assets, resource)
    assert ok and report["t"]["retired"] == n, failures


def test_sql_defined_asset_does_not_pull_the_increment_into_python(sd: ModuleType, dg: ModuleType,
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A feature sqlxy computes is counted in the database: no increment row comes into Python."""
    write_features(tmp_path, {"t.yaml": "key: t\nid_columns: [k]\ncolumns: {k: string}\nfields: [default]\n"
                                        "source: {table: src, versions: {default: v}}\n"})
    resource = sd.SqlxyResource(project_dir=str(tmp_path))
    with resource.open() as store:
        run_native(store, "CREATE TABLE src AS SELECT 'k' || i AS k, 'v1' AS v FROM range(10) t(i)")
    fetched: list[int] = []
    original = sqlxy.Store.resolve

    def resolve(self: sqlxy.Store, key: str, *args: Any, **kwargs: Any) -> sqlxy.Increment:
        increment = original(self, key, *args, **kwargs)
        fetched.append(increment.to_write().num_rows)
        return increment

    monkeypatch.setattr(sqlxy.Store, "resolve", resolve)
    ok, report, failures = _run(dg, sd.build_assets(tmp_path, observe_sources=False), resource)
    assert ok and report["t"]["new"] == 10 and report["t"]["written"] == 10, failures
    assert sum(fetched) == 0, f"{sum(fetched)} increment rows fetched into Python"


# --- what works -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("compute", "message"), [
    (lambda inc: inc, "cannot read rows from a Increment"),
    (lambda inc: pa.table({"video_chunk_id": inc.to_write()["video_chunk_id"],
                           "num_faces": [1] * inc.to_write().num_rows}),
     "rows lack sqlxy_provenance__faces"),
    (lambda inc: pa.concat_tables([_faces(inc), _faces(inc)]), "appear more than once"),
    (lambda inc: _faces(inc).append_column("zzz", pa.array([1] * inc.to_write().num_rows)), "unknown column(s) zzz"),
    (lambda inc: inc.to_write().append_column("num_faces", pa.array(["x"] * inc.to_write().num_rows)), "is not int"),
    (lambda inc: ({**r, "num_faces": 1} for r in inc.to_write().to_pylist()), "cannot read rows from a generator"),
])
def test_bad_rows_fail_in_one_line_and_write_nothing(sd: ModuleType, dg: ModuleType, seed_dir: Path,
                                                     compute: Any, message: str) -> None:
    assets = sd.build_assets(seed_dir, samples={"video/raw": lambda: SEED_VIDEOS}, compute={"video/faces": compute})
    resource = sd.SqlxyResource(project_dir=str(seed_dir))
    ok, _, failures = _run(dg, assets, resource)
    assert not ok and len(failures) == 1 and message in failures[0] and "\n" not in failures[0]
    with resource.open() as store:
        assert store.read("video/faces").num_rows == 0


def test_user_compute_raising_writes_nothing(sd: ModuleType, dg: ModuleType, seed_dir: Path) -> None:
    assets = sd.build_assets(seed_dir, samples={"video/raw": lambda: SEED_VIDEOS},
                             compute={"video/faces": lambda inc: 1 / 0})
    resource = sd.SqlxyResource(project_dir=str(seed_dir))
    ok, _, failures = _run(dg, assets, resource)
    assert not ok and failures == ["TRACEBACK ZeroDivisionError"]  # user code: its traceback is wanted
    with resource.open() as store:
        assert store.resolve("video/faces").counts()["new"] == 13


@pytest.mark.parametrize("kind", ["pandas", "polars", "dicts"])
def test_frames_and_dicts(sd: ModuleType, dg: ModuleType, seed_dir: Path, kind: str) -> None:
    convert = {"pandas": lambda t: t.to_pandas(), "dicts": lambda t: t.to_pylist(),
               "polars": lambda t: pytest.importorskip("polars").from_arrow(t)}[kind]
    assets = sd.build_assets(seed_dir, samples={"video/raw": lambda: convert(SEED_VIDEOS)},
                             compute={"video/faces": lambda inc: convert(_faces(inc))})
    ok, report, failures = _run(dg, assets, sd.SqlxyResource(project_dir=str(seed_dir)))
    assert ok and report["video/faces"]["written"] == 13, failures


EXPANSION = {
    "raw.yaml": "key: video/raw\nid_columns: [video_id]\ncolumns: {video_id: string, duration_s: float}\n"
                "fields: [default]\nsource: {versions: {default: v}}\n",
    "clip.yaml": "key: video/clip\nid_columns: [clip_id]\ncolumns: {video_id: string, clip_id: string}\n"
                 "fields: [default]\ndeps: [{feature: video/raw, select: [duration_s], "
                 "lineage: {expansion: {on: [video_id]}}}]\n",
    "total.yaml": "key: video/total\nid_columns: [video_id]\ncolumns: {video_id: string, n: int}\nfields: [default]\n"
                  "deps: [{feature: video/clip, lineage: {aggregation: {on: [video_id]}}}]\n",
}


def test_user_expansion_with_empty_parents_and_an_aggregation(sd: ModuleType, dg: ModuleType, tmp_path: Path) -> None:
    write_features(tmp_path, EXPANSION)
    state = {"raw": pa.table({"video_id": ["v1", "v2", "v3"], "duration_s": [10.0, 50.0, 60.0], "v": ["1"] * 3})}

    def clip(increment: sqlxy.Increment) -> Any:
        children, empty = [], []
        for row in increment.to_write().drop_columns(["duration_s"]).to_pylist():
            if row["video_id"] == "v1":
                empty.append(row)
            else:
                children += [{**row, "clip_id": f"{row['video_id']}_{i}"} for i in range(2)]
        return sd.Computed(children, empty)

    assets = sd.build_assets(tmp_path, samples={"video/raw": lambda: state["raw"]},
                             compute={"video/clip": clip, "video/total": lambda inc: inc.to_write().append_column(
                                 "n", pa.array([7] * inc.to_write().num_rows, pa.int64()))})
    resource = sd.SqlxyResource(project_dir=str(tmp_path))
    ok, first, failures = _run(dg, assets, resource)
    assert ok and (first["video/clip"]["written"], first["video/total"]["new"]) == (5, 2), failures
    ok, rerun, _ = _run(dg, assets, resource)
    assert all(r["written"] == r["retired"] == 0 for r in rerun.values())
    assert all(rerun[k]["dagster/data_version"] == first[k]["dagster/data_version"] for k in first)
    state["raw"] = pa.table({"video_id": ["v1", "v2"], "duration_s": [10.0, 50.0], "v": ["1", "2"]})
    ok, done, _ = _run(dg, assets, resource)
    assert (done["video/clip"]["stale"], done["video/clip"]["orphaned"], done["video/clip"]["retired"]) == (1, 1, 2)
    assert (done["video/total"]["stale"], done["video/total"]["orphaned"]) == (1, 1)
    with resource.open() as store:
        assert store.read("video/clip").num_rows == 2
        settled = {"new": 0, "stale": 0, "orphaned": 0}
        assert all(store.resolve(k).counts() == settled for k in ("video/clip", "video/total"))


@pytest.mark.parametrize(("kind", "values"), [("int", [1, 2, 3]), ("date", ["2024-01-01", "2024-01-02", "2024-01-03"]),
                                              ("string", ["a'b", "c\\d", "é\n"]), ("float", [0.1, 1e20, 2.5])])
def test_orphans_with_several_typed_ids(sd: ModuleType, dg: ModuleType, tmp_path: Path, kind: str,
                                        values: list[Any]) -> None:
    if kind == "date":
        import datetime as dt
        values = [dt.date.fromisoformat(v) for v in values]
    root = _root_project(tmp_path, "[k, s]", f"{{k: {kind}, s: string}}")
    state = {"rows": pa.table({"k": values, "s": ["x", "y", "z"], "v": ["1"] * 3})}
    assets = sd.build_assets(root, samples={"t": lambda: state["rows"]})
    resource = sd.SqlxyResource(project_dir=str(root))
    assert _run(dg, assets, resource)[0]
    state["rows"] = state["rows"].slice(0, 1)
    ok, report, _ = _run(dg, assets, resource)
    assert ok and (report["t"]["orphaned"], report["t"]["retired"]) == (2, 2)


@pytest.mark.parametrize(("settings", "message"), [
    ({"target": "nope"}, "unknown target 'nope'"),
    ({"postgres_dsn": "not a dsn"}, "cannot connect to target"),
    ({"project_dir": "/nonexistent/sqlxy"}, "does not exist"),
    ({"target": "dev", "duckdb_path": "x.duckdb"}, "give one of target, duckdb_path and postgres_dsn"),
])
def test_misconfigured_resource_fails_in_one_line(sd: ModuleType, dg: ModuleType, seed_dir: Path,
                                                  settings: dict[str, str], message: str) -> None:
    assets = sd.build_assets(seed_dir, samples={"video/raw": lambda: SEED_VIDEOS}, compute={"video/faces": _faces})
    resource = sd.SqlxyResource(**{"project_dir": str(seed_dir), **settings})
    ok, _, failures = _run(dg, assets, resource, selection=[dg.AssetKey(["video", "raw"])])
    assert not ok and len(failures) == 1 and message in failures[0] and "\n" not in failures[0]


def test_odd_but_distinct_keys(sd: ModuleType, dg: ModuleType, tmp_path: Path) -> None:
    spec = ("key: {k}\nid_columns: [a]\ncolumns: {{a: string}}\nfields: [default]\n"
            "source: {{versions: {{default: v}}}}\n")
    keys = ["9x/1-2", "a" * 30 + "/" + "b" * 30]
    write_features(tmp_path, {f"{i}.yaml": spec.format(k=k) for i, k in enumerate(keys)})
    assets = sd.build_assets(tmp_path, samples={k: (lambda: pa.table({"a": ["x"], "v": ["1"]})) for k in keys})
    ok, report, failures = _run(dg, assets, sd.SqlxyResource(project_dir=str(tmp_path)))
    assert ok and set(report) == set(keys), failures
