"""`sqlxy plan` (and `diff`, its alias without counts): what changed between a base graph and the
project as it is now, per feature and field, and why (pure: no database).

Both sides are *snapshots*, the part of a manifest a plan reads: per feature its version, spec
hash, SQL definition, deps and per field its code version, version and parent fields. The current
side and a graph rebuilt from what `push` recorded (`rebuild`) are snapshotted from their graph and
versions; a base manifest from `compile` already has that shape (`load_manifest` checks it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlxy.errors import SpecError, SqlxyError
from sqlxy.graph import FeatureGraph, fullname
from sqlxy.spec.normalised import spec_from_normalised
from sqlxy.versions import Versions, compute_versions

#: The manifest format `compile` writes; a plan refuses a newer one (it may mean other things).
MANIFEST_VERSION = 1
#: The largest manifest a plan reads (a seed manifest is a few KiB; 10,000 features a few MiB).
MAX_MANIFEST = 64 << 20
#: A feature's change against the base, in the order a reader cares about.
CHANGES = ("added", "removed", "changed", "untouched", "spec only", "unchanged")
RECOMPUTED = ("added", "removed", "changed")


def snapshot(graph: FeatureGraph, versions: Versions, hashing: tuple[str, int] | None = None) -> dict[str, Any]:
    """The project's graph as a plan reads it (a subset of `Project.manifest`); `hashing`: the
    project's hash and hash_length."""
    features = {node.key: {
        "version": versions.features[node.key], "spec_hash": versions.spec_hashes[node.key],
        "definition": versions.definitions.get(node.key), "deps": [d.upstream for d in node.deps],
        "fields": {f.key: {"code_version": f.code_version, "version": versions.fields[(node.key, f.key)],
                           "parents": [fullname(p) for p in node.field_parents[f.key]]}
                   for f in node.spec.fields}} for node in graph}
    return {"project_version": versions.project, "features": features, "hash": hashing}


def load_manifest(path: str | Path) -> dict[str, Any]:
    """A manifest.json from `compile` as a snapshot (plus its `project` name); a user error when it
    is none, or one this sqlxy cannot read (newer, larger than `MAX_MANIFEST`, not JSON, hostile)."""
    data = _read_json(path)
    if not isinstance(data, dict) or "features" not in data:
        raise SqlxyError(f"{path} is not a sqlxy manifest (no 'features')")
    version = data.get("manifest_version", MANIFEST_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > MANIFEST_VERSION:
        raise SqlxyError(f"{path} has manifest_version {version!r}; this sqlxy reads {MANIFEST_VERSION} "
                         "and older (upgrade sqlxy, or compile the base with this one)")
    problem = _shape_problem(data)
    if problem:
        raise SqlxyError(f"{path} is not a sqlxy manifest: {problem}")
    features = {key: {"version": entry["version"], "spec_hash": entry["spec_hash"],
                      "definition": entry.get("definition"),
                      "deps": None if entry.get("deps") is None else [d["feature"] for d in entry["deps"]],
                      "fields": {name: {"code_version": f.get("code_version"), "version": f["version"],
                                        "parents": f.get("parents")} for name, f in entry["fields"].items()}}
                for key, entry in data["features"].items()}
    project = data.get("project")
    return {"project_version": data.get("project_version"), "features": features,
            "hash": (data["hash"], data.get("hash_length")) if "hash" in data else None,
            "project": project if isinstance(project, str) else None}


def _read_json(path: str | Path) -> Any:
    """The JSON of the file at `path`, at most `MAX_MANIFEST` bytes (checked before reading, and
    read no further: a device or a growing file), every text printable as UTF-8."""
    try:
        with open(path, "rb") as file:
            if os.fstat(file.fileno()).st_size > MAX_MANIFEST:
                raise SqlxyError(f"the manifest {path} is larger than {MAX_MANIFEST >> 20} MiB")
            raw = file.read(MAX_MANIFEST + 1)
    except FileNotFoundError:
        raise SqlxyError(f"no manifest at {path} (run `sqlxy compile` to write target/manifest.json)") \
            from None
    except OSError as exc:
        raise SqlxyError(f"cannot read the manifest {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_MANIFEST:
        raise SqlxyError(f"the manifest {path} is larger than {MAX_MANIFEST >> 20} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate (\ud800) cannot be printed
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeError, too many digits
        reason = "nested too deeply" if isinstance(exc, RecursionError) else \
            "it holds text that is not Unicode (a lone surrogate)" if isinstance(exc, UnicodeEncodeError) else \
            str(exc)
        raise SqlxyError(f"{path} is not a manifest: {reason[:300]}") from None
    return data


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _shape_problem(data: dict[str, Any]) -> str | None:
    """What keeps `data` from being a manifest a plan can read, or None."""
    features = data["features"]
    if not isinstance(features, dict):
        return "'features' is not a mapping"
    if not isinstance(data.get("project_version", ""), str):
        return "'project_version' is not text"
    for key, entry in features.items():
        if not isinstance(entry, dict) or not {"version", "spec_hash", "fields"} <= set(entry):
            return f"feature '{key}' needs version, spec_hash and fields"
        if not isinstance(entry["fields"], dict) or not all(isinstance(f, dict) for f in entry["fields"].values()):
            return f"the fields of feature '{key}' are not a mapping of field → versions"
        texts = {name: entry.get(name) for name in ("version", "spec_hash", "definition")}
        if texts["definition"] is None:  # a feature without SQL of its own
            del texts["definition"]
        bad = next((name for name, value in texts.items() if not _text(value)), None)
        if bad:
            return f"the {bad} of feature '{key}' is not text"
        deps = entry.get("deps")
        if deps is not None and not (isinstance(deps, list) and all(
                isinstance(d, dict) and _text(d.get("feature")) for d in deps)):
            return f"the deps of feature '{key}' are not a list of {{feature: K}}"
        for name, field in entry["fields"].items():
            parents, code = field.get("parents"), field.get("code_version")
            if not _text(field.get("version")) or not (code is None or _text(code)) \
                    or not (parents is None or (isinstance(parents, list) and all(map(_text, parents)))):
                return f"field '{key}:{name}' needs a version (text), a code_version (text) and parents (a list)"
    return None


def rebuild(specs: Sequence[dict[str, Any]], algorithm: str, length: int) -> tuple[FeatureGraph, Versions]:
    """The graph and versions of normalised specs (what `push` records as `spec_json`)."""
    graph = FeatureGraph([spec_from_normalised(s) for s in specs])
    return graph, compute_versions(graph, algorithm, length)


def compare(base: dict[str, Any], current: dict[str, Any], order: Sequence[str],
            keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One entry per feature of `keys` (default: every current feature in `order`, then the
    removed ones): its change (`CHANGES`), versions, fields with the reasons their versions
    changed, deps added or removed, for an untouched one the upstream fields it reads, and the
    deps whose samples may change (`resampled_deps`: a SQL-definition change at or above them),
    which make a feature's samples change whatever fields it reads, so it is never untouched."""
    old, new = base["features"], current["features"]
    removed = sorted(k for k in old if k not in new)
    entries = {key: _feature(key, old.get(key), new.get(key), base, current) for key in [*order, *removed]}
    for key in order:
        entry = entries[key]
        entry["resampled_deps"] = [d for d in new[key]["deps"] if _resampled(entries[d])]
        changed = [d for d in new[key]["deps"] if entries[d]["change"] in ("changed", "added")]
        if entry["change"] in ("spec only", "unchanged") and changed and not entry["resampled_deps"]:
            entry["change"] = "untouched"
            entry["reads"] = sorted({p for f in new[key]["fields"].values() for p in f["parents"]
                                     if p.rpartition(":")[0] in changed})
            entry["changed_deps"] = changed
    return [entries[k] for k in ([*order, *removed] if keys is None else keys)]


def _resampled(entry: dict[str, Any]) -> bool:
    """May the feature's sample set change: its SQL definition changed (a source query, a
    `generate` block), or that of a feature above it."""
    return bool(entry["resampled_deps"]) or (entry["change"] == "changed" and any(
        r["kind"] == "definition" for f in entry["fields"] for r in f["reasons"]))


def _feature(key: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
             base: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    either = new or old
    assert either is not None
    entry: dict[str, Any] = {
        "feature": key, "change": "unchanged",
        "version": {"base": old and old["version"], "current": new and new["version"]},
        "spec_changed": old is None or new is None or old["spec_hash"] != new["spec_hash"],
        "deps": _deps(old, new), "fields": [], "reads": [], "changed_deps": [], "resampled_deps": [],
        "counts": None}
    if old is None or new is None:
        entry["change"] = "added" if old is None else "removed"
        side = "current" if old is None else "base"
        entry["fields"] = [{"field": name, "change": entry["change"],
                            "version": {"base": None, "current": None} | {side: field["version"]}, "reasons": []}
                           for name, field in either["fields"].items()]
        return entry
    if old["version"] != new["version"]:
        entry["change"] = "changed"
    else:
        entry["change"] = "spec only" if entry["spec_changed"] else "unchanged"
    for name in [*new["fields"], *(n for n in old["fields"] if n not in new["fields"])]:
        entry["fields"].append(_field(name, old, new, base, current))
    return entry


def _deps(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list[str]]:
    before = set(old["deps"] or []) if old else set()
    after = set(new["deps"] or []) if new else set()
    if old is None or new is None or old["deps"] is None:
        return {"added": [], "removed": []}
    return {"added": sorted(after - before), "removed": sorted(before - after)}


def _field(name: str, old: dict[str, Any], new: dict[str, Any], base: dict[str, Any],
           current: dict[str, Any]) -> dict[str, Any]:
    before, after = old["fields"].get(name), new["fields"].get(name)
    row: dict[str, Any] = {"field": name, "change": "changed", "version": {
        "base": before and before["version"], "current": after and after["version"]}, "reasons": []}
    if before is None or after is None:
        row["change"] = "added" if before is None else "removed"
        return row
    if before["version"] == after["version"]:
        row["change"] = "unchanged"
        return row
    reasons = row["reasons"]
    hashes = base.get("hash")
    if hashes and hashes != current.get("hash"):  # every version differs; nothing else can be told
        reasons.append({"kind": "hash"})
        return row
    if before["code_version"] != after["code_version"]:
        reasons.append({"kind": "code_version", "base": before["code_version"], "current": after["code_version"]})
    if old["definition"] != new["definition"]:
        reasons.append({"kind": "definition", "base": old["definition"], "current": new["definition"]})
    if before["parents"] is not None:
        was, now = set(before["parents"]), set(after["parents"])
        if was != now:
            reasons.append({"kind": "mapping", "added": sorted(now - was), "removed": sorted(was - now)})
        reasons += [{"kind": "upstream", "field": parent} for parent in sorted(was & now)
                    if _version(base, parent) != _version(current, parent)]
    if not reasons:
        reasons.append({"kind": "other"})
    return row


def _version(snap: dict[str, Any], parent: str) -> str | None:
    key, _, name = parent.rpartition(":")
    return snap["features"].get(key, {}).get("fields", {}).get(name, {}).get("version")


def recomputes(entries: Sequence[dict[str, Any]]) -> bool:
    """Would anything be recomputed: a version change, samples that change with an upstream
    definition, or samples counted as new, stale or orphaned."""
    return any(e["change"] in RECOMPUTED or e["resampled_deps"]
               or any((e["counts"] or {}).get(c) for c in ("new", "stale", "orphaned")) for e in entries)


def from_pushed(specs: Sequence[dict[str, Any]], versions: dict[str, str], spec_hashes: dict[str, str],
                hashing: tuple[str, int], what: str) -> dict[str, Any]:
    """The snapshot of a graph `push` recorded (`what` names it in errors), rebuilt from its
    normalised specs with the project's hash settings; it must give the versions recorded."""
    try:
        graph, rebuilt = rebuild(specs, *hashing)
    except SpecError as exc:
        raise SqlxyError(f"{what} cannot be rebuilt by this sqlxy ({exc}); compare with a manifest "
                         "instead (--base)") from None
    except (ValueError, RecursionError, TypeError, AttributeError) as exc:  # a row damaged by hand
        raise SqlxyError(f"{what} is damaged ({type(exc).__name__}: {str(exc)[:200]}); compare with a "
                         "manifest instead (--base)") from None
    differ = sorted(set(versions) ^ set(rebuilt.features)) + \
        sorted(k for k in versions if k in rebuilt.features and rebuilt.features[k] != versions[k])
    if differ:
        raise SqlxyError(f"{what} does not rebuild to the versions it recorded (feature '{differ[0]}'): "
                         "were hash or hash_length changed in sqlxy.yaml since? Compare with a manifest "
                         "instead (--base)")
    snap = snapshot(graph, rebuilt, hashing)
    for key, spec_hash in spec_hashes.items():  # the recorded one: metadata may not survive JSON
        snap["features"][key]["spec_hash"] = spec_hash
    return snap


def plan(base: dict[str, Any], current: dict[str, Any], order: Sequence[str], keys: Sequence[str] | None,
         source: dict[str, Any]) -> dict[str, Any]:
    """The plan without counts (see `compare`); `source` says where the base came from."""
    entries = compare(base, current, order, keys)
    return {"base": source, "project_version": {"base": base["project_version"], "current": current["project_version"]},
            "counted_on": None, "recompute": recomputes(entries), "features": entries}


def with_counts(result: dict[str, Any], counts: dict[str, dict[str, Any]], target: str) -> dict[str, Any]:
    """The plan with each feature's counts (`Store.pending`) on `target`; `exact` is false where
    a dep's samples change (`resampled_deps`): its new and orphaned samples show only once the
    dep has run, so the counts are a lower bound of what changes (stale ones may be orphaned)."""
    for entry in result["features"]:
        found = counts.get(entry["feature"])
        entry["counts"] = None if found is None else found | {"exact": not entry["resampled_deps"]}
    return result | {"counted_on": target, "recompute": recomputes(result["features"])}
