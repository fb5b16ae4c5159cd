"""End-to-end CLI: the seed pipeline through `sqlxy` commands, JSON output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from sqlxy.cli import main

from .conftest import SEED_VIDEOS


def sqlxy(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sqlxy", *args, "--project", str(project)],
                          capture_output=True, text=True)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_pipeline_through_the_cli(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = ["--project", str(seed_dir)]
    samples = seed_dir / "videos.csv"
    pacsv.write_csv(SEED_VIDEOS, samples)
    out = run_json(capsys, "resolve", "video/raw", "--samples", str(samples), "--json", *project)
    assert out["feature"] == "video/raw" and len(out["new"]) == 3 and out["stale"] == out["orphaned"] == []
    todo = seed_dir / "todo.parquet"
    assert main(["resolve", "video/raw", "--samples", str(samples), "--out", str(todo), *project]) == 0
    assert main(["write", "video/raw", "--input", str(todo), *project]) == 0
    assert main(["materialize", "video/chunk", *project]) == 0
    capsys.readouterr()
    status = run_json(capsys, "status", "--json", *project)
    assert {r["feature"]: r["new"] for r in status} == {"video/raw": None, "video/chunk": 0, "video/faces": 13}
    faces = seed_dir / "faces.parquet"
    assert main(["resolve", "video/faces", "--out", str(faces), *project]) == 0
    rows = pq.read_table(faces)
    pq.write_table(rows.append_column("num_faces", pa.array([2] * rows.num_rows)), faces)
    assert main(["write", "video/faces", "--input", str(faces), *project]) == 0
    capsys.readouterr()
    status = run_json(capsys, "status", "--json", *project)
    assert all(r["new"] in (0, None) and r["stale"] in (0, None) for r in status)
    read = run_json(capsys, "read", "video/faces", "--json", "--where", "video_id = 'v1'", *project)
    assert len(read) == 3 and {r["num_faces"] for r in read} == {2}
    assert main(["delete", "video/faces", "--where", "video_id = 'v1'", *project]) == 0
    assert main(["push", *project]) == 0
    assert "recorded" in capsys.readouterr().out


def test_human_output_and_graph_formats(seed_dir: Path) -> None:
    result = sqlxy(seed_dir, "versions")
    assert result.returncode == 0 and "video/faces" in result.stdout
    for fmt, marker in [("text", "video/chunk  <- video/raw (expansion)"), ("mermaid", "graph LR"),
                        ("dot", "digraph sqlxy"), ("json", '"lineage": "expansion"')]:
        result = sqlxy(seed_dir, "graph", "--format", fmt, "--fields")
        assert result.returncode == 0 and marker in result.stdout, result.stderr
    assert "video/chunk:frames" in sqlxy(seed_dir, "graph", "--format", "json", "--fields").stdout


def test_user_error_exits_1_with_one_message_and_no_traceback(seed_dir: Path) -> None:
    chunk = seed_dir / "features/video/chunk.yaml"
    chunk.write_text(chunk.read_text().replace("feature: video/raw", "feature: video/nope"))
    result = sqlxy(seed_dir, "compile")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: features/video/chunk.yaml:")
    assert "dependency 'video/nope' is not a feature (known: video/faces, video/raw)" in result.stderr
    assert not (seed_dir / "target").exists()


def test_bad_input_exits_1_and_writes_nothing(seed_dir: Path) -> None:
    bad = seed_dir / "bad.json"
    bad.write_text(json.dumps([{"video_id": "v1", "audio_version": "a|b", "frames_version": "f"}]))
    result = sqlxy(seed_dir, "resolve", "video/raw", "--samples", str(bad))
    assert result.returncode == 1 and "audio_version" in result.stderr and "Traceback" not in result.stderr
    result = sqlxy(seed_dir, "delete", "video/raw", "--where", "1=1; DROP TABLE video__raw")
    assert result.returncode == 1 and "statements" in result.stderr


def test_diff_against_a_base_manifest(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", "--project", str(seed_dir)]) == 0
    base = seed_dir / "base.json"
    base.write_text((seed_dir / "target/manifest.json").read_text())
    raw = seed_dir / "features/video/raw.yaml"
    raw.write_text(raw.read_text().replace('key: audio\n    code_version: "1"', 'key: audio\n    code_version: "2"')
                   .replace("one sample per file", "one sample per video file"))
    capsys.readouterr()
    plan = run_json(capsys, "diff", "--base", str(base), "--json", "--project", str(seed_dir))
    assert plan["counted_on"] is None  # diff is `plan --base MANIFEST --no-counts`: no target opened
    changes = {e["feature"]: (e["change"], {f["field"]: [r["kind"] for r in f["reasons"]]
                                            for f in e["fields"] if f["change"] != "unchanged"})
               for e in plan["features"]}
    assert changes == {"video/raw": ("changed", {"audio": ["code_version"]}),
                       "video/chunk": ("changed", {"audio": ["upstream"]}),
                       "video/faces": ("untouched", {})}
    raw.write_text(raw.read_text().replace('code_version: "2"', 'code_version: "1"'))
    plan = run_json(capsys, "diff", "--base", str(base), "--json", "--project", str(seed_dir))
    assert [e["change"] for e in plan["features"]] == ["spec only", "unchanged", "unchanged"]
    assert not (seed_dir / "target" / "sqlxy.duckdb").exists()


def test_help_lists_every_command() -> None:
    result = subprocess.run([sys.executable, "-m", "sqlxy", "--help"], capture_output=True, text=True)
    for command in ("compile", "versions", "graph", "resolve", "write", "read", "materialize", "status",
                    "diff", "delete", "push"):
        assert command in result.stdout
