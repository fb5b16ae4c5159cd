"""SPEC §3 validation: every rule rejects a small project at load time with a SpecError that names
the file, the line where it is known, the feature and the offending value."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import sqlxy

from .conftest import write_features

RAW = """\
key: video/raw
id_columns: [video_id]
columns:
  video_id: string
  path: string
  duration_s: float
fields: [audio, frames]
source:
  versions: {audio: audio_version, frames: frames_version}
"""

CHUNK = """\
key: video/chunk
id_columns: [video_chunk_id]
columns:
  video_id: string
  video_chunk_id: string
fields: [audio, frames]
deps:
  - feature: video/raw
    lineage:
      expansion:
        on: [video_id]
"""

# A second root keyed like video/raw, for rules that need two deps.
META = """\
key: video/meta
id_columns: [video_id]
columns:
  video_id: string
  lang: string
  path: string
source:
  versions: {default: meta_version}
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line of `text` that contains `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} time(s) in the test YAML"
    return hits[nth - 1]


def load_error(root: Path, files: dict[str, str], config: str | None = None) -> sqlxy.SpecError:
    write_features(root, {name: dedent(text) for name, text in files.items()}, config)
    with pytest.raises(sqlxy.SpecError) as info:
        sqlxy.load_project(root)
    return info.value


def assert_names(error: sqlxy.SpecError, file: str, line: int | None, feature: str | None,
                 *values: str) -> None:
    """The message starts `file:line: feature: ` and quotes every offending value."""
    message = str(error)
    where = f"{file}:{line}: " if line else f"{file}: "
    who = f"{feature}: " if feature else ""
    assert message.startswith(where + who), message
    assert (error.file, error.line, error.feature) == (file, line, feature), message
    for value in values:
        assert value in message, f"{value!r} not in {message!r}"


def project(root: Path, files: dict[str, str], config: str | None = None) -> sqlxy.Project:
    write_features(root, {name: dedent(text) for name, text in files.items()}, config)
    return sqlxy.load_project(root)


# -- the building blocks are valid ---------------------------------------------------------


def test_building_blocks_load(tmp_path: Path) -> None:
    loaded = project(tmp_path, {"raw.yaml": RAW, "chunk.yaml": CHUNK, "meta.yaml": META})
    order = loaded.features
    assert sorted(order) == ["video/chunk", "video/meta", "video/raw"]
    assert order.index("video/raw") < order.index("video/chunk")


# -- YAML ----------------------------------------------------------------------------------


def test_malformed_yaml(tmp_path: Path) -> None:
    text = RAW.replace("id_columns: [video_id]", "id_columns: [video_id")
    error = load_error(tmp_path, {"video/raw.yaml": text})
    assert_names(error, "features/video/raw.yaml", line_of(text, "columns:", 2), None, "malformed YAML")


def test_badly_indented_yaml(tmp_path: Path) -> None:
    text = RAW.replace("id_columns:", "  id_columns:")
    error = load_error(tmp_path, {"video/raw.yaml": text})
    assert_names(error, "features/video/raw.yaml", line_of(text, "id_columns"), None, "malformed YAML")


def test_feature_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"x.yaml": "- video/raw\n- video/chunk\n"})
    assert error.file == "features/x.yaml"
    assert "must be a mapping" in str(error)


def test_on_key_is_not_read_as_a_boolean(tmp_path: Path) -> None:
    loaded = project(tmp_path, {"raw.yaml": RAW, "chunk.yaml": CHUNK})
    chunk = loaded.graph["video/chunk"]
    assert chunk.spec.deps[0].lineage.on == ("video_id",)
    assert chunk.compare_keys == ("video_id",)
    assert "on" in loaded.graph["video/chunk"].spec.raw["deps"][0]["lineage"]["expansion"]


def test_yes_no_off_stay_strings(tmp_path: Path) -> None:
    text = RAW + "metadata: {reviewed: yes, public: no, flag: off}\n"
    loaded = project(tmp_path, {"raw.yaml": text})
    assert loaded.graph["video/raw"].spec.metadata == {"reviewed": "yes", "public": "no", "flag": "off"}
    text = CHUNK.replace("on: [video_id]", "on: [video_id]\n    optional: yes")
    error = load_error(tmp_path, {"chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "optional"), "video/chunk", "optional",
                 "true or false")


# -- unknown keys --------------------------------------------------------------------------


UNKNOWN_KEYS = {
    "feature": (RAW.replace("columns:\n", "colums: {}\ncolumns:\n", 1), "colums"),
    "dep": (CHUNK.replace("    lineage:", "    lineag: identity\n    lineage:"), "lineag"),
    "field": (RAW.replace("fields: [audio, frames]",
                          "fields:\n  - audio\n  - {key: frames, code_verison: '2'}"), "code_verison"),
    "lineage": (CHUNK.replace("        on: [video_id]", "        on: [video_id]\n        over: [path]"),
                "over"),
    "source": (RAW.replace("source:\n", "source:\n  tabel: raw_videos\n"), "tabel"),
    "generate": (CHUNK + "        generate:\n          count: '2'\n          index: chunk_index\n"
                         "          cols: {}\n", "cols"),
}


@pytest.mark.parametrize("where", sorted(UNKNOWN_KEYS))
def test_unknown_key(tmp_path: Path, where: str) -> None:
    text, bad = UNKNOWN_KEYS[where]
    key = "video/raw" if text.startswith("key: video/raw") else "video/chunk"
    files = {"raw.yaml": RAW, "chunk.yaml": text} if key == "video/chunk" else {"raw.yaml": text}
    error = load_error(tmp_path, files)
    file = "features/chunk.yaml" if key == "video/chunk" else "features/raw.yaml"
    assert_names(error, file, line_of(text, f"{bad}:"), key, f"unknown key '{bad}'")


def test_unknown_field_dep_key(tmp_path: Path) -> None:
    text = CHUNK.replace("fields: [audio, frames]",
                         "fields:\n  - key: audio\n    deps:\n      - {feature: video/raw, field: [audio]}")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "field: [audio]"), "video/chunk",
                 "unknown key 'field'")


# -- key syntax ----------------------------------------------------------------------------


BAD_KEYS = ["Video/raw", "video/Raw", "video__raw", "video/raw__x", "video//raw", "/video", "video/",
            "video/r aw", "video.raw"]


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_bad_feature_key(tmp_path: Path, bad: str) -> None:
    text = RAW.replace("key: video/raw", f"key: '{bad}'")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", 1, bad, f"key '{bad}' is malformed")


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_bad_field_key(tmp_path: Path, bad: str) -> None:
    text = RAW.replace("fields: [audio, frames]", f"fields:\n  - audio\n  - key: '{bad}'").replace(
        "{audio: audio_version, frames: frames_version}", f"{{audio: a, '{bad}': f}}")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, f"key: '{bad}'"), "video/raw",
                 f"field key '{bad}' is malformed")


@pytest.mark.parametrize("bad", ["Audio", "au__dio"])
def test_bad_field_key_in_shorthand_list(tmp_path: Path, bad: str) -> None:
    text = RAW.replace("fields: [audio, frames]", f"fields:\n  - audio\n  - {bad}").replace(
        "{audio: audio_version, frames: frames_version}", f"{{audio: a, {bad}: f}}")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, f"- {bad}"), "video/raw",
                 f"field key '{bad}' is malformed")


def test_missing_feature_key(tmp_path: Path) -> None:
    text = RAW.replace("key: video/raw\n", "description: no key\n")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", 1, None, "no 'key'")


# -- duplicates ----------------------------------------------------------------------------


def _as_list_item(text: str) -> str:
    lines = text.splitlines()
    return "\n".join(["  - " + lines[0]] + ["    " + line for line in lines[1:]]) + "\n"


def test_duplicate_feature_key_in_one_file(tmp_path: Path) -> None:
    text = "features:\n" + _as_list_item(RAW) + _as_list_item(RAW.replace("duration_s", "length_s"))
    error = load_error(tmp_path, {"all.yaml": text})
    second = line_of(text, "key: video/raw", 2)
    assert_names(error, "features/all.yaml", second, "video/raw", "duplicate feature key 'video/raw'",
                 "first defined at features/all.yaml:2")


def test_duplicate_feature_key_across_files(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"a/raw.yaml": RAW, "b/raw.yaml": RAW})
    assert_names(error, "features/b/raw.yaml", 1, "video/raw", "duplicate feature key 'video/raw'",
                 "first defined at features/a/raw.yaml:1")


def test_duplicate_field_key(tmp_path: Path) -> None:
    text = RAW.replace("fields: [audio, frames]", "fields:\n  - audio\n  - frames\n  - key: audio\n"
                                                  "    code_version: '2'")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "key: audio"), "video/raw",
                 "duplicate field key 'audio'")


def test_field_keys_mapping_to_one_column(tmp_path: Path) -> None:
    text = RAW.replace("fields: [audio, frames]", "fields: [a-b, a_b]").replace(
        "{audio: audio_version, frames: frames_version}", "{a-b: x, a_b: y}")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "fields:"), "video/raw", "a-b, a_b")


def test_dep_listed_twice(tmp_path: Path) -> None:
    text = CHUNK + "  - video/raw\n"
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "- video/raw"), "video/chunk",
                 "'video/raw' is listed twice")


# -- deps and field deps -------------------------------------------------------------------


def test_dep_on_unknown_feature_exact_message(tmp_path: Path) -> None:
    chunk = dedent("""
        key: video/chunk
        id_columns: [video_chunk_id]
        columns:
          video_id: string
          video_chunk_id: string
        deps:
          - feature: video/nope
    """)
    faces = dedent("""
        key: video/faces
        id_columns: [video_chunk_id]
        deps: [video/chunk]
    """)
    error = load_error(tmp_path, {"video/chunk.yaml": chunk, "video/faces.yaml": faces,
                                  "video/raw.yaml": RAW})
    assert str(error) == ("features/video/chunk.yaml:7: video/chunk: dependency 'video/nope' is not a "
                          "feature (known: video/faces, video/raw)")


def test_bare_dep_on_unknown_feature(tmp_path: Path) -> None:
    text = CHUNK.replace("  - feature: video/raw\n    lineage:\n      expansion:\n        on: [video_id]\n",
                         "  - video/nope\n")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "- video/nope"), "video/chunk",
                 "dependency 'video/nope' is not a feature")


def test_dep_on_itself(tmp_path: Path) -> None:
    text = CHUNK + "  - video/chunk\n"
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "- video/chunk"), "video/chunk", "itself")


def _with_field_deps(deps: str) -> str:
    return CHUNK.replace("fields: [audio, frames]",
                         f"fields:\n  - audio\n  - key: frames\n    deps:\n      - {deps}")


def test_field_dep_on_unknown_feature(tmp_path: Path) -> None:
    text = _with_field_deps("{feature: video/nope, fields: [frames]}")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "video/nope"), "video/chunk",
                 "field 'frames'", "'video/nope'", "not a feature")


def test_field_dep_on_unknown_field(tmp_path: Path) -> None:
    text = _with_field_deps("{feature: video/raw, fields: [frames, pixels]}")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "pixels"), "video/chunk",
                 "field 'frames'", "unknown field 'video/raw:pixels'")


def test_field_dep_on_feature_not_in_deps(tmp_path: Path) -> None:
    text = _with_field_deps("{feature: video/meta, fields: [default]}")
    error = load_error(tmp_path, {"raw.yaml": RAW, "meta.yaml": META, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "video/meta"), "video/chunk",
                 "field 'frames'", "'video/meta'", "not in this feature's deps")


def test_fields_mapping_names_unknown_upstream_field(tmp_path: Path) -> None:
    text = CHUNK + "    fields_mapping: {audio: [sound]}\n"
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "fields_mapping"), "video/chunk",
                 "'video/raw:sound'")


def test_fields_mapping_is_checked_when_every_field_gives_its_deps(tmp_path: Path) -> None:
    """A mapping no field reads still holds the user's intent: its typo is reported."""
    text = CHUNK.replace("fields: [audio, frames]", "fields:\n  - key: audio\n    deps:\n"
                         "      - {feature: video/raw, fields: [audio]}\n  - key: frames\n    deps:\n"
                         "      - {feature: video/raw, fields: [frames]}") + "    fields_mapping: {audio: [sound]}\n"
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "fields_mapping"), "video/chunk",
                 "'video/raw:sound'")


# -- cycles --------------------------------------------------------------------------------


def _node(key: str, deps: str) -> str:
    return f"key: {key}\nid_columns: [x]\ncolumns: {{x: string}}\ndeps: {deps}\n"


def test_two_feature_cycle(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"a.yaml": _node("a", "[b]"), "b.yaml": _node("b", "[a]")})
    assert_names(error, "features/a.yaml", 1, "a", "dependency cycle: a -> b -> a")


def test_three_feature_cycle_behind_a_root(tmp_path: Path) -> None:
    files = {"raw.yaml": RAW, "p.yaml": _node("p/one", "[p/two, video/raw]"),
             "q.yaml": _node("p/two", "[p/three]"), "r.yaml": _node("p/three", "[p/one]")}
    error = load_error(tmp_path, files)
    assert_names(error, "features/p.yaml", 1, "p/one", "dependency cycle: p/one -> p/two -> p/three -> p/one")


# -- columns -------------------------------------------------------------------------------


def test_root_id_column_missing_from_columns(tmp_path: Path) -> None:
    text = RAW.replace("id_columns: [video_id]", "id_columns: [video_id, take]")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "id_columns"), "video/raw", "id column 'take'")


def test_id_column_missing_upstream(tmp_path: Path) -> None:
    text = dedent("""
        key: video/meta2
        id_columns: [video_id, take]
        columns:
          lang: string
        deps: [video/raw]
    """)
    error = load_error(tmp_path, {"raw.yaml": RAW, "meta2.yaml": text})
    assert_names(error, "features/meta2.yaml", line_of(text, "deps:"), "video/meta2", "id column 'take'",
                 "video/raw")


def test_empty_id_columns(tmp_path: Path) -> None:
    text = RAW.replace("id_columns: [video_id]", "id_columns: []")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "id_columns"), "video/raw", "id_columns")


def test_expansion_on_column_not_a_column_of_the_child(tmp_path: Path) -> None:
    text = CHUNK.replace("  video_id: string\n", "")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "on: [video_id]"), "video/chunk",
                 "expansion.on column 'video_id' is not a column of this feature")


def test_expansion_on_column_missing_upstream(tmp_path: Path) -> None:
    text = CHUNK.replace("on: [video_id]", "on: [video_uid]").replace("video_id: string", "video_uid: string")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "on: [video_uid]"), "video/chunk",
                 "expansion.on column 'video_uid' is missing upstream in 'video/raw'")


def test_aggregation_on_column_missing_upstream(tmp_path: Path) -> None:
    text = dedent("""
        key: video/summary
        id_columns: [video_id]
        columns:
          video_id: string
        deps:
          - feature: video/chunk
            lineage:
              aggregation:
                on: [video_uid]
    """)
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": CHUNK, "summary.yaml": text})
    assert_names(error, "features/summary.yaml", line_of(text, "on: [video_uid]"), "video/summary",
                 "aggregation.on column 'video_uid' is missing upstream in 'video/chunk'")


def test_aggregation_on_float_column(tmp_path: Path) -> None:
    text = dedent("""
        key: video/by_length
        id_columns: [duration_s]
        deps:
          - feature: video/raw
            lineage: {aggregation: {on: [duration_s]}}
    """)
    error = load_error(tmp_path, {"raw.yaml": RAW, "by_length.yaml": text})
    assert_names(error, "features/by_length.yaml", line_of(text, "aggregation"), "video/by_length",
                 "'duration_s' must be string or int typed")


def _meta_dep(extra: str) -> str:
    return dedent("""
        key: video/meta2
        id_columns: [video_id]
        deps:
          - feature: video/raw
    """) + extra


@pytest.mark.parametrize(("extra", "value"), [
    ("    rename: {pth: raw_path}\n", "rename of 'video/raw' names unknown column 'pth'"),
    ("    rename: {path: sqlxy_provenance}\n", "'sqlxy_provenance' collides with sqlxy's system columns"),
    ("    rename: {path: sqlxy_path}\n", "'sqlxy_path' collides with sqlxy's system columns"),
    ("    rename: {path: Raw-Path}\n", "'Raw-Path' is not a valid user column name"),
    ("    rename: {path: duration_s}\n", "collides with existing column 'duration_s'"),
    ("    rename: {path: video_id}\n", "collides with existing column 'video_id'"),  # onto an id column
    ("    rename: {path: p2, duration_s: p2}\n", "rename 'duration_s' → 'p2' collides with rename 'path' → 'p2'"),
    ("    select: [path, size]\n", "select of 'video/raw' names unknown column 'size'"),
    ("    select: [path, sqlxy_provenance]\n", "names system column 'sqlxy_provenance'"),
    ("    select: [path, sqlxy_created_at]\n", "names system column 'sqlxy_created_at'"),
    ("    rename: {path: raw_path}\n    select: [path]\n", "names unknown column 'path'"),
])
def test_rename_and_select(tmp_path: Path, extra: str, value: str) -> None:
    text = _meta_dep(extra)
    key = "select:" if "select:" in extra else "rename:"
    error = load_error(tmp_path, {"raw.yaml": RAW, "meta2.yaml": text})
    assert_names(error, "features/meta2.yaml", line_of(text, key), "video/meta2", value)


def test_column_colliding_with_system_columns(tmp_path: Path) -> None:
    text = RAW.replace("  path: string", "  sqlxy_path: string")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "sqlxy_path"), "video/raw", "'sqlxy_path'",
                 "system columns")


def test_two_deps_bringing_the_same_column(tmp_path: Path) -> None:
    text = dedent("""
        key: video/joined
        id_columns: [video_id]
        deps:
          - video/raw
          - feature: video/meta
            select: [lang, path]
    """)
    error = load_error(tmp_path, {"raw.yaml": RAW, "meta.yaml": META, "joined.yaml": text})
    assert_names(error, "features/joined.yaml", line_of(text, "- feature: video/meta"), "video/joined",
                 "'video/raw' and 'video/meta' both bring column 'path'")


def test_two_deps_sharing_only_id_columns_load(tmp_path: Path) -> None:
    text = dedent("""
        key: video/joined
        id_columns: [video_id]
        deps:
          - video/raw
          - feature: video/meta
            rename: {path: meta_path}
    """)
    loaded = project(tmp_path, {"raw.yaml": RAW, "meta.yaml": META, "joined.yaml": text})
    assert {"video_id", "path", "meta_path", "lang"} <= set(loaded.graph["video/joined"].columns)


@pytest.mark.parametrize("kind", ["varchar", "integer", "str", "list", "String"])
def test_bad_column_type(tmp_path: Path, kind: str) -> None:
    text = RAW.replace("duration_s: float", f"duration_s: {kind}")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "duration_s:"), "video/raw",
                 f"column 'duration_s' has unknown type '{kind}'")


@pytest.mark.parametrize("name", ["Path", "2path", "my-path", "my path"])
def test_bad_column_name(tmp_path: Path, name: str) -> None:
    text = RAW.replace("  path: string", f"  '{name}': string")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, f"'{name}'"), "video/raw", repr(name))


# -- SQL snippets --------------------------------------------------------------------------


BAD_SQL = [
    ("(duration_s > 0", "does not parse"),
    ("duration_s >", "does not parse"),
    ("'open string", "does not parse"),
    ("duration_s > 0; duration_s < 5", "holds 2 statements"),
    ("1=1; DROP TABLE video__raw", "holds 2 statements"),
    ("video_id IN (SELECT video_id FROM video__raw)", "subquery"),
    ("duration_s > (SELECT MAX(duration_s) FROM video__raw)", "subquery"),
    ("EXISTS (SELECT 1)", "subquery"),
    ("DROP TABLE video__raw", "DROP"),
    ("DELETE FROM video__raw", "DELETE"),
    ("CREATE TABLE t (a INT)", "CREATE"),
    ("random() > 0.5", "not on the allow-list"),
    ("getenv('HOME') = ''", "getenv"),
    ("read_csv('x.csv') IS NOT NULL", "READ_CSV"),
    ("count(*) > 1", "COUNT"),
]


@pytest.mark.parametrize(("sql", "reason"), BAD_SQL)
def test_bad_filter(tmp_path: Path, sql: str, reason: str) -> None:
    text = CHUNK + f'    filter: "{sql}"\n'
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "filter:"), "video/chunk",
                 f"filter on 'video/raw' '{sql}'", reason)


def test_filter_naming_unknown_column(tmp_path: Path) -> None:
    text = CHUNK + '    filter: "size > 0"\n'
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "filter:"), "video/chunk", "unknown column 'size'")


def _generate(count: str, column: str) -> str:
    return CHUNK + (
        "        generate:\n"
        f'          count: "{count}"\n'
        "          index: chunk_index\n"
        "          columns:\n"
        f'            video_chunk_id: "{column}"\n'
    )


def test_generate_building_block_loads(tmp_path: Path) -> None:
    text = _generate("CAST(CEIL(duration_s / 10.0) AS INT)", "video_id || '_' || CAST(chunk_index AS VARCHAR)")
    assert project(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text}).graph["video/chunk"].expansion


@pytest.mark.parametrize(("sql", "reason"), BAD_SQL)
def test_bad_generate_count(tmp_path: Path, sql: str, reason: str) -> None:
    text = _generate(sql, "video_id")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "count:"), "video/chunk",
                 f"generate.count '{sql}'", reason)


@pytest.mark.parametrize(("sql", "reason"), BAD_SQL)
def test_bad_generate_column(tmp_path: Path, sql: str, reason: str) -> None:
    text = _generate("2", sql)
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "video_chunk_id: \""), "video/chunk",
                 f"generate.columns.video_chunk_id '{sql}'", reason)


def test_generate_naming_unknown_column(tmp_path: Path) -> None:
    text = _generate("CAST(size AS INT)", "video_id")
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "count:"), "video/chunk", "'size'")


@pytest.mark.parametrize(("query", "reason"), [
    ("SELECT 1; SELECT 2", "single SELECT"),
    ("SELECT * FROM raw_videos; DROP TABLE raw_videos", "single SELECT"),
    ("DELETE FROM raw_videos", "single SELECT"),
    ("INSERT INTO raw_videos SELECT * FROM other", "single SELECT"),
    ("CREATE TABLE t AS SELECT 1 AS x", "single SELECT"),
    ("DROP TABLE raw_videos", "single SELECT"),
    ("SELEC * FROM raw_videos", "source.query"),
    ("SELECT * FROM (raw_videos", "does not parse"),
])
def test_source_query_not_a_single_select(tmp_path: Path, query: str, reason: str) -> None:
    text = RAW.replace("source:\n", f'source:\n  query: "{query}"\n')
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "query:"), "video/raw", reason)


@pytest.mark.parametrize("table", ["raw videos", "raw_videos; DROP TABLE x", "(SELECT 1)"])
def test_source_table_not_a_table_name(tmp_path: Path, table: str) -> None:
    text = RAW.replace("source:\n", f'source:\n  table: "{table}"\n')
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "table:"), "video/raw",
                 f"source.table '{table}' is not a table name")


def test_source_query_select_loads(tmp_path: Path) -> None:
    text = RAW.replace("source:\n", 'source:\n  query: "SELECT * FROM raw_videos WHERE duration_s > 0"\n')
    assert project(tmp_path, {"raw.yaml": text}).graph["video/raw"].spec.source.query


def test_source_with_table_and_query(tmp_path: Path) -> None:
    text = RAW.replace("source:\n", 'source:\n  table: raw_videos\n  query: "SELECT 1"\n')
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "query:"), "video/raw", "not both")


def test_source_on_a_feature_with_deps(tmp_path: Path) -> None:
    text = CHUNK + "source:\n  table: chunks\n  versions: {audio: a, frames: f}\n"
    error = load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert_names(error, "features/chunk.yaml", line_of(text, "source:"), "video/chunk",
                 "source is only for root features", "video/raw")


def test_root_without_versions_for_every_field(tmp_path: Path) -> None:
    text = RAW.replace("{audio: audio_version, frames: frames_version}", "{audio: audio_version}")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "versions:"), "video/raw",
                 "source.versions", "missing: frames")


def test_root_without_source(tmp_path: Path) -> None:
    text = RAW.split("source:")[0]
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", 1, "video/raw", "source.versions", "missing: audio, frames")


def test_source_versions_naming_unknown_field(tmp_path: Path) -> None:
    text = RAW.replace("frames: frames_version}", "frames: frames_version, depth: depth_version}")
    error = load_error(tmp_path, {"raw.yaml": text})
    assert_names(error, "features/raw.yaml", line_of(text, "versions:"), "video/raw", "unknown field 'depth'")


# -- sqlxy.yaml ----------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "value"), [
    ("hsh: md5\n", "unknown key 'hsh'"),
    ("name: p\nfeatures_dir: specs\n", "features_dir"),
    ("hash: sha1\n", "hash 'sha1'"),
    ("hash: MD5\n", "hash 'MD5'"),
    ("hash_length: 7\n", "hash_length 7"),
    ("hash_length: 33\n", "hash_length 33"),
    ("hash: sha256\nhash_length: 65\n", "hash_length 65"),
    ("hash_length: '16'\n", "hash_length '16'"),
    ("hash_length: true\n", "hash_length True"),
    ("hash: [md5\n", "malformed YAML"),
    ("default_target: prod\n", "default_target 'prod'"),
    ("targets: {dev: {type: mysql}}\n", "target 'dev'"),
    ("table_prefix: 'My-'\n", "table_prefix 'My-'"),
])
def test_config_errors(tmp_path: Path, config: str, value: str) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW}, config)
    assert str(error).startswith("sqlxy.yaml"), str(error)
    assert error.file == "sqlxy.yaml"
    assert value in str(error)


@pytest.mark.parametrize(("config", "length"), [("hash_length: 8\n", 8), ("hash: sha256\n", 64),
                                                ("hash: sha256\nhash_length: 40\n", 40)])
def test_config_hash_lengths_in_range_load(tmp_path: Path, config: str, length: int) -> None:
    loaded = project(tmp_path, {"raw.yaml": RAW}, config)
    assert len(loaded.versions.features["video/raw"]) == length


def test_config_errors_name_the_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"raw.yaml": RAW}, "name: p\nhash: sha1\n")
    assert str(error).startswith("sqlxy.yaml:2: ")


def test_missing_features_folder(tmp_path: Path) -> None:
    (tmp_path / "sqlxy.yaml").write_text("features: specs\n", encoding="utf-8")
    with pytest.raises(sqlxy.SpecError, match="no features folder 'specs'"):
        sqlxy.load_project(tmp_path)


# -- nothing is written on a spec error ----------------------------------------------------


def test_spec_error_writes_nothing(tmp_path: Path) -> None:
    text = CHUNK + '    filter: "1=1; DROP TABLE video__raw"\n'
    load_error(tmp_path, {"raw.yaml": RAW, "chunk.yaml": text})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["features"]
