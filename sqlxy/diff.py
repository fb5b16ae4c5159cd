"""`sqlxy diff`: what changed between a base manifest and the project as it is now."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlxy.errors import SqlxyError


def load_manifest(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SqlxyError(f"no manifest at {path} (run `sqlxy compile` to write target/manifest.json)") \
            from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SqlxyError(f"{path} is not a manifest: {exc}") from None
    except OSError as exc:
        raise SqlxyError(f"cannot read the manifest {path}: {exc.strerror or exc}") from None
    if not isinstance(data, dict) or "features" not in data:
        raise SqlxyError(f"{path} is not a sqlxy manifest (no 'features')")
    problem = _shape_problem(data["features"])
    if problem:
        raise SqlxyError(f"{path} is not a sqlxy manifest: {problem}")
    return data


def _shape_problem(features: Any) -> str | None:
    """What keeps `features` from being a manifest's (what `diff_manifests` reads), or None."""
    if not isinstance(features, dict):
        return "'features' is not a mapping"
    for key, entry in features.items():
        if not isinstance(entry, dict) or not {"version", "spec_hash", "fields"} <= set(entry):
            return f"feature '{key}' needs version, spec_hash and fields"
        if not isinstance(entry["fields"], dict) or not all(isinstance(f, dict) for f in entry["fields"].values()):
            return f"the fields of feature '{key}' are not a mapping of field → versions"
    return None


def diff_manifests(base: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per feature that differs: added, removed, version changed (with the fields and the
    reason), or spec-only edits that leave versions as they are."""
    rows = []
    old, new = base["features"], current["features"]
    for key in sorted(set(old) | set(new)):
        if key not in old:
            rows.append({"feature": key, "change": "added", "fields": sorted(new[key]["fields"])})
        elif key not in new:
            rows.append({"feature": key, "change": "removed", "fields": sorted(old[key]["fields"])})
        elif old[key]["version"] != new[key]["version"]:
            rows.append({"feature": key, "change": "version", "fields": _changed_fields(old[key], new[key]),
                         "reason": _reason(old[key], new[key])})
        elif old[key]["spec_hash"] != new[key]["spec_hash"]:
            rows.append({"feature": key, "change": "spec only", "fields": []})
    return rows


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    names = set(old["fields"]) | set(new["fields"])
    return sorted(n for n in names
                  if old["fields"].get(n, {}).get("version") != new["fields"].get(n, {}).get("version"))


def _reason(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Why a feature's version changed: its SQL definition, a code_version of its own, or upstream
    (a parent field's version, or a changed field-level mapping)."""
    reasons = []
    if old.get("definition") != new.get("definition"):
        reasons.append("definition")
    shared = set(old["fields"]) & set(new["fields"])
    if any(old["fields"][n].get("code_version") != new["fields"][n].get("code_version") for n in shared):
        reasons.append("code_version")
    if set(old["fields"]) != set(new["fields"]):
        reasons.append("fields")
    return ", ".join(reasons) or "upstream"
