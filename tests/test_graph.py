"""FeatureGraph (sqlxy/graph.py): topological order, the columns each dep carries after
rename → select, compare keys and field-level edges, built from specs already validated."""

from __future__ import annotations

from pathlib import Path

import sqlxy

from .conftest import REPO, write_features

META = """\
key: video/meta
id_columns: [video_id]
columns: {video_id: string, lang: string, path: string}
fields: [default]
source:
  versions: {default: meta_version}
"""

TAGGED = """\
key: video/tagged
id_columns: [video_id]
columns: {video_id: string, lang: int}
fields: [audio, tags]
deps:
  - feature: video/raw
    select: [duration_s]
  - feature: video/meta
    rename: {path: meta_path}
    filter: "lang <> 'xx'"
    fields_mapping: {tags: [default]}
"""


def test_graph_order_columns_and_field_edges(seed_project: sqlxy.Project) -> None:
    graph = seed_project.graph
    assert graph.order == ["video/raw", "video/chunk", "video/faces"]
    chunk = graph["video/chunk"]
    assert chunk.lineage == "expansion" and chunk.compare_keys == ("video_id",)
    assert chunk.field_parents == {"audio": (("video/raw", "audio"),), "frames": (("video/raw", "frames"),)}
    assert graph["video/faces"].field_parents == {"faces": (("video/chunk", "frames"),)}
    # carried columns: select keeps path and duration_s from raw; the key is always carried
    assert list(chunk.carried) == ["video_id", "path", "duration_s"]


def test_rename_select_and_declared_types(tmp_path: Path) -> None:
    raw = (REPO / "features/video/raw.yaml").read_text()
    root = write_features(tmp_path, {"raw.yaml": raw, "meta.yaml": META, "tagged.yaml": TAGGED})
    graph = sqlxy.load_project(root).graph
    tagged = graph["video/tagged"]
    raw_dep, meta_dep = tagged.deps
    assert (raw_dep.columns, raw_dep.keys) == ({"video_id": "string", "duration_s": "float"}, ("video_id",))
    assert meta_dep.renamed_from == {"video_id": "video_id", "lang": "lang", "meta_path": "path"}
    assert meta_dep.filter is not None and meta_dep.filter.sql() == "lang <> 'xx'"
    # the key comes from both deps; a declared column's type wins over the carried one
    assert tagged.carried == {"video_id": "string", "duration_s": "float", "lang": "string", "meta_path": "string"}
    assert tagged.columns == {"video_id": "string", "lang": "int", "duration_s": "float", "meta_path": "string"}
    assert (tagged.lineage, tagged.compare_keys, tagged.child_id, tagged.is_root) == \
        ("identity", ("video_id",), None, False)
    # an explicit mapping names who reads what (audio reads nothing of video/meta); by default a
    # field reads its namesake upstream, or every upstream field when there is none
    assert tagged.field_parents == {
        "audio": (("video/raw", "audio"),),
        "tags": (("video/meta", "default"), ("video/raw", "audio"), ("video/raw", "frames")),
    }
    assert graph.downstream("video/raw") == graph.downstream("video/meta") == ["video/tagged"]
    assert graph.upstream("video/tagged") == ["video/raw", "video/meta"]


def test_aggregation_carries_only_its_keys() -> None:
    graph = sqlxy.load_project(REPO / "examples/aggregation").graph
    speaker = graph["speaker/embedding"]
    assert (speaker.lineage, speaker.compare_keys) == ("aggregation", ("speaker_id",))
    assert speaker.carried == {"speaker_id": "string"}
    assert speaker.field_parents == {"embedding": (("audio/utterance", "audio"),)}


def test_expansion_child_id(seed_project: sqlxy.Project) -> None:
    chunk = seed_project.graph["video/chunk"]
    assert chunk.expansion is chunk.deps[0] and chunk.child_id == "video_chunk_id"
    assert seed_project.graph["video/raw"].is_root
