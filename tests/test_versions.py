"""Static versions (SPEC §4): field, feature and project versions, spec hashes."""

from __future__ import annotations

from pathlib import Path

import sqlxy
from sqlxy.provenance import digest

from .conftest import REPO


def _seed(tmp_path: Path, raw_audio: str = "1", description: str | None = None) -> sqlxy.Project:
    (tmp_path / "features/video").mkdir(parents=True)
    for name in ("raw", "chunk", "faces"):
        text = (REPO / f"features/video/{name}.yaml").read_text()
        if name == "raw":
            text = text.replace('key: audio\n    code_version: "1"', f'key: audio\n    code_version: "{raw_audio}"')
            if description:
                text = text.replace("description: Source videos, one sample per file",
                                    f"description: {description}")
        (tmp_path / f"features/video/{name}.yaml").write_text(text)
    return sqlxy.load_project(tmp_path)


#: The canonical definition of the seed's video/chunk (SPEC §4): pinned, since any change to it
#: changes every chunk's provenance.
CHUNK_DEFINITION = (
    '{"columns":{"chunk_index":"int","duration_s":"float","path":"string","start_s":"float",'
    '"video_chunk_id":"string","video_id":"string"},'
    '"expansion":{"feature":"video/raw","filter":null,"generate":{"columns":{"start_s":"chunk_index * 10.0",'
    '"video_chunk_id":"video_id || \'_\' || CAST(chunk_index AS TEXT)"},'
    '"count":"CAST(CEIL(duration_s / 10.0) AS INT)","index":"chunk_index"},"on":["video_id"],"rename":{},'
    '"select":["duration_s","path"]}}'
)


def test_field_feature_and_project_versions_follow_the_formulas(seed_project: sqlxy.Project) -> None:
    v = seed_project.versions
    raw_audio = digest("video/raw:audio|1")
    raw_frames = digest("video/raw:frames|1")
    assert v.fields[("video/raw", "audio")] == raw_audio
    # video/chunk generates its rows in SQL: its code versions carry D, the definition hash
    definition = digest(CHUNK_DEFINITION)
    assert v.definitions == {"video/chunk": definition}
    chunk_frames = digest(f"video/chunk:frames|__initial__+{definition}|video/raw:frames={raw_frames}")
    assert v.fields[("video/chunk", "frames")] == chunk_frames
    faces = digest(f"video/faces:faces|__initial__|video/chunk:frames={chunk_frames}")
    assert v.fields[("video/faces", "faces")] == faces
    assert v.features["video/faces"] == digest(f"video/faces|faces={faces}")
    assert v.features["video/raw"] == digest(f"video/raw|audio={raw_audio}|frames={raw_frames}")
    keys = sorted(v.features)
    assert v.project == digest("|".join(f"{k}={v.features[k]}" for k in keys))


def test_audio_bump_changes_only_the_audio_lineage(tmp_path: Path) -> None:
    before = _seed(tmp_path / "a").versions
    after = _seed(tmp_path / "b", raw_audio="2").versions
    changed = {ref for ref in before.fields if before.fields[ref] != after.fields[ref]}
    assert changed == {("video/raw", "audio"), ("video/chunk", "audio")}
    assert before.features["video/faces"] == after.features["video/faces"]
    assert before.project != after.project


def test_description_changes_spec_hash_not_versions(tmp_path: Path) -> None:
    before = _seed(tmp_path / "a").versions
    after = _seed(tmp_path / "b", description="Edited text").versions
    assert before.features == after.features and before.project == after.project
    assert before.spec_hashes["video/raw"] != after.spec_hashes["video/raw"]
    assert before.project_spec_hash != after.project_spec_hash


def test_versions_cli_json_matches_api(seed_dir: Path, capsys) -> None:
    from sqlxy.cli import main

    assert main(["versions", "--json", "--project", str(seed_dir)]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data == sqlxy.load_project(seed_dir).versions.as_json()
