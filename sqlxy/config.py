"""`sqlxy.yaml` → Config: hash settings, naming, targets; `${VAR}` expands from the environment.

`SETTINGS`, `HASHES`, the name patterns and the engine registry (`sqlxy.engines`) are the rules the
loader checks; `config_schema()` renders the same tables as JSON Schema (`sqlxy schema project`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlxy.engines import ENGINES, Engine
from sqlxy.errors import SpecError
from sqlxy.spec.load import LineDict, load_yaml
from sqlxy.spec.schema import DIALECT, described

CONFIG_FILE = "sqlxy.yaml"
HASHES = {"md5": 32, "sha256": 64}  # hash → the most hex characters it has
DEFAULT_HASH = "md5"
MIN_HASH_LENGTH = 8
DEFAULT_TARGETS = {"dev": {"type": "duckdb", "path": "target/sqlxy.duckdb"}}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PREFIX = r"[a-z0-9_]*"
_SCHEMA = r"[a-z_][a-z0-9_]*"
#: The settings of sqlxy.yaml (every one optional) and what each means.
SETTINGS = {
    "name": "The project's name (default: the project folder's name).",
    "features": "The folder of feature specs, relative to the project (default: features).",
    "hash": f"The hash of provenance and versions: {', '.join(HASHES)} (default: {DEFAULT_HASH}).",
    "hash_length": f"Hex characters of each hash kept, from {MIN_HASH_LENGTH} to the hash's own length "
                   f"({', '.join(f'{k}: {v}' for k, v in HASHES.items())}; the default).",
    "schema": "The database schema (dataset) of the feature tables; default: the connection's own.",
    "table_prefix": "Prepended to every table name ([a-z0-9_]).",
    "targets": "The databases sqlxy runs on: name → settings (`type` and the settings its engine reads); "
               "${VAR} expands from the environment. Default: {dev: {type: duckdb, path: target/sqlxy.duckdb}}.",
    "default_target": "The target used without --target (default: dev if there is one, else the first).",
}
_SINGLE_VALUES = ("name", "features", "hash", "schema", "table_prefix", "default_target")


@dataclass(frozen=True)
class Config:
    root: Path
    name: str = "sqlxy"
    features_dir: str = "features"
    hash: str = "md5"
    hash_length: int = 32
    schema: str | None = None
    table_prefix: str = ""
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_target: str = "dev"

    def target(self, name: str | None) -> tuple[str, dict[str, Any]]:
        chosen = name or self.default_target
        if chosen not in self.targets:
            known = ", ".join(sorted(self.targets)) or "none"
            raise SpecError(f"unknown target '{chosen}' (known: {known})", CONFIG_FILE)
        return chosen, expand_vars(self.targets[chosen], f"targets.{chosen}")


def expand_vars(value: Any, where: str) -> Any:
    """Replace `${VAR}` in strings from the environment; a missing variable is an error."""
    if isinstance(value, dict):
        return {k: expand_vars(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [expand_vars(v, where) for v in value]
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise SpecError(f"{where}: environment variable {name} is not set", CONFIG_FILE)
        return os.environ[name]

    return _VAR.sub(lookup, value)


def load_config(root: Path) -> Config:
    path = root / CONFIG_FILE
    raw: Any = load_yaml(path, CONFIG_FILE) if path.exists() else None
    raw = raw if raw is not None else LineDict()
    if not isinstance(raw, LineDict):
        raise SpecError("must be a mapping of settings", CONFIG_FILE)

    def fail(message: str, key: str) -> SpecError:
        return SpecError(message, CONFIG_FILE, raw.line_of(key) or None)

    unknown = sorted(set(raw) - set(SETTINGS), key=str)  # YAML keys may be numbers too: `1: x`
    if unknown:
        raise fail(f"unknown key '{unknown[0]}' (known: {', '.join(sorted(SETTINGS))})", unknown[0])
    for key in _SINGLE_VALUES:
        if isinstance(raw.get(key), (dict, list)):
            raise fail(f"{key} must be a single value, got {raw[key]!r}", key)
    hash_name = raw.get("hash", DEFAULT_HASH)
    if hash_name not in HASHES:
        raise fail(f"hash '{hash_name}' is not one of md5, sha256", "hash")
    length = raw.get("hash_length", HASHES[hash_name])
    if not isinstance(length, int) or isinstance(length, bool) or not MIN_HASH_LENGTH <= length <= HASHES[hash_name]:
        raise fail(f"hash_length {length!r} must be an integer from {MIN_HASH_LENGTH} to {HASHES[hash_name]} "
                   f"for {hash_name}", "hash_length")
    targets = raw.get("targets") or DEFAULT_TARGETS
    problem = _target_problem(targets)
    if problem:
        raise fail(problem, "targets")
    _check_target_settings(targets)
    default = raw.get("default_target", "dev" if "dev" in targets else next(iter(targets)))
    if default not in targets:
        raise fail(f"default_target '{default}' is not among targets ({', '.join(targets)})", "default_target")
    prefix = raw.text_of("table_prefix") or ""  # as written: YAML reads `010` as 8
    if not re.fullmatch(_PREFIX, str(prefix)):
        raise fail(f"table_prefix '{prefix}' may hold only [a-z0-9_]", "table_prefix")
    schema = raw.get("schema")
    if schema is not None and not re.fullmatch(_SCHEMA, str(schema)):
        raise fail(f"schema '{schema}' must be a lowercase identifier", "schema")
    return Config(root=root, name=str(raw.text_of("name") or root.resolve().name),
                  features_dir=str(raw.text_of("features") or "features"), hash=hash_name,
                  hash_length=length, schema=schema, table_prefix=prefix,
                  targets=_without_nulls(targets), default_target=default)


def _without_nulls(targets: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`path: null` (or `~`) means the setting is not given, so the engine's default applies."""
    return {name: {k: v for k, v in settings.items() if v is not None} for name, settings in targets.items()}


def _target_problem(targets: Any) -> str | None:
    if not isinstance(targets, dict) or not targets:
        return "targets must be a non-empty mapping of name → settings"
    for name, settings in targets.items():
        if not isinstance(settings, dict) or not isinstance(settings.get("type"), str) \
                or settings["type"] not in ENGINES:
            return f"target '{name}' needs type: one of {', '.join(sorted(ENGINES))}"
    return None


def _check_target_settings(targets: dict[str, Any]) -> None:
    """Every setting of every target is one its engine reads (`sqlxy.engines`), of the shape it reads."""
    for name, settings in targets.items():
        for key, value in settings.items():
            problem = _setting_problem(ENGINES[settings["type"]], key, value)
            if problem:
                line = settings.line_of(key) if isinstance(settings, LineDict) else None
                raise SpecError(f"target '{name}'{problem}", CONFIG_FILE, line or None)


def _setting_problem(engine: Engine, key: str, value: Any) -> str | None:
    if key != "type" and key not in engine.settings:
        return f" has unknown setting '{key}' (known for {engine.type}: {', '.join(sorted(engine.settings))})"
    if key in engine.texts and value is not None and not isinstance(value, str):
        return f": {key} must be a string, got {value!r}"
    if key in engine.mappings and value is not None and not isinstance(value, dict):
        return f": {key} must be a mapping of option → value, got {value!r}"
    return None


def config_schema() -> dict[str, Any]:
    """The JSON Schema of `sqlxy.yaml`, from the tables `load_config` checks against. Loader only:
    `default_target` must name a target, and `${VAR}` must be set when a target is used."""
    scalar = {"type": ["string", "number", "boolean", "null"]}
    values: dict[str, dict[str, Any]] = {
        "name": scalar, "features": scalar,
        "hash": {"enum": list(HASHES), "default": DEFAULT_HASH},
        "hash_length": {"type": "integer", "minimum": MIN_HASH_LENGTH, "maximum": max(HASHES.values())},
        "schema": {"type": ["string", "null"], "pattern": f"^{_SCHEMA}$"},
        "table_prefix": {"anyOf": [{"type": "string", "pattern": f"^{_PREFIX}$"},
                                   {"type": "integer", "minimum": 0}, {"type": "null"}]},
        "targets": {"type": ["object", "null"], "additionalProperties": {"$ref": "#/$defs/target"}},
        "default_target": {"type": "string"},
    }
    return {"$schema": DIALECT, "title": "sqlxy project settings (sqlxy.yaml)",
            "description": "The settings of a sqlxy project; every one is optional.",
            "type": ["object", "null"],
            "properties": {key: described(values[key], doc) for key, doc in SETTINGS.items()},
            "additionalProperties": False, "allOf": [_hash_length(h) for h in HASHES],
            "$defs": {"target": _target_schema()}}


def _hash_length(hash_name: str) -> dict[str, Any]:
    """hash_length at most the length of `hash_name`'s hex digest when it is the hash used."""
    chosen: dict[str, Any] = {"properties": {"hash": {"const": hash_name}}, "required": ["hash"]}
    if hash_name == DEFAULT_HASH:
        chosen = {"anyOf": [chosen, {"not": {"required": ["hash"]}}]}
    return {"if": chosen, "then": {"properties": {"hash_length": {"maximum": HASHES[hash_name]}}}}


def _target_schema() -> dict[str, Any]:
    """One target: its `type` picks the engine, which allows exactly the settings it reads."""
    def settings(engine: Engine) -> dict[str, Any]:
        texts = {k: described({"type": ["string", "null"]}, v) for k, v in engine.texts.items()}
        mappings = {k: described({"type": ["object", "null"]}, v) for k, v in engine.mappings.items()}
        return {"properties": {"type": {}, **texts, **mappings}, "additionalProperties": False}

    return {"type": "object", "description": "A database sqlxy runs on; a setting set to null takes its default.",
            "properties": {"type": {"enum": sorted(ENGINES), "description": "The engine."}},
            "required": ["type"],
            "allOf": [{"if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                       "then": settings(engine)} for name, engine in sorted(ENGINES.items())]}
