"""`compact` never changes an answer (issue 9): random sequences of root writes, materialize, face
writes, soft and hard deletes and code bumps run on two DuckDB databases, and the second is also
compacted after most steps, every feature with a random history. After every compact, `read`
(timestamps aside: each database stamped its own rows) and every increment of the compacted
database equal those of the reference, which never compacts; at the end `status` too. Every
example starts from the seed pipeline run once, so that sequences reaching a tombstone and then a
compact are common (without it, 60 examples missed a compact that resurfaced deleted samples)."""

from __future__ import annotations

import shutil
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sqlxy

from .conftest import REPO
from .test_compact import KEYS, STAMPS, answers, bump_frames, write_faces

VIDEOS = ("v1", "v2", "v3")  # few, so that steps meet the same samples

WRITE = st.tuples(st.just("write"), st.lists(st.sampled_from(VIDEOS), min_size=1, max_size=3, unique=True),
                  st.sampled_from([0.0, 10.0, 25.0, None]), st.sampled_from("ab"))
DELETE = st.tuples(st.just("delete"), st.sampled_from(KEYS), st.sampled_from(VIDEOS), st.booleans())
ACTION = st.one_of(WRITE, DELETE, st.just(("materialize",)), st.just(("faces",)), st.just(("bump",)))
#: After each action the compacted database is compacted, every feature with this history, or not.
KEEP = st.sampled_from(["not", None, 0, 1, 2, "1h", "0s"])
STEP = st.tuples(ACTION, KEEP)
SETUP = [("write", list(VIDEOS), 25.0, "a"), ("materialize",), ("faces",)]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> tuple[sqlxy.Project, sqlxy.Project]:
    """The seed project as it is, and after a code bump of video/raw's frames."""
    folders = []
    for version in ("1", "2"):
        folder = tmp_path_factory.mktemp(f"frames{version}")
        shutil.copytree(REPO / "features", folder / "features")
        bump_frames(folder, version)
        folders.append(folder)
    return sqlxy.load_project(folders[0]), sqlxy.load_project(folders[1])


def _samples(videos: list[str], duration: float | None, audio: str) -> pa.Table:
    return pa.table({"video_id": videos, "path": [f"{v}.mp4" for v in videos],
                     "duration_s": pa.array([duration] * len(videos), pa.float64()),
                     "audio_version": [f"{audio}{v}" for v in videos],
                     "frames_version": [f"f{v}" for v in videos]})


def _apply(store: sqlxy.Store, step: tuple[Any, ...]) -> None:
    """One step of the pipeline (compact aside), on one database."""
    kind = step[0]
    if kind == "write":
        rows = store.resolve("video/raw", samples=_samples(*step[1:])).to_write()
        store.write("video/raw", rows)
    elif kind == "delete":
        _, key, video, hard = step
        store.delete(key, f"video_id = '{video}'", hard=hard)
    elif kind == "materialize":
        store.materialize("video/chunk")
    elif kind == "faces":
        write_faces(store)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=10))
def test_compact_changes_no_answer(projects: tuple[sqlxy.Project, sqlxy.Project],
                                   steps: list[tuple[tuple[Any, ...], Any]]) -> None:
    reference_db, compacted_db = duckdb.connect(), duckdb.connect()
    version = 0
    reference, compacted = (projects[version].store(connection=db) for db in (reference_db, compacted_db))
    try:
        for action in SETUP:  # every feature has samples to delete from the first step on
            _apply(reference, action)
            _apply(compacted, action)
        for action, keep in steps:
            if action[0] == "bump":  # the other code version of frames, same databases
                version = 1 - version
                reference, compacted = (projects[version].store(connection=db)
                                        for db in (reference_db, compacted_db))
            _apply(reference, action)
            _apply(compacted, action)
            if keep != "not":
                for key in KEYS:
                    compacted.compact(key, keep_history=keep)
                assert answers(compacted, STAMPS, status=False) == answers(reference, STAMPS, status=False), steps
        assert answers(compacted, STAMPS) == answers(reference, STAMPS), steps
    finally:
        reference_db.close()
        compacted_db.close()
