"""The seed's video walkthrough, end to end on embedded DuckDB.

video/raw (root, samples from the "pipeline") → video/chunk (1:N expansion, generated in SQL)
→ video/faces (reads only the chunks' frames). Four steps: initial run, idempotent rerun, a code
change to video/raw's audio field followed by a run (the prunable update), a rerun, then
re-chunking: the chunk length in video/chunk's `generate` goes from 10 s to 5 s (every chunk is
regenerated; faces sees the new chunks and the changed ones) and from 5 s to 20 s (the chunks past
the new ends are orphaned), each followed by nothing left to do.

Run it with `python examples/expansion/run.py`; it works on a temporary copy of the project.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

import sqlxy

REPO = Path(__file__).resolve().parents[2]

VIDEOS = pa.table({
    "video_id": ["v1", "v2", "v3"],
    "path": ["s3://videos/v1.mp4", "s3://videos/v2.mp4", "s3://videos/v3.mp4"],
    "duration_s": [30.0, 45.0, 50.0],
    "audio_version": ["a1", "a2", "a3"],     # e.g. a hash of the decoded audio track
    "frames_version": ["f1", "f2", "f3"],
})


def detect_faces(rows: pa.Table) -> pa.Table:
    """Stands in for a model: a face count per chunk, computed column-wise."""
    faces = pc.cast(pc.utf8_length(rows.column("video_chunk_id")), pa.int64())
    return rows.append_column("num_faces", faces)


def run_pipeline(project_dir: Path) -> dict[str, dict[str, Any]]:
    """One pass over the graph in topological order; returns what each feature had to do."""
    project = sqlxy.load_project(project_dir)
    report: dict[str, dict[str, Any]] = {}
    with project.store() as store:
        raw = store.resolve("video/raw", samples=VIDEOS)
        store.write("video/raw", raw.to_write())
        report["video/raw"] = _summary(raw)

        chunk = store.resolve("video/chunk")
        store.materialize("video/chunk")  # the chunks are generated inside the database
        report["video/chunk"] = _summary(chunk)

        faces = store.resolve("video/faces")
        store.write("video/faces", detect_faces(faces.to_write()))
        if faces.orphaned.num_rows:  # their chunks are gone: retire them (soft delete)
            gone = exp.column("video_chunk_id").isin(*faces.orphaned.column("video_chunk_id").to_pylist())
            store.delete("video/faces", gone.sql("duckdb"))
        report["video/faces"] = _summary(faces)
        report["video/chunk"]["rows"] = store.read("video/chunk").num_rows
    return report


def _summary(increment: sqlxy.Increment) -> dict[str, Any]:
    stale_fields = sorted({f for fields in increment.stale.column("sqlxy_stale_fields").to_pylist()
                           for f in fields})
    return {**increment.counts(), "stale_fields": stale_fields}


def bump_code_version(project_dir: Path, feature_file: str, field: str, version: str) -> None:
    path = project_dir / feature_file
    text = path.read_text(encoding="utf-8")
    pattern = rf'(- key: {field}\n\s+code_version: )"[^"]*"'
    updated, count = re.subn(pattern, rf'\1"{version}"', text)
    if count != 1:
        raise SystemExit(f"could not find field {field} in {path}")
    path.write_text(updated, encoding="utf-8")


def set_chunk_length(project_dir: Path, seconds: int) -> None:
    """Edit the chunk length in video/chunk's generate block: its SQL definition changes."""
    path = project_dir / "features/video/chunk.yaml"
    text = path.read_text(encoding="utf-8")
    updated = re.sub(r"duration_s / [0-9.]+\)", f"duration_s / {seconds:.1f})", text)
    updated = re.sub(r"chunk_index \* [0-9.]+", f"chunk_index * {seconds:.1f}", updated)
    if updated == text:
        raise SystemExit(f"could not find the chunk length in {path}")
    path.write_text(updated, encoding="utf-8")


def walkthrough(project_dir: Path) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    steps = [("1. initial run", run_pipeline(project_dir)),
             ("2. idempotent rerun", run_pipeline(project_dir))]
    bump_code_version(project_dir, "features/video/raw.yaml", "audio", "2")
    steps.append(("3. audio code_version 1 → 2, run", run_pipeline(project_dir)))
    steps.append(("4. rerun", run_pipeline(project_dir)))
    set_chunk_length(project_dir, 5)
    steps.append(("5. chunks of 10 s → 5 s, run", run_pipeline(project_dir)))
    set_chunk_length(project_dir, 20)
    steps.append(("6. chunks of 5 s → 20 s, run", run_pipeline(project_dir)))
    steps.append(("7. rerun", run_pipeline(project_dir)))
    return steps


def copy_project(destination: Path) -> Path:
    shutil.copytree(REPO / "features", destination / "features")
    return destination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="run in DIR (kept afterwards) instead of a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(args.keep) if args.keep else Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        for title, report in walkthrough(copy_project(folder)):
            print(title)
            for key, counts in report.items():
                fields = f" on {counts['stale_fields']}" if counts["stale"] else ""
                print(f"  {key:12} new {counts['new']:3}  stale {counts['stale']:3}{fields}  "
                      f"orphaned {counts['orphaned']}")


if __name__ == "__main__":
    main()
