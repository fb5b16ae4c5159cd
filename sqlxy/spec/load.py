"""Discovery of feature files and a YAML loader that remembers the line of every key."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from sqlxy.errors import SpecError


class LineDict(dict):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int] = {}  # the loader sets one per instance
    plain_texts: dict[str, str] = {}  # unquoted scalar values as written, by key

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def text_of(self, key: str) -> Any:
        """The value at `key`, but a number or date written unquoted as the text written: YAML
        reads `1.10` as 1.1 and `010` as 8, and a version or a name must keep every character."""
        value = self.get(key)
        if isinstance(value, (int, float, date)) and not isinstance(value, bool) and key in self.plain_texts:
            return self.plain_texts[key]
        return value


class LineList(list):
    """A sequence from YAML that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int] = []  # the loader sets one per instance

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def line_at(node: Any, path: Sequence[str | int], default: int) -> int:
    """The line of the value at `path` below `node` (keys and list indexes); where the path leaves
    the YAML (a key that is absent, a default), the line of the deepest step that exists."""
    line = default
    for step in path:
        if not _has(node, step):
            break
        line, node = node.line_of(step), node[step]
    return line


def _has(node: Any, step: str | int) -> bool:
    if isinstance(node, LineDict):
        return isinstance(step, str) and step in node
    if isinstance(node, LineList):
        return isinstance(step, int) and 0 <= step < len(node)
    return False


class _RepeatedKey(yaml.constructor.ConstructorError):
    """A mapping that gives one key twice (valid YAML syntax, but YAML requires unique keys)."""


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self._refuse_repeated_keys(node)
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value
                             if isinstance(k, yaml.ScalarNode)}
        mapping.plain_texts = {k.value: v.value for k, v in node.value
                               if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
                               and v.style is None}
        return mapping

    def _refuse_repeated_keys(self, node: yaml.MappingNode) -> None:
        """PyYAML keeps the last of two equal keys; a spec that says two things is an error.

        Checked before merge keys (`<<`) are flattened: a key that overrides a merged one is YAML's
        documented override, not a repetition.
        """
        first: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in first:
                raise _RepeatedKey(
                    None, None, f"key '{key_node.value}' is given twice (first at line "
                    f"{first[key].start_mark.line + 1}); give each key once", key_node.start_mark)
            first[key] = key_node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A value its explicit tag cannot make (`!!int 1.5`, `!!bool maybe`, `!!map [a]`) is
        malformed YAML at that value's line, not a crash of the constructor."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            shown = f"{node.value!r} " if isinstance(node, yaml.ScalarNode) else ""
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {shown}as {tag} ({exc})",
                                                    node.start_mark) from None

    def construct_line_list(self, node: yaml.SequenceNode) -> LineList:
        items = LineList(self.construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                            _LineLoader.construct_line_list)

# YAML 1.1 reads `on`, `off`, `yes` and `no` as booleans, which would turn `expansion: {on: ...}`
# into `{True: ...}`; only `true` and `false` are booleans in a spec.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BOOLEAN = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_LineLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOLEAN, list("tTfF"))


def feature_files(root: Path, features_dir: str) -> list[Path]:
    folder = root / features_dir
    if not folder.is_dir():
        where = "" if features_dir == "features" else " (the 'features' setting of sqlxy.yaml)"
        raise SpecError(f"no features folder '{features_dir}' in {root}{where}")
    files = [p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())  # the folder may be outside root


def load_yaml(path: Path, display: str) -> Any:
    """A YAML file whose mappings and lists know their lines; malformed YAML is a SpecError."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})", display,
                        data.count(b"\n", 0, exc.start) + 1) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506
    except _RepeatedKey as exc:
        raise SpecError(str(exc.problem), display, exc.problem_mark.line + 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise SpecError(f"malformed YAML: {exc.problem}", display, line) from None
    except yaml.reader.ReaderError as exc:  # no mark: the position of the character in the text
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise SpecError(f"malformed YAML: unacceptable character U+{code:04X} ({exc.reason})", display,
                        text.count("\n", 0, exc.position) + 1) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"malformed YAML: {exc}", display) from None
    except RecursionError:
        raise SpecError("malformed YAML: nested too deeply", display) from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a tag's constructor, run after the fact
        raise SpecError(f"malformed YAML: a tagged value cannot be read ({exc})", display) from None


def read_documents(path: Path, display: str) -> list[LineDict]:
    """The feature mappings held by one file: a single mapping or a `features:` list."""
    data = load_yaml(path, display)
    if data is None:
        return []
    if isinstance(data, LineDict) and set(data) == {"features"}:
        items = data["features"]
        if not isinstance(items, list):
            raise SpecError("'features' must be a list of feature mappings", display, data.line)
    else:
        items = [data]
    for item in items:
        if not isinstance(item, LineDict):
            raise SpecError("a feature spec must be a mapping", display,
                            getattr(data, "line", None))
    return items
