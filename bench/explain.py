"""`explain` on a large table: N videos (3-5 chunks each: 4M chunk rows at 1M videos), after the
seed's audio bump with video/raw recomputed, so video/chunk is stale everywhere and video/faces
is not. Prints one table: per question, the state found and its wall time (a fresh process per
question, best of --repeats), next to a full `resolve` of the same feature.

    python bench/explain.py --videos 1000000 [--engine postgres] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
from ops import open_store, samples
from run import engine_target, project_dir, table


def questions(videos: int) -> list[tuple[str, str]]:
    """A chunk of the first video and of one in the middle, a faces sample, and an unknown id."""
    return [("video/chunk", "video_1_0"), ("video/chunk", f"video_{videos // 2}_2"), ("video/faces", "video_1_0"),
            ("video/chunk", "video_unknown_0")]


def populate(path: Path, videos: int) -> None:
    with open_store(path) as store:
        store.write("video/raw", store.resolve("video/raw", samples=samples(videos)).to_write())
        store.materialize("video/chunk")
        rows = store.resolve("video/faces").to_write()
        store.write("video/faces", rows.append_column("num_faces", pa.array([1] * rows.num_rows, pa.int64())))
    raw = path / "features/video/raw.yaml"
    text = raw.read_text()
    raw.write_text(text.replace('- key: audio\n    code_version: "1"', '- key: audio\n    code_version: "2"'))
    with open_store(path) as store:
        store.write("video/raw", store.resolve("video/raw", samples=samples(videos)).to_write())


def child(path: Path, key: str, sample: str | None) -> dict:
    """One fresh process: open the store, explain one sample (or resolve the feature)."""
    code = ("import json, sys, time; sys.path.insert(0, 'bench'); from ops import open_store\n"
            f"with open_store({str(path)!r}) as store:\n"
            "    start = time.perf_counter()\n"
            f"    out = store.explain({key!r}, [{sample!r}]) if {sample is not None} else store.resolve({key!r})\n"
            "    seconds = time.perf_counter() - start\n"
            "state = out[0]['state'] if isinstance(out, list) else str(out.counts())\n"
            "print(json.dumps({'seconds': seconds, 'state': state}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--engine", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args()
    config = {"memory_limit": args.memory_limit} if args.engine == "duckdb" else {}
    with engine_target(args.engine, config) as (target, settings), project_dir(None, target) as path:
        start = time.perf_counter()
        populate(path, args.videos)
        sys.stderr.write(f"populated in {time.perf_counter() - start:.0f} s\n")
        rows = []
        for key, sample in [*questions(args.videos), ("video/chunk", None)]:
            runs = [child(path, key, sample) for _ in range(args.repeats)]
            best = min(r["seconds"] for r in runs)
            rows.append([f"explain {key} {sample}" if sample else f"resolve {key} (full)", runs[0]["state"],
                         f"{best:.3f}"])
    print(f"explain, {args.videos:,} videos · {settings} · best of {args.repeats} fresh processes\n")
    print(table(["question", "answer", "seconds"], rows))


if __name__ == "__main__":
    main()
