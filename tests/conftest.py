"""Shared fixtures: a temporary copy of the seed project and a DuckDB store on it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pytest
import yaml

import sqlxy

from .engines import ENGINES, target_config, unavailable

REPO = Path(__file__).resolve().parents[1]

SEED_VIDEOS = pa.table({
    "video_id": ["v1", "v2", "v3"],
    "path": ["v1.mp4", "v2.mp4", "v3.mp4"],
    "duration_s": [30.0, 45.0, 50.0],
    "audio_version": ["a1", "a2", "a3"],
    "frames_version": ["f1", "f2", "f3"],
})


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A fresh copy of the default project (the seed's video pipeline)."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    return tmp_path


@pytest.fixture
def seed_project(seed_dir: Path) -> sqlxy.Project:
    return sqlxy.load_project(seed_dir)


@pytest.fixture
def seed_store(seed_project: sqlxy.Project) -> Iterator[sqlxy.Store]:
    with seed_project.store() as store:
        yield store


def load_example(name: str) -> ModuleType:
    """examples/<name>/run.py as a module, to drive its walkthrough from a test."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{name}_example", REPO / f"examples/{name}/run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_features(root: Path, files: dict[str, str], config: str | None = None) -> Path:
    """A project in `root` made of the given feature files (path below features/ → YAML text)."""
    for name, text in files.items():
        path = root / "features" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if config is not None:
        (root / "sqlxy.yaml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture(params=ENGINES)
def engine_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of the default project whose default target is a fresh database of one engine (the
    module using it imports the engine fixtures `postgres_dsn` and `spark_session`)."""
    shutil.copytree(REPO / "features", tmp_path / "features")
    config = target_config(request.param, request, tmp_path)
    (tmp_path / "sqlxy.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


@pytest.fixture
def store(engine_dir: Path) -> Iterator[sqlxy.Store]:
    """A store on `engine_dir`'s target."""
    with sqlxy.load_project(engine_dir).store() as opened:
        yield opened


def write_videos(store: sqlxy.Store, durations: list[float | None], audio: str = "a") -> None:
    """Resolve and write the first len(durations) seed videos with these durations (NULL allowed)
    and input versions `<audio><i>` for audio."""
    videos = SEED_VIDEOS.slice(0, len(durations))
    videos = videos.set_column(videos.schema.get_field_index("duration_s"), "duration_s",
                               pa.array(durations, pa.float64()))
    videos = videos.set_column(videos.schema.get_field_index("audio_version"), "audio_version",
                               pa.array([f"{audio}{i}" for i in range(len(durations))]))
    store.write("video/raw", store.resolve("video/raw", samples=videos).to_write())


# -- Dagster (sqlxy.dagster): `dg` is the dagster module, `sd` sqlxy's integration ----------------

@pytest.fixture
def dg() -> ModuleType:
    try:
        import dagster
    except ImportError:
        unavailable("dagster is not installed: pip install 'sqlxy[dagster]'")
    return dagster


@pytest.fixture
def sd(dg: ModuleType) -> ModuleType:
    import sqlxy.dagster

    return sqlxy.dagster
