"""The seed pipeline as Dagster assets, materialized in process on embedded DuckDB.

Four runs of `dagster.materialize` over the assets of definitions.py: the initial run, a rerun
(nothing to write), video/raw's audio code_version 1 → 2 (video/raw and video/chunk get new code
versions and recompute their 3 samples, stale on audio; video/faces reads only frames: same code
version, nothing computed, same data version), and a rerun. Each asset reports its counts as
materialization metadata and its data version (`Store.data_version`).

Run it with `pip install -e '.[dagster]' && python examples/dagster/run.py`; it works on a
temporary copy of the project.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import dagster as dg

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KEYS = ("video/raw", "video/chunk", "video/faces")
#: Dagster's console log at warnings only (its default prints every step's events).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _definitions_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sqlxy_dagster_example", HERE / "definitions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEFINITIONS = _definitions_module()


def materialize(project_dir: Path, instance: dg.DagsterInstance) -> dict[str, dict[str, Any]]:
    """One in-process Dagster run of every asset; per feature its metadata, code and data version.
    The definitions are built again each time, as Dagster reloads a code location after an edit."""
    defs = DEFINITIONS.definitions(project_dir)
    result = dg.materialize(list(defs.assets), resources=defs.resources, instance=instance, raise_on_error=False,
                            run_config=QUIET)
    if not result.success:
        failures = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
        raise SystemExit("; ".join(m.strip() for m in failures) or "the run failed")
    report: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        key = "/".join(materialization.asset_key.path)
        report[key] = {name: value.value for name, value in materialization.metadata.items()}
        report[key]["code_version"] = materialization.tags["dagster/code_version"]
        report[key]["data_version"] = materialization.tags["dagster/data_version"]
    return report


def bump_code_version(project_dir: Path, feature_file: str, field: str, version: str) -> None:
    path = project_dir / feature_file
    text = path.read_text(encoding="utf-8")
    updated, count = re.subn(rf'(- key: {field}\n\s+code_version: )"[^"]*"', rf'\1"{version}"', text)
    if count != 1:
        raise SystemExit(f"could not find field {field} in {path}")
    path.write_text(updated, encoding="utf-8")


def walkthrough(project_dir: Path) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """The runs and what each asset reported; one Dagster instance keeps the history between them."""
    with dg.DagsterInstance.ephemeral() as instance:
        steps = [("1. initial run", materialize(project_dir, instance)),
                 ("2. rerun", materialize(project_dir, instance))]
        bump_code_version(project_dir, "features/video/raw.yaml", "audio", "2")
        steps.append(("3. audio code_version 1 → 2, run", materialize(project_dir, instance)))
        steps.append(("4. rerun", materialize(project_dir, instance)))
    return steps


def copy_project(destination: Path) -> Path:
    shutil.copytree(REPO / "features", destination / "features")
    return destination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="run in DIR (kept afterwards) instead of a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(args.keep) if args.keep else Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        previous: dict[str, dict[str, Any]] = {}
        for title, report in walkthrough(copy_project(folder)):
            print(title)
            for key in KEYS:
                done, before = report[key], previous.get(key, {})
                fields = f" on [{done['stale_fields']}]" if done["stale"] else ""
                code = "new " if done["code_version"] != before.get("code_version") else "same"
                data = "new " if done["data_version"] != before.get("data_version") else "same"
                line = (f"  {key:12} new {done['new']:3}  stale {done['stale']:3}{fields}  orphaned "
                        f"{done['orphaned']}  written {done['written']:3}  code version {code}  data version {data}")
                print(line.rstrip())
            previous = report


if __name__ == "__main__":
    main()
