"""The seed walkthrough (examples/expansion) and its re-chunking corner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

import sqlxy

from .conftest import REPO, SEED_VIDEOS, load_example


def test_seed_walkthrough_steps(tmp_path: Path) -> None:
    example = load_example("expansion")
    steps = dict(example.walkthrough(example.copy_project(tmp_path)))
    first, second, bump, rerun, five, twenty, last = steps.values()
    assert first["video/raw"]["new"] == 3
    assert first["video/chunk"]["new"] == 3  # one row per parent video
    assert first["video/faces"]["new"] == first["video/chunk"]["rows"] == 3 + 5 + 5
    for report in (second, rerun, last):
        assert all(c["new"] == c["stale"] == c["orphaned"] == 0 for c in report.values())
    assert (bump["video/raw"]["stale"], bump["video/raw"]["stale_fields"]) == (3, ["audio"])
    assert (bump["video/chunk"]["stale"], bump["video/chunk"]["stale_fields"]) == (3, ["audio"])
    assert bump["video/faces"] == {"new": 0, "stale": 0, "orphaned": 0, "stale_fields": []}
    # the chunk length is part of video/chunk's SQL definition: 10 s → 5 s regenerates every chunk
    assert five["video/raw"] == {"new": 0, "stale": 0, "orphaned": 0, "stale_fields": []}
    assert (five["video/chunk"]["stale"], five["video/chunk"]["stale_fields"]) == (3, ["audio", "frames"])
    assert five["video/chunk"]["rows"] == 6 + 9 + 10
    assert (five["video/faces"]["new"], five["video/faces"]["stale"]) == (25 - 13, 13)
    # 5 s → 20 s: the chunks past the new ends are orphaned downstream
    assert twenty["video/chunk"]["rows"] == 2 + 3 + 3
    assert (twenty["video/faces"]["stale"], twenty["video/faces"]["orphaned"]) == (8, 25 - 8)


def test_walkthrough_script_prints_every_step() -> None:
    # The repo first on the path: the script runs on this checkout, installed or not.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, str(REPO / "examples/expansion/run.py")], check=True,
                         capture_output=True, text=True, env=env).stdout
    assert "1. initial run" in out and "4. rerun" in out and "7. rerun" in out
    assert "stale   3 on ['audio']" in out


def _populate(store: sqlxy.Store) -> None:
    store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    store.materialize("video/chunk")
    faces = store.resolve("video/faces").to_write()
    store.write("video/faces", faces.append_column("num_faces", pa.array([1] * faces.num_rows)))


def test_rechunking_into_fewer_chunks_orphans_dropped_faces(seed_store: sqlxy.Store) -> None:
    _populate(seed_store)
    chunks = seed_store.read("video/chunk")
    v2 = chunks.filter(pc.equal(chunks["video_id"], "v2"))
    kept = v2.filter(pc.less(v2["chunk_index"], 2))  # v2 had 5 chunks; a new chunker makes 2
    seed_store.write("video/chunk", kept.select([c for c in kept.column_names
                                                 if not c.startswith("sqlxy_") or "__" in c]))
    assert seed_store.read("video/chunk").num_rows == 13 - 3
    orphaned = seed_store.resolve("video/faces").orphaned
    assert sorted(orphaned["video_chunk_id"].to_pylist()) == ["v2_2", "v2_3", "v2_4"]


def test_partial_write_keeps_siblings(seed_store: sqlxy.Store) -> None:
    _populate(seed_store)
    chunks = seed_store.read("video/chunk")
    one = chunks.filter(pc.equal(chunks["video_chunk_id"], "v2_0"))
    seed_store.write("video/chunk", one.select([c for c in one.column_names
                                                if not c.startswith("sqlxy_") or "__" in c]),
                     partial=True)
    assert seed_store.read("video/chunk").num_rows == 13
    assert seed_store.resolve("video/faces").counts() == {"new": 0, "stale": 0, "orphaned": 0}
