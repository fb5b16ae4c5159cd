"""N:1 aggregation walkthrough: utterances → one speaker embedding per speaker, on embedded DuckDB.

Steps: initial run (two speakers), idempotent rerun, one utterance re-recorded (its speaker is
stale), a new utterance for a speaker (stale), all utterances of a speaker deleted (orphaned).
Run it with `python examples/aggregation/run.py`; it works on a temporary copy of its features.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import sqlxy

HERE = Path(__file__).resolve().parent

UTTERANCES = pa.table({
    "utterance_id": ["u1", "u2", "u3", "u4", "u5"],
    "speaker_id": ["alice", "alice", "bob", "bob", "bob"],
    "path": [f"s3://audio/u{i}.wav" for i in range(1, 6)],
    "audio_sha": ["h1", "h2", "h3", "h4", "h5"],
})


def embed(rows: pa.Table) -> pa.Table:
    """Stands in for a model: where the speaker's embedding was written."""
    paths = pc.binary_join_element_wise("s3://embeddings/", rows.column("speaker_id"), ".npy", "")
    return rows.append_column("embedding_path", paths)


def run_pipeline(project_dir: Path, utterances: pa.Table) -> dict[str, dict[str, Any]]:
    """One pass in topological order; returns what each feature had to do."""
    project = sqlxy.load_project(project_dir)
    report: dict[str, dict[str, Any]] = {}
    with project.store() as store:
        raw = store.resolve("audio/utterance", samples=utterances)
        store.write("audio/utterance", raw.to_write())
        if raw.orphaned.num_rows:  # utterances gone from the pipeline's samples
            ids = ", ".join(f"'{i}'" for i in raw.orphaned.column("utterance_id").to_pylist())
            store.delete("audio/utterance", f"utterance_id IN ({ids})")
        report["audio/utterance"] = raw.counts()
        speakers = store.resolve("speaker/embedding")
        store.write("speaker/embedding", embed(speakers.to_write()))
        if speakers.orphaned.num_rows:
            ids = ", ".join(f"'{i}'" for i in speakers.orphaned.column("speaker_id").to_pylist())
            store.delete("speaker/embedding", f"speaker_id IN ({ids})")
        report["speaker/embedding"] = speakers.counts() | {
            "stale_ids": sorted(speakers.stale.column("speaker_id").to_pylist()),
            "orphaned_ids": sorted(speakers.orphaned.column("speaker_id").to_pylist())}
    return report


def walkthrough(project_dir: Path) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    rerecorded = UTTERANCES.set_column(3, "audio_sha", pa.array(["h1", "h2-new", "h3", "h4", "h5"]))
    with_new = pa.concat_tables([rerecorded, pa.table({
        "utterance_id": ["u6"], "speaker_id": ["bob"], "path": ["s3://audio/u6.wav"], "audio_sha": ["h6"]})])
    without_alice = with_new.filter(pc.not_equal(with_new.column("speaker_id"), "alice"))
    return [("1. initial run", run_pipeline(project_dir, UTTERANCES)),
            ("2. idempotent rerun", run_pipeline(project_dir, UTTERANCES)),
            ("3. u2 re-recorded", run_pipeline(project_dir, rerecorded)),
            ("4. new utterance u6 for bob", run_pipeline(project_dir, with_new)),
            ("5. alice's utterances removed", run_pipeline(project_dir, without_alice))]


def copy_project(destination: Path) -> Path:
    shutil.copytree(HERE / "features", destination / "features")
    return destination


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory() as temp:
        for title, report in walkthrough(copy_project(Path(temp))):
            print(title)
            for key, counts in report.items():
                print(f"  {key:18} new {counts['new']}  stale {counts['stale']}  orphaned {counts['orphaned']}"
                      + (f"  stale: {counts['stale_ids']}" if counts.get("stale_ids") else "")
                      + (f"  orphaned: {counts['orphaned_ids']}" if counts.get("orphaned_ids") else ""))


if __name__ == "__main__":
    main()
