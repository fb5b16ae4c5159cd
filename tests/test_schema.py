"""`sqlxy schema`: the JSON Schema of feature files and of `sqlxy.yaml`, generated from the spec
models and the loader's own tables, accepts what the loader accepts and refuses what it refuses.

The schema checks one file's shape. Where it and the loader may differ, by design:

- Loader only: every rule across features or against upstream columns (unknown deps and fields,
  cycles, id/select/on/rename columns a dep does not have, `fields_mapping` and `source.versions`
  naming this feature's fields, `source` on a feature with deps, SQL that does not parse or is not
  safe, `table_prefix` + key longer than 63, `default_target` naming a target). The schema checks
  those names' syntax only, so it may refuse earlier what the loader refuses later.
- A key's table name turns each '/' into '__': the loader counts a '/' twice against the 63
  characters (43 for a field key), the schema bounds the key's own length.
- The loader reads an empty value of another type (`0`, `false`, `""`, `[]`, `{}`) as absent for
  `description`, `columns`, `metadata`, `rename`, a lineage body, `generate.columns`,
  `source.versions`, `targets` and `table_prefix`; the schema wants null or the declared type.
- A field dep's `feature`: the loader takes any value as text (an unknown feature is refused by the
  cross-feature rules); the schema wants a feature key.
- Whole floats where an integer is wanted (`count: 3.0`, `hash_length: 16.0`): JSON Schema cannot
  tell 3.0 from 3; the loader refuses the float. These tests read YAML's types as YAML does (`STRICT`).
- YAML 1.1 (the loader) and YAML 1.2 (editors) type some unquoted scalars differently (`2024-01-01`
  is a date, `1_000` and `12:30:00` are integers, `1e3` is text in 1.1); the property tests skip
  files holding values JSON has no type for (dates, binary, sets).
- A `table_prefix` written as a number other than plain digits (`0x1F`, `+1`) is refused by the
  loader, which reads the digits as written.
"""

from __future__ import annotations

import ast
import copy
import datetime
import json
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sqlxy
from sqlxy.cli import main
from sqlxy.config import DEFAULT_TARGETS, SETTINGS, config_schema, load_config
from sqlxy.engines import ENGINES
from sqlxy.errors import SpecError
from sqlxy.spec import parse_feature, read_documents
from sqlxy.spec.load import load_yaml
from sqlxy.spec.model import COLUMN_TYPES
from sqlxy.spec.schema import KEYS, LINEAGE_KINDS, SHAPES, feature_schema

from .conftest import REPO, write_features
from .test_fuzz import ABSOLUTE, Raw, config, mutate, to_yaml, variant

FEATURE = feature_schema()
PROJECT = config_schema()
#: YAML's types: 3.0 is a float, not an integer (JSON Schema's own checker says it is one).
STRICT = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                      type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
                                          "integer", lambda _, v: isinstance(v, int) and not isinstance(v, bool)))
PROPERTY = settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=120)


class NotJson(Exception):
    """A YAML value JSON has no type for (binary, a set, or a date where YAML 1.2 reads text)."""


def as_json(value: Any, dates: bool = True) -> Any:
    """The document an editor validates: dates as the text written (YAML 1.2 has no dates; with
    `dates=False` they are NotJson), keys as they are (a number key fails `propertyNames`)."""
    if isinstance(value, dict):
        return {k: as_json(v, dates) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v, dates) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)) and dates:
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise NotJson(repr(value))


def schema_errors(schema: dict[str, Any], document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in STRICT(schema).iter_errors(document)]


def loaded(path: Path) -> Any:
    return load_yaml(path, path.name)


def parses(path: Path) -> bool:
    """The loader's shape rules (read the file, parse every feature) accept it."""
    try:
        for document in read_documents(path, path.name):
            parse_feature(document, path.name)
    except SpecError:
        return False
    return True


def config_loads(root: Path) -> bool:
    try:
        load_config(root)
    except SpecError:
        return False
    return True


def features_of(document: Any) -> list[Any]:
    if isinstance(document, dict) and set(document) == {"features"} and isinstance(document["features"], list):
        return document["features"]
    return [document]


def as_loader_reads(document: Any) -> Any:
    """`document` with the empty values the loader reads as absent set to null (see the docstring)."""
    document = copy.deepcopy(document)

    def blank(node: Any, *keys: str) -> None:
        for key in keys:
            if isinstance(node, dict) and key in node and not node[key] and node[key] is not None:
                node[key] = None

    for feature in features_of(document):
        blank(feature, "description", "columns", "metadata")
        if not isinstance(feature, dict):
            continue
        blank(feature.get("source"), "versions")
        for dep in feature.get("deps") if isinstance(feature.get("deps"), list) else []:
            blank(dep, "rename")
            lineage = dep.get("lineage") if isinstance(dep, dict) else None
            if isinstance(lineage, dict) and len(lineage) == 1:
                kind = next(iter(lineage))
                blank(lineage, kind)
                if isinstance(lineage[kind], dict):
                    blank(lineage[kind].get("generate"), "columns")
    return document


def as_loader_reads_config(document: Any) -> Any:
    """A sqlxy.yaml with the empty `targets` and `table_prefix` the loader reads as absent set to null."""
    if not isinstance(document, dict):
        return document
    return {k: None if k in ("targets", "table_prefix") and not v else v for k, v in document.items()}


# -- the schemas themselves --------------------------------------------------------------------


@pytest.mark.parametrize("schema", [FEATURE, PROJECT], ids=["feature", "project"])
def test_schemas_are_draft_2020_12(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every mapping the schema declares (its keys, and no others)."""
    if isinstance(node, list):
        return [o for item in node for o in _objects(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("additionalProperties") is False else []
    return own + [o for v in node.values() for o in _objects(v)]


@pytest.mark.parametrize("schema", [FEATURE, PROJECT], ids=["feature", "project"])
def test_every_key_is_described_for_editors(schema: dict[str, Any]) -> None:
    for obj in _objects(schema):
        for key, sub in obj["properties"].items():
            assert key == "type" or sub.get("description"), f"{key} has no description"


def test_the_schema_is_made_of_the_models_and_the_loader_tables() -> None:
    defs = FEATURE["$defs"]
    for shape, s in SHAPES.items():
        assert set(defs[s.name]["properties"]) == set(KEYS[shape])
        assert defs[s.name]["additionalProperties"] is False
    assert defs["feature"]["properties"]["columns"]["additionalProperties"]["enum"] == list(COLUMN_TYPES)
    assert set(defs["lineage"]["anyOf"][1]["properties"]) == set(LINEAGE_KINDS)
    assert set(PROJECT["properties"]) == set(SETTINGS)
    assert PROJECT["$defs"]["target"]["properties"]["type"]["enum"] == sorted(ENGINES)
    for rule in PROJECT["$defs"]["target"]["allOf"]:
        engine = ENGINES[rule["if"]["properties"]["type"]["const"]]
        assert set(rule["then"]["properties"]) == {"type"} | engine.settings


@pytest.mark.parametrize(("shape", "text"), [
    ("feature", "key: a\nid_columns: [id]\nzzz: 1\n"),
    ("dep", "key: a\nid_columns: [id]\ndeps: [{feature: b, zzz: 1}]\n"),
    ("field", "key: a\nid_columns: [id]\nfields: [{key: f, zzz: 1}]\n"),
    ("generate", "key: a\nid_columns: [id]\ndeps: [{feature: b, lineage: {expansion: {generate: {zzz: 1}}}}]\n"),
])
def test_unknown_key_messages_list_the_schema_keys(tmp_path: Path, shape: str, text: str) -> None:
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=r"unknown key 'zzz'") as error:
        parse_feature(read_documents(tmp_path / "a.yaml", "a.yaml")[0], "a.yaml")
    allowed = re.search(r"\(allowed: (.*)\)", str(error.value)).group(1).split(", ")
    assert allowed == sorted(FEATURE["$defs"][SHAPES[shape].name]["properties"])


# -- every project file of the repository -------------------------------------------------------

FEATURE_FILES = sorted([*(REPO / "features").rglob("*.y*ml"), *(REPO / "examples").glob("*/features/**/*.y*ml")])
CONFIG_FILES = sorted(p for p in [REPO / "sqlxy.yaml", *(REPO / "examples").rglob("sqlxy.yaml")] if p.exists())


@pytest.mark.parametrize("path", FEATURE_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_feature_file_of_the_repository_matches(path: Path) -> None:
    assert schema_errors(FEATURE, as_json(loaded(path))) == []


def test_every_project_config_of_the_repository_matches() -> None:
    for path in CONFIG_FILES:  # none is checked in today; the seed and examples use the defaults
        assert schema_errors(PROJECT, as_json(loaded(path))) == [], path


def _readme_blocks() -> list[str]:
    return re.findall(r"```ya?ml\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)


def test_the_readme_examples_match(tmp_path: Path) -> None:
    blocks = _readme_blocks()
    assert blocks
    for i, block in enumerate(blocks):
        path = tmp_path / f"block{i}.yaml"
        path.write_text(block, encoding="utf-8")
        document = as_json(loaded(path))
        is_config = isinstance(document, dict) and set(document) <= set(SETTINGS) and set(document) != {"features"}
        assert schema_errors(PROJECT if is_config else FEATURE, document) == [], block


def _test_yaml_texts() -> list[tuple[str, str]]:
    """The YAML string constants of the test modules that hold a feature file or a sqlxy.yaml."""
    found = []
    for module in sorted(Path(__file__).parent.glob("test_*.py")):
        if module.name == Path(__file__).name:
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\n" in node.value \
                    and re.search(r"^(key|features|targets|hash|table_prefix):", textwrap.dedent(node.value), re.M):
                found.append((f"{module.name}:{node.lineno}", textwrap.dedent(node.value)))
    return found


def test_the_yaml_written_by_the_tests_gets_the_loaders_answer(tmp_path: Path) -> None:
    """Each feature file or sqlxy.yaml the other tests write: the schema accepts it exactly when the
    loader's shape rules do (valid projects and the specs that break a shape rule alike)."""
    checked = 0
    for where, text in _test_yaml_texts():
        path = tmp_path / "sqlxy.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            document = as_json(loaded(path))
        except (SpecError, NotJson):
            continue
        if not isinstance(document, dict):
            continue
        if set(document) <= set(SETTINGS) and set(document) != {"features"}:
            ok = config_loads(tmp_path)
            target = document.get("default_target")
            if target is not None and target not in (document.get("targets") or DEFAULT_TARGETS):
                continue  # loader only
            assert (schema_errors(PROJECT, as_loader_reads_config(document)) == []) == ok, where
        elif {"key", "id_columns"} & set(document) or set(document) == {"features"}:
            errors = schema_errors(FEATURE, as_loader_reads(document))
            # A spec that only a cross-feature rule refuses (a malformed name in `select`, say) may be
            # refused early by the schema, by design (the module docstring): skip such a text here.
            assert (errors == []) == parses(path), (where, errors)
        else:
            continue
        checked += 1
    assert checked >= 40


# -- bad specs: the loader and the schema both refuse ---------------------------------------------

RAW = """\
key: video/raw
id_columns: [video_id]
columns: {video_id: string, path: string, duration_s: float}
fields: [audio, frames]
source:
  versions: {audio: audio_version, frames: frames_version}
"""
CHUNK = """\
key: video/chunk
id_columns: [video_chunk_id]
columns: {video_id: string, video_chunk_id: string, chunk_index: int}
fields: [audio, frames]
deps:
  - feature: video/raw
    lineage:
      expansion:
        on: [video_id]
        generate: {count: "2", index: chunk_index, columns: {video_chunk_id: "video_id || '_' || chunk_index"}}
"""


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


CHILD = """\
key: video/child
id_columns: [video_id]
columns: {video_id: string}
fields: [audio, frames]
deps:
"""

BAD = {
    "unknown key": (RAW, "fields:", "colums: {a: int}\nfields:", "unknown key 'colums'"),
    "unknown dep key": (CHUNK, "  - feature: video/raw\n", "  - feature: video/raw\n    optinal: true\n",
                        "unknown key 'optinal' in dep"),
    "unknown field key": (RAW, "fields: [audio, frames]", "fields: [{key: audio, version: '2'}]",
                          "unknown key 'version' in field"),
    "unknown expansion key": (CHUNK, "on: [video_id]", "onn: [video_id]", "unknown key 'onn'"),
    "aggregation with generate": (CHUNK, "expansion:", "aggregation:", "unknown key 'generate' in aggregation"),
    "missing key": (RAW, "key: video/raw\n", "", "has no 'key'"),
    "missing id_columns": (RAW, "id_columns: [video_id]\n", "", "id_columns is required"),
    "empty id_columns": (RAW, "id_columns: [video_id]", "id_columns: []", "must not be empty"),
    "id column twice": (RAW, "id_columns: [video_id]", "id_columns: [video_id, video_id]", "twice"),
    "id_columns a number": (RAW, "id_columns: [video_id]", "id_columns: 5", "list of names"),
    "bad column type": (RAW, "duration_s: float", "duration_s: double", "unknown type 'double'"),
    "bad column name": (RAW, "path: string", "Path: string", "is malformed"),
    "system column": (RAW, "path: string", "sqlxy_path: string", "system columns"),
    "bad key": (RAW, "key: video/raw", "key: Video/Raw", "malformed"),
    "key with __": (RAW, "key: video/raw", "key: video__raw", "malformed"),
    "fields a string": (RAW, "fields: [audio, frames]", "fields: audio", "fields must be a list"),
    "fields empty": (RAW, "fields: [audio, frames]", "fields: []", "must not be empty"),
    "field without key": (RAW, "fields: [audio, frames]", "fields: [{code_version: '1'}]", "field key"),
    "field a number": (RAW, "fields: [audio, frames]", "fields: [5]", "a field must be a name or a mapping"),
    "code_version with |": (RAW, "fields: [audio, frames]", "fields: [{key: audio, code_version: 'a|b'}]",
                            "code_version must be"),
    "code_version true": (RAW, "fields: [audio, frames]", "fields: [{key: audio, code_version: true}]",
                          "code_version must be"),
    "field dep fields twice": (CHUNK, "fields: [audio, frames]",
                               "fields: [{key: audio, deps: [{feature: video/raw, fields: [audio, audio]}]}]",
                               "twice"),
    "bad lineage kind": (CHUNK, "expansion:", "fanout:", "lineage must be identity"),
    "lineage a word": (CHILD, "deps:\n", "deps:\n  - {feature: video/raw, lineage: expansion}\n",
                       "lineage must be identity"),
    "two lineage kinds": (CHILD, "deps:\n", "deps:\n  - {feature: video/raw, lineage: {expansion: {on: [video_id]}, "
                          "aggregation: {}}}\n", "lineage must be identity"),
    "empty on": (CHUNK, "on: [video_id]", "on: []", "must not be empty"),
    "generate without count": (CHUNK, 'count: "2", ', "", "generate.count"),
    "generate count true": (CHUNK, 'count: "2"', "count: true", "generate.count"),
    "generate bad index": (CHUNK, "index: chunk_index", "index: Chunk-Index", "generate.index"),
    "optional a word": (CHUNK, "  - feature: video/raw\n", "  - feature: video/raw\n    optional: 'yes'\n",
                        "optional must be true or false"),
    "filter a number": (CHUNK, "  - feature: video/raw\n", "  - feature: video/raw\n    filter: 5\n",
                        "filter must be"),
    "fields_mapping a word": (CHUNK, "  - feature: video/raw\n",
                              "  - feature: video/raw\n    fields_mapping: some\n", "fields_mapping must be"),
    "dep without feature": (CHUNK, "  - feature: video/raw\n", "  - select: [path]\n", "needs 'feature'"),
    "deps a string": (CHILD, "deps:\n", "deps: video/raw\n", "deps must be a list"),
    "rename to a number": (CHUNK, "  - feature: video/raw\n", "  - feature: video/raw\n    rename: {path: 5}\n",
                           "rename must be"),
    "rename to a system column": (CHUNK, "  - feature: video/raw\n",
                                  "  - feature: video/raw\n    rename: {path: sqlxy_path}\n", "system columns"),
    "select a bad name": (CHUNK, "  - feature: video/raw\n", "  - feature: video/raw\n    select: [Path]\n",
                          "unknown column 'Path'"),
    "source table and query": (RAW, "source:\n", "source:\n  table: t\n  query: SELECT 1\n", "not both"),
    "source a string": (RAW, "source:\n  versions: {audio: audio_version, frames: frames_version}",
                        "source: raw_videos", "source must be a mapping"),
    "versions a number": (RAW, "frames: frames_version}", "frames: 5}", "source.versions must map"),
    "metadata a list": (RAW, "fields:", "metadata: [a]\nfields:", "metadata must be a mapping"),
    "metadata number key": (RAW, "fields:", "metadata: {owner: {1: x}}\nfields:", "metadata keys must be text"),
    "features list of keys": (RAW, RAW, "features: [video/raw]\n", "must be a mapping"),
    "features not a list": (RAW, RAW, "features: {key: video/raw}\n", "must be a list"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_spec_is_refused_by_the_loader_and_the_schema(tmp_path: Path, case: str) -> None:
    base, old, new, message = BAD[case]
    text = _edit(base, old, new)
    files = {} if "key: video/raw" in text else {"raw.yaml": RAW}
    write_features(tmp_path, {**files, "bad.yaml": text})
    with pytest.raises(SpecError, match=re.escape(message)):
        sqlxy.load_project(tmp_path)
    assert schema_errors(FEATURE, as_json(loaded(tmp_path / "features" / "bad.yaml"))), text


# -- odd but valid specs: the loader and the schema both accept -----------------------------------

GOOD = {
    "id_columns one name": _edit(RAW, "id_columns: [video_id]", "id_columns: video_id"),
    "fields as names and mappings": _edit(RAW, "fields: [audio, frames]",
                                          "fields:\n  - audio\n  - {key: frames, code_version: 1.10}"),
    "code_version a date and a number": _edit(RAW, "fields: [audio, frames]",
                                              "fields: [{key: audio, code_version: 2024-01-01}, "
                                              "{key: frames, code_version: 010}]"),
    "empty values": _edit(RAW, "fields:", "description:\nmetadata:\nfields:"),
    "nested metadata": _edit(RAW, "fields:", "metadata: {owner: {team: ml, tags: [a, 1, null, true, 2.5]}}\nfields:"),
    "source table": _edit(RAW, "source:\n", "source:\n  table: raw_videos\n"),
    "source query": _edit(RAW, "source:\n", "source:\n  query: SELECT 'v' AS video_id, 'p' AS path, "
                                            "1.0 AS duration_s, 'a' AS audio_version, 'f' AS frames_version\n"),
    "features list": "features:\n" + textwrap.indent(RAW, "  ").replace("  key:", "- key:", 1),
    "count a number, generate columns numbers": _edit(
        _edit(CHUNK, 'count: "2"', "count: 2"), "columns: {video_chunk_id:", "columns: {n: 1, video_chunk_id:")
        .replace("chunk_index: int}", "chunk_index: int, n: int}"),
    "expansion on one name": _edit(CHUNK, "on: [video_id]", "on: video_id"),
    "dep a key": CHILD.replace("deps:\n", "deps: [video/raw]\n"),
    "lineage identity spelled out": CHILD + "  - {feature: video/raw, lineage: identity}\n",
    "lineage identity as a mapping": CHILD + "  - feature: video/raw\n    lineage: {identity: }\n",
    "dep settings in short forms": CHILD + "  - feature: video/raw\n    optional: true\n    filter: seconds > 0\n"
                                           "    rename: {duration_s: seconds}\n    select: seconds\n"
                                           "    fields_mapping: {audio: audio, frames: [frames]}\n",
    "dep settings empty": CHILD + "  - feature: video/raw\n    filter:\n    rename:\n    select: []\n"
                                  "    fields_mapping: all\n",
    "aggregation on one name": CHILD.replace("[video_id]", "[path]").replace("{video_id: string}", "{path: string}")
                               + "  - feature: video/raw\n    lineage: {aggregation: {on: path}}\n    select: [path]\n",
    "field deps in short forms": _edit(CHILD, "fields: [audio, frames]",
                                       "fields:\n  - {key: audio, deps: [video/raw]}\n"
                                       "  - {key: frames, deps: [{feature: video/raw, fields: '*'}]}\n"
                                       "  - {key: both, deps: [{feature: video/raw, fields: frames}]}\n"
                                       "  - {key: nothing, deps: null}") + "  - video/raw\n",
}


@pytest.mark.parametrize("case", sorted(GOOD))
def test_an_odd_but_valid_spec_is_accepted_by_both(tmp_path: Path, case: str) -> None:
    text = GOOD[case]
    files = {} if "key: video/raw" in text else {"raw.yaml": RAW}
    write_features(tmp_path, {**files, "good.yaml": text, "empty.yaml": ""})
    sqlxy.load_project(tmp_path)
    for path in (tmp_path / "features").glob("*.yaml"):
        assert schema_errors(FEATURE, as_json(loaded(path))) == [], text


# -- generated specs: the loader's shape rules and the schema agree ------------------------------

NAME_OK = ["video_id", ["video_id"], ["a", "b"]]
NAME_BAD = [[], ["a", "a"], 5, None, [1], {"a": 1}]
FEATURE_POOL: dict[str, tuple[list[Any], list[Any]]] = {  # key → (values both accept, values both refuse)
    "key": (["video/raw", "a", "v-1/r_2", "x" * 63], ["Video/raw", "a__b", "/a", "a/", "", 5, None, "x" * 64, "a b"]),
    "description": (["text", None, ""], [5, ["x"], {"a": 1}, True]),
    "id_columns": (NAME_OK, NAME_BAD),
    "columns": ([{"video_id": "string"}, {"a": "json", "b": "timestamp", "c": "date", "d": "bool"}, None, {}],
                [{"a": "varchar"}, {"Bad": "int"}, {"sqlxy_a": "int"}, ["a"], "a", {"a": None}, {1: "int"},
                 {"a" * 64: "int"}]),
    "fields": ([None, ["audio"], ["audio", {"key": "frames", "code_version": "2"}],
                [{"key": "a", "code_version": Raw("1.10")}], [{"key": "a", "deps": None}], ["x" * 43],
                [{"key": "a", "deps": ["video/raw", {"feature": "video/raw", "fields": "*"},
                                       {"feature": "video/raw", "fields": ["audio"]},
                                       {"feature": "video/raw", "fields": "audio"}]}]],
               [[], "audio", [5], [None], [{"code_version": "1"}], [{"key": "a", "version": "1"}],
                [{"key": "a", "code_version": ""}], [{"key": "a", "code_version": "a|b"}],
                [{"key": "a", "code_version": True}], [{"key": "a", "code_version": None}], [{"key": "A"}],
                ["a__b"], ["x" * 44], [{"key": "a", "deps": "video/raw"}], [{"key": "a", "deps": [5]}],
                [{"key": "a", "deps": [{"feature": "video/raw", "fields": ["a", "a"]}]}],
                [{"key": "a", "deps": [{"feature": "video/raw", "what": 1}]}],
                [{"key": "a", "deps": [{"feature": "video/raw", "fields": None}]}]]),
    "source": ([None, {}, {"table": "t"}, {"query": "SELECT 1"}, {"versions": {"audio": "a"}},
                {"table": "t", "versions": None}],
               ["t", {"table": "t", "query": "q"}, {"table": 5}, {"table": None}, {"x": 1}, {"versions": ["a"]},
                {"versions": {"audio": 1}}, [{"table": "t"}]]),
    "metadata": ([None, {"owner": "x"}, {"a": {"b": [1, 2.5, None, True]}}],
                 [["x"], "x", 5, {"a": {1: "x"}}, {"a": [{None: 1}]}]),
}
GENERATE_OK = {"count": "3", "index": "i", "columns": {"c": "i * 2", "d": 1.5, "e": True}}
DEP_POOL: dict[str, tuple[list[Any], list[Any]]] = {
    "lineage": (["identity", {"identity": None}, {"identity": {"on": ["x"]}}, {"expansion": {"on": ["video_id"]}},
                 {"expansion": None}, {"expansion": {}}, {"aggregation": {"on": "video_id"}},
                 {"expansion": {"on": ["a"], "generate": GENERATE_OK}}, {"expansion": {"generate": {"count": 2}}},
                 {"expansion": {"generate": {"count": "n", "columns": None}}}],
                ["expansion", None, "fanout", {"fanout": {}}, {"expansion": {}, "aggregation": {}}, {},
                 {"expansion": {"x": 1}}, {"aggregation": {"generate": {"count": "1"}}}, {"expansion": {"on": []}},
                 {"expansion": {"on": ["a", "a"]}}, {"expansion": 5}, {"expansion": "on"},
                 {"expansion": {"generate": None}}, {"expansion": {"generate": {"count": True}}},
                 {"expansion": {"generate": {"count": 1.5}}}, {"expansion": {"generate": {"count": 2.0}}},
                 {"expansion": {"generate": {}}}, {"expansion": {"generate": {"count": "1", "index": "Bad"}}},
                 {"expansion": {"generate": {"count": "1", "index": 5}}},
                 {"expansion": {"generate": {"count": "1", "columns": {"c": None}}}},
                 {"expansion": {"generate": {"count": "1", "columns": ["c"]}}},
                 {"expansion": {"generate": {"count": "1", "step": 1}}}, {"expansion": {"generate": "x"}}]),
    "rename": ([None, {}, {"path": "raw_path"}], [{"path": 5}, ["path"], "path", {"path": None}]),
    "select": ([[], ["a"], "a"], [None, 5, ["a", "a"], [1], {"a": 1}]),
    "filter": (["a > 1", None], [5, ["a"], True]),
    "optional": ([True, False], [None, "yes", 1, Raw("on")]),
    "fields_mapping": (["default", "all", "none", {"audio": ["audio"]}, {"audio": "audio"}, {}],
                       ["some", None, ["a"], {"audio": 5}, {"audio": ["a", "a"]}, Raw("on"), {"audio": None}]),
}


@st.composite
def pooled(draw: st.DrawFn, pool: dict[str, tuple[list[Any], list[Any]]], required: tuple[str, ...]) -> dict[str, Any]:
    """A mapping whose keys are absent, given a value both accept or (one time in ten) one both refuse."""
    out: dict[str, Any] = {}
    for key, (good, bad) in pool.items():
        if key not in required and draw(st.booleans()):
            continue
        if key in required and draw(st.integers(0, 11)) == 0:
            continue  # a required key missing
        out[key] = draw(st.sampled_from(bad if draw(st.integers(0, 9)) == 0 else good))
    if draw(st.integers(0, 11)) == 0:
        out[draw(st.sampled_from(["colums", "zzz", 1]))] = 1  # an unknown key
    return out


@st.composite
def feature_specs(draw: st.DrawFn) -> Any:
    feature = draw(pooled(FEATURE_POOL, ("key", "id_columns")))
    deps = draw(st.lists(st.one_of(st.just("video/raw"), st.sampled_from([5, None]),
                                   pooled({"feature": (["video/raw"], [5, None, ["video/raw"]]), **DEP_POOL},
                                          ("feature",))), max_size=2))
    if deps or draw(st.booleans()):
        feature["deps"] = deps
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return {"features": [feature, draw(st.sampled_from([{"key": "b", "id_columns": "i"}, "b", None]))]}
    if shape == 1:
        return draw(st.sampled_from([[feature], "text", None]))
    return feature


@PROPERTY
@given(spec=feature_specs())
def test_generated_specs_loader_accepts_exactly_what_the_schema_accepts(spec: Any) -> None:
    """The shape rules both check, on specs built from values each accepts or refuses: the loader
    (reading the file, parsing each feature) accepts ⇔ the schema accepts."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spec.yaml"
        path.write_text(to_yaml(spec), encoding="utf-8")
        document = as_json(loaded(path))
        errors = schema_errors(FEATURE, document)
        assert parses(path) == (not errors), (path.read_text(encoding="utf-8"), errors)


def _write(root: Path, specs: dict[str, Any]) -> dict[str, Path]:
    paths = {}
    for name, spec in specs.items():
        path = root / "features" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_yaml(spec), encoding="utf-8")
        paths[name] = path
    return paths


def _document(path: Path, dates: bool) -> Any:
    try:
        return as_json(loaded(path), dates)
    except (SpecError, NotJson):  # not YAML, or values JSON has no type for
        return NotJson


@PROPERTY
@given(data=st.data())
def test_generated_projects_the_schema_never_contradicts_the_loader(data: st.DataObject) -> None:
    """The fuzzer's projects (the seed varied, then maybe broken by one random edit): when the whole
    project loads, every file matches the schema (the loader's empty values read as absent); and a
    file the schema accepts passes the loader's shape rules."""
    specs = data.draw(variant())
    if data.draw(st.booleans()):
        name = data.draw(st.sampled_from(sorted(specs)))
        specs[name] = data.draw(mutate(specs[name]))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = _write(root, specs)
        try:
            sqlxy.load_project(root)
            loads = True
        except SpecError:
            loads = False
        for path in paths.values():
            editor = _document(path, dates=True)
            if loads and editor is not NotJson:
                assert schema_errors(FEATURE, as_loader_reads(editor)) == [], path.read_text(encoding="utf-8")
            strict = _document(path, dates=False)
            if strict is not NotJson and not schema_errors(FEATURE, strict):
                assert parses(path), path.read_text(encoding="utf-8")


@PROPERTY
@given(cfg=config())
def test_generated_configs_loader_and_schema_agree(cfg: Any) -> None:
    """The fuzzer's sqlxy.yaml files: load_config accepts ⇔ the schema accepts, but for the rules
    only the loader checks (default_target among the targets)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if isinstance(cfg, dict) and cfg.get("features") == ABSOLUTE:
            cfg = {**cfg, "features": str(root / "features")}
        path = root / "sqlxy.yaml"
        path.write_text(cfg.text + "\n" if isinstance(cfg, Raw) else to_yaml(cfg), encoding="utf-8")
        document = _document(path, dates=False)
        if document is NotJson:
            return
        ok = config_loads(root)
        errors = schema_errors(PROJECT, as_loader_reads_config(document))
        if ok:
            assert errors == [], (path.read_text(encoding="utf-8"), errors)
        elif not errors:
            targets = document.get("targets") or DEFAULT_TARGETS
            assert document.get("default_target", next(iter(targets))) not in targets, path.read_text()


# -- the command -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "schema"), [([], FEATURE), (["feature"], FEATURE), (["project"], PROJECT)])
def test_schema_prints_json_on_stdout(capsys: pytest.CaptureFixture[str], args: list[str],
                                      schema: dict[str, Any]) -> None:
    assert main(["schema", *args]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == schema
    assert err == ""


def test_schema_needs_no_project(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--project", str(tmp_path / "nowhere"), "schema", "project"]) == 0
    assert json.loads(capsys.readouterr().out) == PROJECT


def test_schema_out_writes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "target" / "schema" / "project.json"
    assert main(["schema", "project", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == PROJECT
    stdout, stderr = capsys.readouterr()
    assert stdout == ""
    assert stderr == f"wrote the project schema to {out}\n"


def test_schema_out_validates_the_seed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """What `--out` writes is what an editor loads: it validates the seed's files."""
    out = tmp_path / "feature.json"
    assert main(["schema", "--out", str(out)]) == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    for path in (REPO / "features").rglob("*.yaml"):
        jsonschema.Draft202012Validator(schema).validate(as_json(loaded(path)))


@pytest.mark.parametrize("where", ["under a file", "a folder"])
def test_schema_out_that_cannot_be_written_is_a_user_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           where: str) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    out = tmp_path / "file" / "feature.json" if where == "under a file" else tmp_path
    assert main(["schema", "--out", str(out)]) == 1
    stdout, stderr = capsys.readouterr()
    assert stdout == ""
    assert stderr.startswith(f"error: cannot write the schema to {out}: ")
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
