"""Overview walkthrough: video → crop → face detection (frames), video → speech-to-text (audio).

An audio algorithm change in video/raw touches video/crop and video/stt, never face detection.
Run it with `python examples/overview/run.py`; it works on a temporary copy of its features.
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

import sqlxy

HERE = Path(__file__).resolve().parent

VIDEOS = pa.table({"video_id": ["v1", "v2"], "path": ["s3://v/1.mp4", "s3://v/2.mp4"],
                   "audio_sha": ["a1", "a2"], "frames_sha": ["f1", "f2"]})

COMPUTE = {  # stands in for the models: one column per feature, computed column-wise
    "video/crop": ("crop_path", lambda rows: pc.binary_join_element_wise("s3://crops/", rows["video_id"], "")),
    "video/face_detection": ("num_faces", lambda rows: pc.cast(pc.utf8_length(rows["video_id"]), pa.int64())),
    "video/stt": ("transcript", lambda rows: pc.binary_join_element_wise("words of ", rows["video_id"], "")),
}


def run_pipeline(project_dir: Path) -> dict[str, dict[str, Any]]:
    project = sqlxy.load_project(project_dir)
    report: dict[str, dict[str, Any]] = {}
    with project.store() as store:
        for key in project.features:  # topological order
            increment = store.resolve(key, samples=VIDEOS if key == "video/raw" else None)
            rows = increment.to_write()
            if key in COMPUTE:
                column, compute = COMPUTE[key]
                rows = rows.append_column(column, compute(rows))
            store.write(key, rows)
            fields = sorted({f for fs in increment.stale.column("sqlxy_stale_fields").to_pylist() for f in fs})
            report[key] = increment.counts() | {"stale_fields": fields}
    return report


def bump_code_version(project_dir: Path, field: str, version: str) -> None:
    path = project_dir / "features/video.yaml"
    text, count = re.subn(rf'\{{key: {field}, code_version: "[^"]*"\}}', f'{{key: {field}, code_version: "{version}"}}',
                          path.read_text(encoding="utf-8"), count=1)
    if count != 1:
        raise SystemExit(f"no field {field} in {path}")
    path.write_text(text, encoding="utf-8")


def walkthrough(project_dir: Path) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    steps = [("1. initial run", run_pipeline(project_dir)), ("2. idempotent rerun", run_pipeline(project_dir))]
    bump_code_version(project_dir, "audio", "2")
    steps.append(("3. audio code_version 1 → 2, run", run_pipeline(project_dir)))
    return steps


def copy_project(destination: Path) -> Path:
    shutil.copytree(HERE / "features", destination / "features")
    return destination


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory() as temp:
        for title, report in walkthrough(copy_project(Path(temp))):
            print(title)
            for key, c in report.items():
                fields = f" on {c['stale_fields']}" if c["stale"] else ""
                print(f"  {key:22} new {c['new']}  stale {c['stale']}{fields}  orphaned {c['orphaned']}")


if __name__ == "__main__":
    main()
