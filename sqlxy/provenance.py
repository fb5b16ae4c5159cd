"""The Python reference of the SPEC §4/§5 formulas; tests hold every SQL result against it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

SEPARATOR = "|"


def digest(text: str, algorithm: str = "md5", length: int = 32) -> str:
    """H(s): lowercase hex digest of the UTF-8 bytes, cut to `length` characters."""
    return hashlib.new(algorithm, text.encode("utf-8")).hexdigest()[:length]


def join(parts: Sequence[str]) -> str:
    return SEPARATOR.join(parts)


def root_field_provenance(fullname: str, code_version: str, input_version: str,
                          algorithm: str = "md5", length: int = 32) -> str:
    return digest(join([fullname, code_version, "input", input_version]), algorithm, length)


def field_provenance(fullname: str, code_version: str, parents: Mapping[str, str | None],
                     algorithm: str = "md5", length: int = 32) -> str:
    """`parents` maps each parent's full name to its data version (None: missing optional upstream)."""
    parts = [fullname, code_version]
    for name in sorted(parents, key=lambda n: n.encode()):
        parts += [name, parents[name] or ""]
    return digest(join(parts), algorithm, length)


def sample_hash(per_field: Mapping[str, str], algorithm: str = "md5", length: int = 32) -> str:
    """Sample provenance (or data version) from per-field values, by field key order."""
    return digest(join([per_field[k] for k in sorted(per_field, key=lambda k: k.encode())]),
                  algorithm, length)


def group_value(members: Sequence[tuple[Sequence[object], str]], algorithm: str = "md5",
                length: int = 32) -> str:
    """Aggregation: H of the sorted `ids=dv` elements of a group's members, where `ids` is each
    id value's text hashed with H, joined by `:` (SPEC 0.2 §5: the hex digests hold no `:`, `=` or
    `|`, so ids holding them cannot make two member sets join to the same text)."""
    elements = sorted((":".join(digest(str(v), algorithm, length) for v in ids) + "=" + dv
                       for ids, dv in members), key=lambda s: s.encode())
    return digest(join(elements), algorithm, length)
