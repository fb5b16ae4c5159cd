"""Attacks on `sqlxy plan` / `diff` (review): each test states what a user may rely on; those that
fail today are the bugs reported with them."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import sqlxy
from sqlxy.cli import main

from .conftest import SEED_VIDEOS
from .test_plan import _by_feature, _edit, _manifest, _pushed

H = "sqlxy_graph_history"
AUDIO_1 = 'key: audio\n    code_version: "1"'
AUDIO_2 = 'key: audio\n    code_version: "2"'


def _run(root: Path) -> dict[str, dict[str, int]]:
    """The pipeline feature by feature; each feature's resolve counts once its upstream has run."""
    found = {}
    with sqlxy.load_project(root).store() as store:
        raw = store.resolve("video/raw", samples=SEED_VIDEOS)
        found["video/raw"] = raw.counts()
        store.write("video/raw", raw.to_write())
        found["video/chunk"] = store.resolve("video/chunk").counts()
        store.materialize("video/chunk")
        faces = store.resolve("video/faces")
        found["video/faces"] = faces.counts()
        rows = faces.to_write()
        store.write("video/faces", rows.append_column(
            "num_faces", pc.cast(pc.utf8_length(rows["video_chunk_id"]), pa.int64())))
    return found


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- what works (passes today) -------------------------------------------------------------------

def test_frames_bump_counts_match_the_pipeline(seed_dir: Path) -> None:
    _pushed(seed_dir)
    _edit(seed_dir, "raw.yaml", 'key: frames\n    code_version: "1"', 'key: frames\n    code_version: "2"')
    plan = _by_feature(sqlxy.load_project(seed_dir).plan())
    actual = _run(seed_dir)
    for key in ("video/chunk", "video/faces"):
        assert {c: plan[key]["counts"][c] for c in ("new", "stale", "orphaned")} == actual[key], key


def test_a_damaged_history_without_a_column_is_a_user_error(seed_dir: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _pushed(seed_dir)
    with duckdb.connect(str(seed_dir / "target" / "sqlxy.duckdb")) as con:
        con.execute(f"ALTER TABLE {H} DROP COLUMN spec_json")
    code, _, err = _cli(capsys, "plan", "--project", str(seed_dir))
    assert code == 1 and "Traceback" not in err


# --- bugs (fail today) ---------------------------------------------------------------------------

def test_after_a_revert_and_push_the_plan_is_against_what_was_pushed_last(seed_dir: Path) -> None:
    """push v1, write under v2, revert to v1 and push again: the target's last push is v1, so
    nothing changed. Today push() finds v1 recorded, records nothing, and plan compares with v2."""
    _pushed(seed_dir)
    _edit(seed_dir, "raw.yaml", AUDIO_1, AUDIO_2)
    with sqlxy.load_project(seed_dir).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    _edit(seed_dir, "raw.yaml", AUDIO_2, AUDIO_1)
    project = sqlxy.load_project(seed_dir)
    with project.store() as store:
        store.push()
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
    plan = project.plan()
    assert plan["project_version"]["base"] == project.versions.project
    assert [e["change"] for e in plan["features"]] == ["unchanged"] * 3


def test_a_hash_change_is_reported_as_such_on_every_field(seed_dir: Path) -> None:
    """Only the hash setting changed: chunk and faces must not blame the SQL definition or an
    upstream field (both differ only because every hash does)."""
    base = _manifest(seed_dir)
    (seed_dir / "sqlxy.yaml").write_text("hash: sha256\n", encoding="utf-8")
    plan = sqlxy.load_project(seed_dir).plan(base=base, counts=False)
    kinds = {(e["feature"], f["field"]): [r["kind"] for r in f["reasons"]] for e in plan["features"]
             for f in e["fields"]}
    assert set(map(tuple, kinds.values())) == {("hash",)}, kinds


@pytest.mark.parametrize("text", [
    "[" * 100_000,                                       # RecursionError
    '{"features": {}, "n": ' + "1" * 5000 + "}",         # ValueError (int digits limit)
], ids=["deep nesting", "huge integer"])
def test_a_hostile_manifest_is_a_user_error(seed_dir: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    (seed_dir / "base.json").write_text(text, encoding="utf-8")
    code, _, err = _cli(capsys, "plan", "--base", str(seed_dir / "base.json"), "--no-counts",
                        "--project", str(seed_dir))
    assert code == 1 and "internal error" not in err, err


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_manifest_with_a_lone_surrogate_is_a_user_error(seed_dir: Path, json_flag: list[str]) -> None:
    """JSON \\ud800 decodes to a str that cannot be printed as UTF-8: exit 2 today."""
    base = _manifest(seed_dir)
    data = json.loads(base.read_text(encoding="utf-8"))
    data["features"]["video/raw\ud800"] = data["features"]["video/raw"]
    base.write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sqlxy", "plan", "--base", str(base), "--no-counts", *json_flag,
                           "--project", str(seed_dir)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], check=False)
    assert done.returncode == 1 and "internal error" not in done.stderr, done.stderr


@pytest.mark.parametrize("patch", [
    {"manifest_version": 999},
    {"features.video/raw.fields.audio.code_version": 0},
    {"features.video/chunk.definition": False},
], ids=["manifest_version from the future", "code_version 0", "definition false"])
def test_manifests_sqlxy_cannot_read_are_refused(seed_dir: Path, capsys: pytest.CaptureFixture[str],
                                                 patch: dict[str, Any]) -> None:
    base = _manifest(seed_dir)
    data = json.loads(base.read_text(encoding="utf-8"))
    for path, value in patch.items():
        *parents, last = path.replace("video/", "video|").split(".")
        node = data
        for part in parents:
            node = node[part.replace("|", "/")]
        node[last] = value
    base.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = _cli(capsys, "plan", "--base", str(base), "--no-counts", "--project", str(seed_dir))
    assert code == 1, "accepted"
    assert str(base) in err and "internal error" not in err, err


DAMAGE = {
    "huge int": "UPDATE {H} SET spec_json = repeat('1', 5000) WHERE feature_key = 'video/chunk'",
    "deep": "UPDATE {H} SET spec_json = repeat('[', 100000) WHERE feature_key = 'video/chunk'",
    "key not text": "UPDATE {H} SET spec_json = replace(spec_json, '\"key\":\"video/chunk\"', '\"key\":5') "
                    "WHERE feature_key = 'video/chunk'",
    "field key not text": "UPDATE {H} SET spec_json = replace(spec_json, '\"key\":\"audio\"', '\"key\":5') "
                          "WHERE feature_key = 'video/chunk'",
    "code_version not text": "UPDATE {H} SET spec_json = replace(spec_json, '\"code_version\":\"1\"', "
                             "'\"code_version\":1') WHERE feature_key = 'video/raw'",
    "null feature_key": "UPDATE {H} SET feature_key = NULL WHERE feature_key = 'video/raw'",
    "null project_version": "UPDATE {H} SET project_version = NULL",
    "null spec_hash": "UPDATE {H} SET spec_hash = NULL WHERE feature_key = 'video/chunk'",
    "columns not pairs": "UPDATE {H} SET spec_json = replace(spec_json, '[\"path\",\"string\"]', '[\"path\"]') "
                         "WHERE feature_key = 'video/raw'",
    "surrogate": "UPDATE {H} SET spec_json = replace(spec_json, 'Ten-second', '\\ud800') "
                 "WHERE feature_key = 'video/chunk'",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_history_is_a_user_error(seed_dir: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    _pushed(seed_dir)
    with duckdb.connect(str(seed_dir / "target" / "sqlxy.duckdb")) as con:
        con.execute(DAMAGE[damage].format(H=H))
    code, _, err = _cli(capsys, "plan", "--project", str(seed_dir))
    assert code == 1 and "internal error" not in err, err
    assert H in err, err  # the message names the table


@pytest.mark.parametrize("later", ["", " + INTERVAL 1 SECOND"], ids=["same time", "one second later"])
def test_a_version_recorded_twice_still_plans(seed_dir: Path, later: str) -> None:
    """Two writers' first writes under a new version race (count, then insert): the version's rows
    are there twice, alike. `explain` (history.recorded_graph) takes that; plan refuses it."""
    _pushed(seed_dir)
    with duckdb.connect(str(seed_dir / "target" / "sqlxy.duckdb")) as con:
        con.execute(f"INSERT INTO {H} SELECT project_version, feature_key, feature_version, spec_hash, spec_json, "
                    f"pushed_at{later} FROM {H}")
    _edit(seed_dir, "raw.yaml", AUDIO_1, AUDIO_2)
    plan = _by_feature(sqlxy.load_project(seed_dir).plan())
    assert plan["video/raw"]["change"] == "changed"


def test_rows_under_an_older_version_count_even_when_the_base_is_current(seed_dir: Path) -> None:
    """main pushes the audio bump before the pipeline ran it: the target's rows are still under the
    old version, a run recomputes 3 videos and 3 parents' chunks; plan says nothing to recompute."""
    _pushed(seed_dir)
    _edit(seed_dir, "raw.yaml", AUDIO_1, AUDIO_2)
    with sqlxy.load_project(seed_dir).store() as store:
        store.push()
    plan = sqlxy.load_project(seed_dir).plan()
    actual = _run(seed_dir)
    assert actual["video/raw"]["stale"] == 3 and actual["video/chunk"]["stale"] == 3
    assert plan["recompute"] is True


def test_a_definition_change_upstream_makes_downstream_counts_a_lower_bound(
        seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """chunk's expansion makes 25 chunks instead of 13: faces will have 12 new samples. The review
    asked for them to be counted; no count over chunk's table can see chunks that only its next
    run makes, and predicting them would mean running chunk's expansion inside faces' count. So
    the design changed instead: faces' counts say they are a lower bound (`exact: false`, "at
    least … once upstream runs"), chunk's own (its new definition, its own resolve) stay exact."""
    _pushed(seed_dir)
    _edit(seed_dir, "chunk.yaml", "duration_s / 10.0", "duration_s / 5.0")
    plan = _by_feature(sqlxy.load_project(seed_dir).plan())
    chunk, faces = plan["video/chunk"], plan["video/faces"]
    assert faces["resampled_deps"] == ["video/chunk"] and chunk["resampled_deps"] == []
    assert chunk["counts"]["exact"] is True and faces["counts"]["exact"] is False
    code, out, _ = _cli(capsys, "plan", "--project", str(seed_dir))
    assert code == 0
    faces_line = next(line for line in out.splitlines() if line.startswith("video/faces"))
    assert "samples of video/chunk may change" in faces_line
    assert "at least 13 new, stale or orphaned once upstream runs" in faces_line
    actual = _run(seed_dir)
    assert {c: chunk["counts"][c] for c in ("new", "stale", "orphaned")} == actual["video/chunk"]
    assert actual["video/faces"] == {"new": 12, "stale": 13, "orphaned": 0}
    assert sum(faces["counts"][c] for c in ("new", "stale", "orphaned")) <= sum(actual["video/faces"].values())


def test_untouched_is_not_claimed_when_the_upstream_sample_set_changes(seed_dir: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """faces reads no field of chunk; chunk's expansion changes: faces gets 12 new samples, yet plan
    says `unchanged (reads no field of video/chunk)  0` and --select video/faces --exit-code exits 0."""
    _edit(seed_dir, "faces.yaml", "{feature: video/chunk, fields: [frames]}", "{feature: video/chunk, fields: []}")
    _pushed(seed_dir)
    _edit(seed_dir, "chunk.yaml", "duration_s / 10.0", "duration_s / 5.0")
    code, _, _ = _cli(capsys, "plan", "--exit-code", "--select", "video/faces", "--project", str(seed_dir))
    assert _run(seed_dir)["video/faces"]["new"] == 12
    assert code == 3


def test_select_a_removed_feature(seed_dir: Path) -> None:
    _pushed(seed_dir)
    (seed_dir / "features" / "video" / "faces.yaml").unlink()
    plan = sqlxy.load_project(seed_dir).plan(select=["video/faces"])
    assert [(e["feature"], e["change"]) for e in plan["features"]] == [("video/faces", "removed")]


def test_plan_does_not_checkpoint_a_pending_wal(seed_dir: Path) -> None:
    """A DuckDB file with a write-ahead log left by a killed writer: plan opens it read-only, so the
    log is replayed in memory and neither the file nor the .wal is touched."""
    _pushed(seed_dir)
    db = seed_dir / "target" / "sqlxy.duckdb"
    subprocess.run([sys.executable, "-c", (
        f"import duckdb, os; c = duckdb.connect({str(db)!r}); c.execute(\"SET wal_autocheckpoint='1GB'\"); "
        "c.execute('CHECKPOINT'); c.execute('CREATE TABLE junk AS SELECT 1 AS x'); os._exit(0)")],
        check=True)

    def files() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(db.parent.iterdir())
                if p.is_file()}
    before = files()
    assert "sqlxy.duckdb.wal" in before
    sqlxy.load_project(seed_dir).plan()
    assert files() == before


# --- added with the fixes ------------------------------------------------------------------------

def test_push_records_a_version_again_when_it_is_not_the_latest(seed_dir: Path) -> None:
    """The history is a log: v1, then v2 (a write), then v1 again (push after a revert)."""
    _pushed(seed_dir)
    _edit(seed_dir, "raw.yaml", AUDIO_1, AUDIO_2)
    with sqlxy.load_project(seed_dir).store() as store:
        assert store.push() is True
        assert store.push() is False  # the latest recorded is this version
    _edit(seed_dir, "raw.yaml", AUDIO_2, AUDIO_1)
    with sqlxy.load_project(seed_dir).store() as store:
        assert store.push() is True
        assert store.push() is False
    with duckdb.connect(str(seed_dir / "target" / "sqlxy.duckdb")) as con:
        recorded = con.execute(f"SELECT project_version FROM {H} GROUP BY project_version, pushed_at "
                               "ORDER BY pushed_at").fetchall()
    assert len(recorded) == 3 and recorded[0] == recorded[2] != recorded[1]


@pytest.mark.parametrize("kind", ["device", "oversized"])
def test_a_huge_manifest_is_refused_before_it_is_read(seed_dir: Path, capsys: pytest.CaptureFixture[str],
                                                      kind: str) -> None:
    if kind == "device":
        path = Path("/dev/zero")
    else:
        path = seed_dir / "big.json"
        with path.open("wb") as file:
            file.truncate((64 << 20) + 1)  # sparse: nothing written
    code, _, err = _cli(capsys, "plan", "--base", str(path), "--no-counts", "--project", str(seed_dir))
    assert code == 1 and str(path) in err and "64 MiB" in err, err


def test_the_manifest_of_another_project_is_refused(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _manifest(seed_dir)
    data = json.loads(base.read_text(encoding="utf-8"))
    data["features"] = {key.replace("video/", "audio/"): entry for key, entry in data["features"].items()}
    base.write_text(json.dumps(data | {"project": "elsewhere"}), encoding="utf-8")
    code, _, err = _cli(capsys, "plan", "--base", str(base), "--no-counts", "--project", str(seed_dir))
    assert code == 1 and "manifest of project 'elsewhere'" in err, err
    base.write_text(json.dumps(data), encoding="utf-8")  # same project: every feature replaced
    plan = sqlxy.load_project(seed_dir).plan(base=base, counts=False)
    assert sorted({e["change"] for e in plan["features"]}) == ["added", "removed"]


def test_an_unknown_target_is_an_error_without_counts_too(seed_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = _manifest(seed_dir)
    code, _, err = _cli(capsys, "plan", "--base", str(base), "--no-counts", "--target", "nope",
                        "--project", str(seed_dir))
    assert code == 1 and "unknown target 'nope'" in err, err
    assert not (seed_dir / "target" / "sqlxy.duckdb").exists()


def test_a_removed_field_pushed_before_the_pipeline_ran_makes_no_row_stale(seed_dir: Path) -> None:
    """Rows under an older version count as stale by version only where that version had a field
    at another version (or lacked one); chunk's old version differs only by a field removed since."""
    _pushed(seed_dir)
    _edit(seed_dir, "chunk.yaml", "fields: [audio, frames]", "fields: [frames]")
    with sqlxy.load_project(seed_dir).store() as store:
        store.push()
    result = sqlxy.load_project(seed_dir).plan()
    plan = _by_feature(result)
    assert [e["change"] for e in plan.values()] == ["unchanged"] * 3 and result["recompute"] is False
    assert plan["video/chunk"]["counts"] == {"new": 0, "stale": 0, "orphaned": 0, "by_version": 0,
                                             "per": ["video_id"], "stale_fields": [], "exact": True}
    assert _run(seed_dir)["video/chunk"] == {"new": 0, "stale": 0, "orphaned": 0}


def test_rows_under_a_version_the_history_lost_count_as_stale(seed_dir: Path) -> None:
    """A version the history does not hold cannot be compared field by field: its rows count."""
    _pushed(seed_dir)
    _edit(seed_dir, "raw.yaml", AUDIO_1, AUDIO_2)
    with sqlxy.load_project(seed_dir).store() as store:
        store.push()
    with duckdb.connect(str(seed_dir / "target" / "sqlxy.duckdb")) as con:
        con.execute(f"DELETE FROM {H} WHERE project_version <> (SELECT arg_max(project_version, pushed_at) "
                    f"FROM {H})")
    plan = _by_feature(sqlxy.load_project(seed_dir).plan())
    assert plan["video/raw"]["counts"]["by_version"] == 3 and plan["video/chunk"]["counts"]["by_version"] == 3
