"""`sqlxy schema [feature|project] [--out FILE]`: the JSON Schema (draft 2020-12) of feature files
(`sqlxy.spec.schema`) or of `sqlxy.yaml` (`sqlxy.config.config_schema`), for editors and CI.

It reads no project: the schema is sqlxy's, the same for every project. `--out` is relative to
the current folder, as every `--out`; its folders are created."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlxy.cli import console
from sqlxy.config import config_schema
from sqlxy.errors import SqlxyError
from sqlxy.spec.schema import feature_schema


def cmd_schema(args: argparse.Namespace) -> int:
    schema = config_schema() if args.kind == "project" else feature_schema()
    if not args.out:
        console.emit_json(schema)
        return 0
    path = Path(args.out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            console.emit_json(schema, out)
    except FileExistsError:  # mkdir: a file stands where a folder should be
        raise SqlxyError(f"cannot write the schema to {args.out}: {path.parent} is not a folder") from None
    except OSError as exc:
        raise SqlxyError(f"cannot write the schema to {args.out}: {exc.strerror or exc}") from None
    console.note(f"wrote the {args.kind} schema to {args.out}")
    return 0
