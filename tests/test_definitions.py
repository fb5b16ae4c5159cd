"""SQL definitions version themselves (SPEC §4, since 0.2): the canonical definition of a feature
whose rows sqlxy computes, its hash D, and where D shows (versions, diff, graph, manifest)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sqlxy
from sqlxy.cli import main
from sqlxy.provenance import digest
from sqlxy.spec.definition import canonical_definition, canonical_sql

from .conftest import REPO, write_features

SNIPPETS = [
    "CAST(CEIL(duration_s / 10.0) AS INT)",
    "video_id || '_' || CAST(chunk_index AS VARCHAR)",
    "CASE WHEN duration_s > 0 THEN chunk_index * 10.0 ELSE NULL END",
    "COALESCE(path, 'none') IN ('a', 'b') AND NOT duration_s BETWEEN 1 AND 2",
]
KEYWORDS = re.compile(r"\b(CAST|CEIL|AS|INT|VARCHAR|CASE|WHEN|THEN|ELSE|NULL|END|COALESCE|IN|AND|NOT|BETWEEN)\b")


def _cosmetic(sql: str, data: st.DataObject) -> str:
    """The same SQL with keyword case flipped, whitespace widened and comments added."""
    def keyword(match: re.Match[str]) -> str:
        word = match.group(0)
        return data.draw(st.sampled_from([word, word.lower(), word.capitalize()]))

    text = KEYWORDS.sub(keyword, sql)
    space = data.draw(st.sampled_from([" ", "  ", "\n", "\t ", " /* note */ ", "\n  "]))
    text = text.replace(" ", space) if "'" not in text else text.replace(" AS ", f"{space}AS{space}")
    if data.draw(st.booleans()):
        text = f"/* {data.draw(st.text(alphabet='abc xyz', max_size=12))} */ " + text
    if data.draw(st.booleans()):
        text += " -- trailing comment"
    return text


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SNIPPETS), st.data())
def test_cosmetic_rewrites_keep_the_canonical_text(sql: str, data: st.DataObject) -> None:
    assert canonical_sql(_cosmetic(sql, data)) == canonical_sql(sql)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SNIPPETS), st.integers(min_value=0, max_value=10**6))
def test_a_changed_constant_changes_the_canonical_text(sql: str, number: int) -> None:
    changed = re.sub(r"\d+(\.\d+)?", str(number), sql, count=1)
    if changed != sql and not re.search(rf"\b{number}(\.0)?\b", sql):
        assert canonical_sql(changed) != canonical_sql(sql)


CHUNK = REPO / "features/video/chunk.yaml"


def _project(tmp_path: Path, chunk_text: str) -> sqlxy.Project:
    for name in ("raw", "faces"):
        write_features(tmp_path, {f"video/{name}.yaml": (REPO / f"features/video/{name}.yaml").read_text()})
    write_features(tmp_path, {"video/chunk.yaml": chunk_text})
    return sqlxy.load_project(tmp_path)


@pytest.mark.parametrize(("old", "new", "changes"), [
    ('"CAST(CEIL(duration_s / 10.0) AS INT)"', '"cast(ceil( duration_s/10.0 ) as integer) -- 10 s"', False),
    ('"CAST(CEIL(duration_s / 10.0) AS INT)"', '"CAST(CEIL(duration_s / 5.0) AS INT)"', True),
    ("index: chunk_index", "index: chunk_index\n          # the index column", False),
    ("start_s: float", "start_s: int", True),
    ('"video_id || \'_\' || CAST(chunk_index AS VARCHAR)"',
     '"\\"video_id\\" || \'_\' || CAST(\\"chunk_index\\" AS VARCHAR)"', False),
    ("select: [path, duration_s]", "select: [path, duration_s]\n    rename: {path: path}", False),
    ('start_s: "chunk_index * 10.0"', 'start_s: "chunk_index * 5.0"', True),
    ("select: [path, duration_s]", "select: [duration_s, path]", False),
    ("select: [path, duration_s]", "select: [path, duration_s]\n    filter: duration_s > 0", True),
    ("select: [path, duration_s]", "select: [video_path, duration_s]\n    rename: {path: video_path}", True),
    ("description: Ten-second chunks of a video", "description: Chunks", False),
])
def test_definition_changes_with_meaning_only(tmp_path: Path, old: str, new: str, changes: bool) -> None:
    text = CHUNK.read_text()
    assert old in text
    before = _project(tmp_path / "a", text).versions
    after = _project(tmp_path / "b", text.replace(old, new)).versions
    assert (before.definitions != after.definitions) is changes
    chunk_fields = {("video/chunk", "audio"), ("video/chunk", "frames")}
    changed = {ref for ref in before.fields if before.fields[ref] != after.fields[ref]}
    assert changed == ((chunk_fields | {("video/faces", "faces")}) if changes else set())


def test_only_sql_defined_features_have_a_definition(tmp_path: Path) -> None:
    project = write_features(tmp_path, {"a.yaml": """
key: media/table
id_columns: [id]
columns: {id: string}
source: {table: raw_media, versions: {default: v}}
""", "b.yaml": """
key: media/query
id_columns: [id]
columns: {id: string}
source: {query: "SELECT id, v FROM raw_media", versions: {default: v}}
""", "c.yaml": """
key: media/passed
id_columns: [id]
columns: {id: string}
source: {versions: {default: v}}
"""})
    project = sqlxy.load_project(project)
    def text(key: str) -> str | None:
        return canonical_definition(project.graph[key].spec, project.graph[key].columns)

    assert text("media/table") == '{"columns":{"id":"string"},"source":{"table":"raw_media"}}'
    assert text("media/query") == '{"columns":{"id":"string"},"source":{"query":"SELECT id, v FROM raw_media"}}'
    assert text("media/passed") is None
    definitions = project.versions.definitions
    assert set(definitions) == {"media/table", "media/query"}
    assert project.versions.fields[("media/passed", "default")] == digest("media/passed:default|__initial__")
    assert project.versions.fields[("media/table", "default")] == \
        digest(f"media/table:default|__initial__+{definitions['media/table']}")


def test_versions_diff_and_graph_show_the_definition(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = str(seed_dir)
    assert main(["compile", "--project", project]) == 0
    base = seed_dir / "base.json"
    base.write_text((seed_dir / "target/manifest.json").read_text())
    manifest = json.loads(base.read_text())["features"]["video/chunk"]
    assert manifest["definition"] == digest(manifest["definition_sql"])
    chunk = seed_dir / "features/video/chunk.yaml"
    chunk.write_text(chunk.read_text().replace("duration_s / 10.0", "duration_s / 5.0"))
    capsys.readouterr()
    assert main(["diff", "--base", str(base), "--json", "--project", project]) == 0
    rows = {e["feature"]: e for e in json.loads(capsys.readouterr().out)["features"]}
    chunk = rows["video/chunk"]
    assert chunk["change"] == "changed"
    now = sqlxy.load_project(seed_dir).versions.definitions["video/chunk"]
    assert {f["field"]: f["reasons"] for f in chunk["fields"]} == {
        name: [{"kind": "definition", "base": manifest["definition"], "current": now}] for name in ("audio", "frames")}
    assert rows["video/faces"]["fields"][0]["reasons"] == [{"kind": "upstream", "field": "video/chunk:frames"}]
    assert main(["versions", "--json", "--project", project]) == 0
    versions = json.loads(capsys.readouterr().out)["features"]
    assert versions["video/chunk"]["definition"] != manifest["definition"]
    assert versions["video/raw"]["definition"] is None
    assert main(["graph", "--fields", "--project", project]) == 0
    drawing = capsys.readouterr().out
    assert f"audio  <- video/raw:audio (expansion), SQL definition {versions['video/chunk']['definition']}" \
        in drawing
