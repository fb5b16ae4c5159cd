"""sqlxy benchmark: the video project (raw → chunk 1:N → faces) at N videos, ~4N chunks.

    python bench/run.py --videos 100000

Prints markdown tables: write/materialize throughput, and every resolve next to a hand-written
DuckDB query doing the same work (counts asserted equal), with wall time and peak RSS. Each
measured operation runs in a fresh child process (`--_measure`), see README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

FEATURES = Path(__file__).resolve().parents[1] / "features"
KEYS = ("video/chunk", "video/faces")
GOAL_RATIO, GOAL_RSS_MB, GOAL_SECONDS, GOAL_VIDEOS = 1.3, 1536.0, 2.0, 1_000_000


@dataclass(frozen=True)
class Measured:
    times: dict[str, float]        # best wall time over the runs, per timed phase
    rss_mb: float                  # highest peak RSS over the runs
    counts: dict[str, int] | None
    info: dict[str, Any]           # the last run's full report


@dataclass(frozen=True)
class ResolveRow:
    scenario: str
    key: str
    sqlxy: Measured
    handwritten: Measured

    def ratio(self, phase: str) -> float:
        return self.sqlxy.times[phase] / self.handwritten.times[phase]


@dataclass(frozen=True)
class WriteRow:
    operation: str
    rows: int
    phase: str                     # which timed phase of the child this row reports
    measured: Measured

    @property
    def seconds(self) -> float:
        return self.measured.times[self.phase]


@dataclass
class Bench:
    project: Path
    videos: int
    repeats: int
    duckdb_args: list[str]
    writes: list[WriteRow] = field(default_factory=list)
    resolves: list[ResolveRow] = field(default_factory=list)
    chunks: int = 0

    def child(self, op: str, key: str) -> Measured:
        return aggregate([self._spawn(op, key)])

    def interleaved(self, ops: list[str], key: str) -> list[Measured]:
        """`repeats` rounds of the ops in turn, so a burst of load on the machine hits them alike."""
        rounds = [[self._spawn(op, key) for op in ops] for _ in range(self.repeats)]
        return [aggregate([r[i] for r in rounds]) for i in range(len(ops))]

    def _spawn(self, op: str, key: str) -> dict[str, Any]:
        command = [sys.executable, str(Path(__file__).resolve()), "--_measure", op, "--key", key,
                   "--project", str(self.project), "--videos", str(self.videos), *self.duckdb_args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{op} {key} failed ({done.returncode}):\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def write_step(self, what: str, op: str, key: str, expect: dict[str, int] | None = None) -> Measured:
        """One run (writes change the data); a resolve before the write is reported too."""
        label = f"{'materialize' if op == 'materialize' else 'write'} {key} ({what})"
        progress(f"{label} ...")
        measured = self.child(op, key)
        if expect is not None:
            assert measured.counts == expect, f"{label}: counts {measured.counts}, expected {expect}"
        rows = measured.info["rows"]
        if "resolve" in measured.times:
            self.writes.append(WriteRow(f"resolve {key} ({what})", rows, "resolve", measured))
        self.writes.append(WriteRow(label, rows, "write", measured))
        return measured

    def populate(self) -> None:
        self.write_step("N new", "root", "video/raw", counts(new=self.videos))
        chunks = self.write_step("initial", "materialize", "video/chunk")
        self.chunks = chunks.info["rows"]
        self.write_step("all chunks new", "compute", "video/faces", counts(new=self.chunks))

    def resolve_all(self, scenario: str, expect: dict[str, dict[str, int]]) -> None:
        for key in KEYS:
            progress(f"{scenario}: resolve {key} ...")
            row = ResolveRow(scenario, key, *self.interleaved(["resolve", "handwritten"], key))
            assert row.sqlxy.counts == expect[key], f"{key}: {row.sqlxy.counts}, expected {expect[key]}"
            assert row.handwritten.counts == row.sqlxy.counts, \
                f"{key}: hand-written {row.handwritten.counts} vs sqlxy {row.sqlxy.counts}"
            self.resolves.append(row)

    def bump_audio(self) -> None:
        """Code-version bump of video/raw:audio, then the root is resolved (N stale) and written."""
        spec = self.project / "features" / "video" / "raw.yaml"
        text, found = re.subn(r'(key: audio\s+code_version: )"1"', r'\g<1>"2"', spec.read_text())
        assert found == 1, "raw.yaml: audio code_version \"1\" not found"
        spec.write_text(text)
        self.write_step("audio bump: N stale", "root", "video/raw", counts(stale=self.videos))

    def idle_rss(self) -> float:
        return self.child("idle", "video/raw").rss_mb


def aggregate(results: list[dict[str, Any]]) -> Measured:
    """Best time per phase and highest peak RSS over runs that must agree on the counts."""
    found = [r.get("counts") for r in results]
    assert all(c == found[0] for c in found), f"counts differ between runs: {found}"
    times = {name: min(r["times"][name] for r in results) for name in results[0]["times"]}
    return Measured(times, max(r["rss_mb"] for r in results), found[0], results[-1])


def counts(new: int = 0, stale: int = 0, orphaned: int = 0) -> dict[str, int]:
    return {"new": new, "stale": stale, "orphaned": orphaned}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- report -----------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def fmt_counts(c: dict[str, int] | None) -> str:
    return "-" if c is None else f"{c['new']:,} / {c['stale']:,} / {c['orphaned']:,}"


def writes_table(bench: Bench) -> str:
    rows = [[w.operation, f"{w.rows:,}", f"{w.seconds:.2f}", f"{w.rows / w.seconds:,.0f}",
             f"{w.measured.rss_mb:,.0f}"] for w in bench.writes]
    return table(["operation", "rows", "time (s)", "rows/s", "peak RSS (MB)"], rows)


def resolves_table(bench: Bench) -> str:
    rows = []
    for r in bench.resolves:
        mine, hand = r.sqlxy.times, r.handwritten.times
        rows.append([r.scenario, r.key, fmt_counts(r.sqlxy.counts),
                     f"{mine['cold']:.3f}", f"{hand['cold']:.3f}", f"{r.ratio('cold'):.2f}",
                     f"{mine['warm']:.3f}", f"{mine['compiled']:.3f}", f"{hand['warm']:.3f}",
                     f"{r.ratio('warm'):.2f}", f"{r.ratio('warm_cpu'):.2f}", f"{r.sqlxy.rss_mb:,.0f}",
                     f"{r.handwritten.rss_mb:,.0f}"])
    return table(["scenario", "resolve", "new / stale / orphaned", "sqlxy cold (s)", "hand cold (s)",
                  "ratio cold", "sqlxy warm (s)", "compiled SQL warm (s)", "hand warm (s)", "ratio warm",
                  "ratio warm CPU time", "sqlxy peak RSS (MB)", "hand peak RSS (MB)"], rows)


def goals_table(bench: Bench) -> str:
    cold = max(r.ratio("cold") for r in bench.resolves)
    warm = max(r.ratio("warm") for r in bench.resolves)
    rss = max(r.sqlxy.rss_mb for r in bench.resolves)
    seconds = max(r.sqlxy.times["cold"] for r in bench.resolves)
    rows = [["resolve time / hand-written, cold (worst)", f"≤ {GOAL_RATIO}", f"{cold:.2f}",
             verdict(cold <= GOAL_RATIO)],
            ["resolve time / hand-written, warm (worst)", f"≤ {GOAL_RATIO}", f"{warm:.2f}",
             verdict(warm <= GOAL_RATIO)],
            ["resolve peak RSS (worst)", f"≤ {GOAL_RSS_MB:,.0f} MB", f"{rss:,.0f} MB",
             verdict(rss <= GOAL_RSS_MB)],
            ["resolve time, cold (worst; Metaxy 0.1.11 ~10 s)", f"≤ {GOAL_SECONDS} s", f"{seconds:.2f} s",
             verdict(seconds <= GOAL_SECONDS)]]
    return table([f"goal (stated for N = {GOAL_VIDEOS:,})", "target", "measured", "met"], rows)


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(bench: Bench, idle_mb: float, duckdb_args: list[str], load: tuple[str, str]) -> str:
    settings = " ".join(duckdb_args) or "DuckDB defaults (memory_limit 80% of RAM, one thread per CPU)"
    header = (f"## sqlxy bench: {bench.videos:,} videos, {bench.chunks:,} chunks\n\n"
              f"sqlxy {revision()} · Python {platform.python_version()} · duckdb {duckdb.__version__} · "
              f"{os.cpu_count()} CPUs · {settings} · load average {load[0]} at start, {load[1]} at end · "
              f"resolves: best of {bench.repeats} fresh processes, sqlxy and hand-written in turn · "
              f"idle process (imports + open store) peak RSS {idle_mb:,.0f} MB")
    return "\n\n".join([header, "### Writes\n\n" + writes_table(bench),
                        "### Resolves\n\n" + resolves_table(bench), "### Goals\n\n" + goals_table(bench)])


def revision() -> str:
    """The git commit of the sqlxy checkout (with -dirty for local edits), if there is one."""
    done = subprocess.run(["git", "-C", str(FEATURES.parent), "describe", "--always", "--dirty"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "(no git)"


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


# -- entry points -----------------------------------------------------------------------------


@contextmanager
def project_dir(keep: str | None, config: dict[str, str]) -> Iterator[Path]:
    """A copy of the project's features; the DuckDB file goes to its default target/sqlxy.duckdb,
    opened with the DuckDB `config` given (sqlxy.yaml's duckdb target settings)."""
    with tempfile.TemporaryDirectory(prefix="sqlxy-bench-") as tmp:
        path = Path(keep) if keep else Path(tmp)
        path.mkdir(parents=True, exist_ok=not keep)
        shutil.copytree(FEATURES, path / "features")
        target = {"type": "duckdb", "path": "target/sqlxy.duckdb", **({"config": config} if config else {})}
        (path / "sqlxy.yaml").write_text(json.dumps({"targets": {"dev": target}}), encoding="utf-8")
        yield path


def run(args: argparse.Namespace, config: dict[str, str], duckdb_args: list[str]) -> str:
    start = load_average()
    with project_dir(args.keep, config) as path:
        bench = Bench(path, args.videos, args.repeats, duckdb_args)
        bench.populate()
        unchanged = {k: counts() for k in KEYS}
        bench.resolve_all("unchanged", unchanged)
        bench.bump_audio()
        bench.resolve_all("after audio bump", {"video/chunk": counts(stale=args.videos),
                                               "video/faces": counts()})
        bench.write_step("audio bump: N stale parents", "materialize", "video/chunk")
        bench.resolve_all("after re-materialize", unchanged)
        return report(bench, bench.idle_rss(), duckdb_args, (start, load_average()))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=100_000, help="number of videos N (default 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per resolve; best time kept")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 1GB (default: DuckDB's)")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, one per CPU)")
    parser.add_argument("--keep", metavar="DIR", help="build the project in DIR (new) and keep it")
    parser.add_argument("--_measure", dest="measure", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def duckdb_settings(args: argparse.Namespace) -> tuple[dict[str, str], list[str]]:
    """DuckDB config for the children, and the flags that pass it on."""
    config, flags = {}, []
    if args.memory_limit:
        config["memory_limit"] = args.memory_limit
        flags += ["--memory-limit", args.memory_limit]
    if args.threads:
        config["threads"] = str(args.threads)
        flags += ["--threads", str(args.threads)]
    return config, flags


def main() -> None:
    args = parse()
    config, flags = duckdb_settings(args)
    if args.measure:
        from ops import measure

        print(json.dumps(measure(args.measure, Path(args.project), args.key, args.videos, config)))
        return
    print(run(args, config, flags))


if __name__ == "__main__":
    main()
