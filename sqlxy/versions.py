"""Static versions (SPEC §4): field, feature and project versions and spec hashes, no database."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from sqlxy.graph import FeatureGraph, FieldRef, fullname
from sqlxy.provenance import digest, join
from sqlxy.spec.definition import canonical_definition
from sqlxy.spec.model import FeatureSpec


@dataclass(frozen=True)
class Versions:
    fields: dict[FieldRef, str]
    features: dict[str, str]
    spec_hashes: dict[str, str]
    project: str
    project_spec_hash: str
    definitions: dict[str, str] = dataclasses.field(default_factory=dict)  # key → D(F), SQL-defined only

    def code_version(self, key: str, code_version: str) -> str:
        """A field's code version as the formulas use it: with `+D(F)` for SQL-defined features."""
        return with_definition(code_version, self.definitions.get(key))

    def feature_fields(self, key: str) -> dict[str, str]:
        return {f: v for (k, f), v in self.fields.items() if k == key}

    def as_json(self) -> dict[str, Any]:
        return {
            "project_version": self.project,
            "spec_hash": self.project_spec_hash,
            "features": {key: {"version": version, "spec_hash": self.spec_hashes[key],
                               "definition": self.definitions.get(key),
                               "fields": self.feature_fields(key)}
                         for key, version in sorted(self.features.items())},
        }


def with_definition(code_version: str, definition: str | None) -> str:
    return code_version if definition is None else f"{code_version}+{definition}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def normalised_spec(spec: FeatureSpec) -> dict[str, Any]:
    """The spec with shorthands expanded and file positions dropped: what the spec hash covers."""
    data = dataclasses.asdict(spec)
    for position in ("file", "line", "raw"):
        data.pop(position)
    for dep in data["deps"]:
        dep.pop("line")
    return data


def compute_versions(graph: FeatureGraph, algorithm: str = "md5", length: int = 32) -> Versions:
    def h(text: str) -> str:
        return digest(text, algorithm, length)

    fields: dict[FieldRef, str] = {}
    features: dict[str, str] = {}
    spec_hashes: dict[str, str] = {}
    definitions = {node.key: h(text) for node in graph
                   if (text := canonical_definition(node.spec, node.columns)) is not None}
    for node in graph:
        for field in node.spec.fields:
            ref = (node.key, field.key)
            parts = [fullname(ref), with_definition(field.code_version, definitions.get(node.key))]
            parts += [fullname(p) + "=" + fields[p] for p in node.field_parents[field.key]]
            fields[ref] = h(join(parts))
        by_key = sorted(node.spec.fields, key=lambda f: f.key.encode())
        features[node.key] = h(join([node.key] + [f.key + "=" + fields[(node.key, f.key)]
                                                  for f in by_key]))
        spec_hashes[node.key] = h(canonical_json(normalised_spec(node.spec)))
    keys = sorted(features, key=lambda k: k.encode())
    project = h(join([k + "=" + features[k] for k in keys]))
    project_spec = h(canonical_json({k: normalised_spec(graph.specs[k]) for k in keys}))
    return Versions(fields, features, spec_hashes, project, project_spec, definitions)
