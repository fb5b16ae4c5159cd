"""sqlxy benchmark: the video project (raw → chunk 1:N → faces) at N videos, ~4N chunks.

    python bench/run.py --videos 100000                      # DuckDB, maintained increments
    python bench/run.py --videos 100000 --engine postgres    # a throwaway PostgreSQL server
    python bench/run.py --videos 100000 --full-query         # the full resolve query, cold / warm

Prints markdown tables: write/materialize throughput, and every resolve next to a hand-written
query doing the full work (counts asserted equal), with wall time and peak RSS. Each measured
operation runs in a fresh child process (`--_measure`), see README.md.

By default the scenarios are those of maintained increments, where a resolve changes state (the
first one after a change does the work and keeps its increment, the next is idle): (a) idle, (b)
after 0.1 % of the videos changed, (c) after an audio code bump (every video recomputed), (d) idle with
five code-bump generations of history, before and after compacting. `--full-query` runs the
earlier scenarios instead, with the full resolve query that keeps no state.
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
from ops import Job, changed, measure

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "features"
KEYS = ("video/chunk", "video/faces")
ALL_KEYS = ("video/raw", *KEYS)
HISTORY_BUMPS = 5  # code-bump generations of history in scenario (d)
GOAL_RATIO, GOAL_RSS_MB, GOAL_SECONDS, GOAL_VIDEOS = 1.3, 1536.0, 2.0, 1_000_000


@dataclass(frozen=True)
class Measured:
    times: dict[str, float]        # best wall time over the runs, per timed phase
    rss_mb: float                  # highest peak RSS over the runs
    counts: dict[str, int] | None
    info: dict[str, Any]           # the last run's full report
    hows: tuple[str, ...] = ()     # the distinct `.how` of the runs' (first) resolve, in order
    runs: int = 1


@dataclass(frozen=True)
class ResolveRow:
    """A resolve next to the hand-written query on the same data."""

    scenario: str
    key: str
    sqlxy: Measured
    handwritten: Measured
    full: Measured | None = None   # sqlxy's full resolve query on the same data, where measured

    def ratio(self, phase: str, hand_phase: str | None = None) -> float:
        return self.sqlxy.times[phase] / self.handwritten.times[hand_phase or phase]


@dataclass(frozen=True)
class SetupRow:
    """A resolve that brings the kept increments to a state (one run, sqlxy only)."""

    state: str
    key: str
    measured: Measured


@dataclass(frozen=True)
class WriteRow:
    operation: str
    phase: str                     # which timed phase of the child this row reports
    runs: list[dict[str, Any]]

    @property
    def best(self) -> dict[str, Any]:
        return min(self.runs, key=lambda r: r["times"][self.phase] / max(r["rows"], 1))


@dataclass
class Bench:
    project: Path
    videos: int
    repeats: int
    engine: str
    child_args: list[str]
    writes: dict[str, WriteRow] = field(default_factory=dict)
    resolves: list[ResolveRow] = field(default_factory=list)
    setups: list[SetupRow] = field(default_factory=list)
    compactions: list[dict[str, Any]] = field(default_factory=list)
    chunks: int = 0
    audio_code: int = 1            # code_version of video/raw:audio in the copied spec

    def child(self, op: str, key: str, round: int = 0) -> Measured:
        return aggregate([self.spawn(op, key, round)])

    def interleaved(self, ops: list[str], key: str) -> list[Measured]:
        """`repeats` rounds of the ops in turn, so a burst of load on the machine hits them alike."""
        rounds = [[self.spawn(op, key) for op in ops] for _ in range(self.repeats)]
        return [aggregate([r[i] for r in rounds]) for i in range(len(ops))]

    def spawn(self, op: str, key: str, round: int = 0) -> dict[str, Any]:
        command = [sys.executable, str(Path(__file__).resolve()), "--_measure", op, "--key", key,
                   "--project", str(self.project), "--videos", str(self.videos), "--_round", str(round),
                   *self.child_args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{op} {key} failed ({done.returncode}):\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def write_step(self, what: str, op: str, key: str, expect: dict[str, int] | None = None,
                   round: int = 0) -> dict[str, Any]:
        """One run (writes change the data); a resolve before the write is reported too. Steps of
        the same label (one per round) share a row of the writes table."""
        label = f"{'materialize' if op == 'materialize' else 'write'} {key} ({what})"
        progress(f"{label} ...")
        result = self.spawn(op, key, round)
        if expect is not None:
            assert result["counts"] == expect, f"{label}: counts {result['counts']}, expected {expect}"
        if not result["rows"]:
            return result
        if "resolve" in result["times"]:
            self._add_write(f"resolve {key} ({what})", "resolve", result)
        self._add_write(label, "write", result)
        return result

    def _add_write(self, label: str, phase: str, result: dict[str, Any]) -> None:
        self.writes.setdefault(label, WriteRow(label, phase, [])).runs.append(result)

    def populate(self) -> None:
        self.write_step("N new", "root", "video/raw", counts(new=self.videos))
        chunks = self.write_step("initial", "materialize", "video/chunk")
        self.chunks = chunks["rows"]
        self.write_step("all chunks new", "compute", "video/faces", counts(new=self.chunks))

    def bump_audio(self) -> None:
        """Code-version bump of video/raw:audio, then the root is resolved (N stale) and written."""
        spec = self.project / "features" / "video" / "raw.yaml"
        old, new = self.audio_code, self.audio_code + 1
        text, found = re.subn(rf'(key: audio\s+code_version: )"{old}"', rf'\g<1>"{new}"', spec.read_text())
        assert found == 1, f'raw.yaml: audio code_version "{old}" not found'
        spec.write_text(text)
        self.audio_code = new
        self.write_step("audio bump: N stale", "root", "video/raw", counts(stale=self.videos))

    def idle_rss(self) -> float:
        return self.child("idle", "video/raw").rss_mb

    # -- full-query scenarios (--full-query) ----------------------------------------------------

    def resolve_all(self, scenario: str, expect: dict[str, dict[str, int]]) -> None:
        for key in KEYS:
            progress(f"{scenario}: resolve {key} ...")
            row = ResolveRow(scenario, key, *self.interleaved(["full", "handwritten"], key))
            check_counts(row, expect[key])
            self.resolves.append(row)

    # -- maintained scenarios (default) ---------------------------------------------------------

    def settle(self, state: str) -> None:
        """One resolve of each feature, which keeps its increment: the state the next resolve finds."""
        for key in KEYS:
            progress(f"{state}: resolve {key} (sets up the kept increment) ...")
            measured = self.child("resolve", key)
            assert measured.counts == counts(), f"{state}: {key} counts {measured.counts}, expected none"
            self.setups.append(SetupRow(state, key, measured))

    def idle(self, scenario: str) -> None:
        """Everything settled and resolved once: `repeats` fresh resolves, each idle."""
        for key in KEYS:
            progress(f"{scenario}: resolve {key} ...")
            row = ResolveRow(scenario, key, *self.interleaved(["resolve", "handwritten"], key))
            check_counts(row, counts())
            check_how(row, "maintained (0 keys touched)", exact=True)
            self.resolves.append(row)

    def first_resolve(self, key: str, full: bool = False) -> list[dict[str, Any]]:
        """The first resolve after a change, then the hand-written query and, with `full`, sqlxy's
        full resolve query (each in its own process; the latter two change nothing)."""
        progress(f"  resolve {key} ...")
        ops = ["resolve", "handwritten", *(["full"] if full else [])]
        return [self.spawn(op, key) for op in ops]

    def changed_rounds(self, rounds: list[list[list[dict[str, Any]]]], scenarios: tuple[str, str],
                       expect: tuple[dict[str, int], dict[str, int]], hows: tuple[str | None, str | None]) -> None:
        """Rows of the measured resolves of chunk and faces: per round, per key, the results of
        `first_resolve`."""
        for i, key in enumerate(KEYS):
            mine, hand = [r[i][0] for r in rounds], [r[i][1] for r in rounds]
            full = [r[i][2] for r in rounds if len(r[i]) > 2]
            row = ResolveRow(scenarios[i], key, aggregate(mine), aggregate(hand), aggregate(full) if full else None)
            if row.full is not None:
                assert row.full.counts == row.sqlxy.counts, \
                    f"{row.scenario}: {key} full query {row.full.counts} vs resolve {row.sqlxy.counts}"
            check_counts(row, expect[i])
            if hows[i] is not None:
                check_how(row, hows[i])
            self.resolves.append(row)

    def small_change(self) -> None:
        """(b): per round, another 0.1 % of the videos get a new audio input version (raw written),
        chunk is resolved (the first resolve after the change does the work), its stale parents
        re-materialized, faces resolved (touched chunks, none stale: faces reads frames only)."""
        size = changed(self.videos)
        rounds = []
        for r in range(self.repeats):
            progress(f"(b) round {r + 1} of {self.repeats}")
            self.write_step("0.1 %: N/1000 stale", "change", "video/raw",
                            counts(stale=size, orphaned=self.videos - size), round=r)
            chunk = self.first_resolve("video/chunk")
            self.write_step("0.1 %: N/1000 stale parents", "materialize", "video/chunk")
            rounds.append([chunk, self.first_resolve("video/faces")])
        self.changed_rounds(rounds, ("(b) 0.1 % of videos changed", "(b) 0.1 % changed, chunks re-materialized"),
                            (counts(stale=size), counts()), ("maintained", "maintained"))

    def code_bump(self) -> None:
        """(c): per round, a new audio code version (raw written, N stale): chunk's first resolve
        recomputes every video (chunk's own compiled query is unchanged: the bump reaches it as
        new raw rows, so sqlxy may maintain its increment with every key touched rather than run
        the full query, whose time is measured too); after the chunks' re-materialization faces'
        resolve examines every chunk."""
        rounds = []
        for r in range(self.repeats):
            progress(f"(c) round {r + 1} of {self.repeats}")
            self.bump_audio()
            chunk = self.first_resolve("video/chunk", full=True)
            self.write_step("audio bump: N stale parents", "materialize", "video/chunk")
            rounds.append([chunk, self.first_resolve("video/faces", full=True)])
        self.changed_rounds(rounds, ("(c) audio code bump", "(c) audio code bump, chunks re-materialized"),
                            (counts(stale=self.videos), counts()), (None, None))

    def history(self) -> None:
        """(d): up to five code-bump generations in all ((c)'s rounds count), settled; idle
        resolves; every table compacted; settled again; idle resolves."""
        generations = max(HISTORY_BUMPS, self.audio_code - 1)
        while self.audio_code - 1 < generations:
            progress(f"(d) code bump {self.audio_code} of {generations}")
            self.bump_audio()
            self.write_step("audio bump: N stale parents", "materialize", "video/chunk")
            self.write_step("audio bump: none new or stale", "compute", "video/faces", counts())
        history = f"{generations} bump generations"
        self.settle(f"after {history}")
        self.idle(f"(d) idle, {history}")
        for key in ALL_KEYS:
            progress(f"compact {key} ...")
            result = self.spawn("compact", key)
            self.compactions.append({"key": key, "rows_before": result["rows"],
                                     "rows_after": result["rows_after"], "seconds": result["times"]["write"],
                                     "rss_mb": result["rss_mb"]})
        self.settle(f"after {history} and compact")
        self.idle(f"(d) idle, {history}, compacted")


def check_counts(row: ResolveRow, expect: dict[str, int]) -> None:
    assert row.sqlxy.counts == expect, f"{row.scenario}: {row.key} {row.sqlxy.counts}, expected {expect}"
    assert row.handwritten.counts == row.sqlxy.counts, \
        f"{row.scenario}: {row.key} hand-written {row.handwritten.counts} vs sqlxy {row.sqlxy.counts}"


def check_how(row: ResolveRow, expect: str, exact: bool = False) -> None:
    """The first resolve of every run went the way the scenario is about."""
    wrong = [h for h in row.sqlxy.hows if (h != expect if exact else not h.startswith(expect))]
    assert not wrong, f"{row.scenario}: {row.key} resolved {wrong}, expected {expect!r}"


def aggregate(results: list[dict[str, Any]]) -> Measured:
    """Best time per phase and highest peak RSS over runs that must agree on the counts."""
    found = [r.get("counts") for r in results]
    assert all(c == found[0] for c in found), f"counts differ between runs: {found}"
    times = {name: min(r["times"][name] for r in results) for name in results[0]["times"]}
    hows = tuple(dict.fromkeys(r["how"] for r in results if "how" in r))
    return Measured(times, max(r["rss_mb"] for r in results), found[0], results[-1], hows, len(results))


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
    rows = []
    for w in bench.writes.values():
        best = w.best
        rows_written, seconds = best["rows"], best["times"][w.phase]
        rows.append([w.operation, str(len(w.runs)), f"{rows_written:,}", f"{seconds:.2f}",
                     f"{rows_written / seconds:,.0f}", f"{max(r['rss_mb'] for r in w.runs):,.0f}"])
    return table(["operation", "runs", "rows", "time (s)", "rows/s", "peak RSS (MB)"], rows)


def compaction_table(bench: Bench) -> str:
    rows = [[f"compact {c['key']}", f"{c['rows_before']:,}", f"{c['rows_after']:,}", f"{c['seconds']:.2f}",
             f"{c['rss_mb']:,.0f}"] for c in bench.compactions]
    return table(["operation", "rows before", "rows after", "time (s)", "peak RSS (MB)"], rows)


def full_resolves_table(bench: Bench) -> str:
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


def maintained_resolves_table(bench: Bench) -> str:
    cpu = bench.engine == "duckdb"  # on PostgreSQL the work is the server's, not the process's
    rows = []
    for r in bench.resolves:
        mine, hand = r.sqlxy.times, r.handwritten.times
        rows.append([r.scenario, r.key, str(r.sqlxy.runs), fmt_counts(r.sqlxy.counts),
                     " / ".join(f"`{h}`" for h in r.sqlxy.hows), f"{mine['first']:.3f}",
                     f"{mine['second']:.3f}", f"{r.full.times['cold']:.3f}" if r.full else "-",
                     f"{hand['cold']:.3f}", f"{r.ratio('first', 'cold'):.2f}",
                     *([f"{r.ratio('first_cpu', 'cold_cpu'):.2f}"] if cpu else []),
                     f"{r.sqlxy.rss_mb:,.0f}", f"{r.handwritten.rss_mb:,.0f}"])
    return table(["scenario", "resolve", "runs", "new / stale / orphaned", "how (first resolve)",
                  "sqlxy first (s)", "sqlxy next (s)", "sqlxy full query, cold (s)", "hand-written full (s)", "ratio",
                  *(["ratio CPU time"] if cpu else []), "sqlxy peak RSS (MB)", "hand peak RSS (MB)"], rows)


def setups_table(bench: Bench) -> str:
    rows = [[s.state, s.key, f"`{s.measured.hows[0]}`", f"{s.measured.times['first']:.3f}",
             f"`{s.measured.info['how_second']}`", f"{s.measured.times['second']:.3f}",
             f"{s.measured.rss_mb:,.0f}"] for s in bench.setups]
    return table(["state", "resolve", "how (first)", "first (s)", "how (next)", "next (s)", "peak RSS (MB)"],
                 rows)


def goals_table(bench: Bench, phases: list[tuple[str, str]]) -> str:
    """The goals over every resolve row; `phases`: (sqlxy phase, hand-written phase) compared."""
    rows = []
    for mine, hand in phases:
        worst = max(r.ratio(mine, hand) for r in bench.resolves)
        rows.append([f"resolve time / hand-written, {mine} (worst)", f"≤ {GOAL_RATIO}", f"{worst:.2f}",
                     verdict(worst <= GOAL_RATIO)])
    rss = max(r.sqlxy.rss_mb for r in bench.resolves)
    first = phases[0][0]
    seconds = max(r.sqlxy.times[first] for r in bench.resolves)
    rows += [["resolve peak RSS (worst)", f"≤ {GOAL_RSS_MB:,.0f} MB", f"{rss:,.0f} MB", verdict(rss <= GOAL_RSS_MB)],
             [f"resolve time, {first} (worst; Metaxy 0.1.11 ~10 s)", f"≤ {GOAL_SECONDS} s", f"{seconds:.2f} s",
              verdict(seconds <= GOAL_SECONDS)]]
    return table([f"goal (stated for N = {GOAL_VIDEOS:,})", "target", "measured", "met"], rows)


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(bench: Bench, idle_mb: float, settings: str, load: tuple[str, str], full_query: bool) -> str:
    how = ("full resolve query (keeps no state): best of "
           f"{bench.repeats} fresh processes, sqlxy and hand-written in turn" if full_query else
           f"maintained increments: best of {bench.repeats} fresh processes per scenario "
           "(a fresh change before each where the scenario has one), each next to the hand-written full query")
    header = (f"## sqlxy bench on {bench.engine}: {bench.videos:,} videos, {bench.chunks:,} chunks\n\n"
              f"sqlxy {revision()} · Python {platform.python_version()} · {settings} · {os.cpu_count()} CPUs · "
              f"load average {load[0]} at start, {load[1]} at end · resolves: {how} · "
              f"idle process (imports + open store) peak RSS {idle_mb:,.0f} MB")
    parts = [header, "### Writes\n\n" + writes_table(bench)]
    if full_query:
        parts += ["### Resolves\n\n" + full_resolves_table(bench),
                  "### Goals\n\n" + goals_table(bench, [("cold", "cold"), ("warm", "warm")])]
    else:
        parts += ["### Compaction\n\n" + compaction_table(bench),
                  "### Resolves\n\n" + maintained_resolves_table(bench),
                  "### Resolves that set up a state (one run each)\n\n" + setups_table(bench),
                  "### Goals\n\n" + goals_table(bench, [("first", "cold")])]
    return "\n\n".join(parts)


def revision() -> str:
    """The git commit of the sqlxy checkout (with -dirty for local edits), if there is one."""
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "(no git)"


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


# -- entry points -----------------------------------------------------------------------------


@contextmanager
def project_dir(keep: str | None, target: dict[str, Any]) -> Iterator[Path]:
    """A copy of the project's features with sqlxy.yaml's one target (DuckDB: its default file
    target/sqlxy.duckdb inside the project, with the DuckDB config given)."""
    with tempfile.TemporaryDirectory(prefix="sqlxy-bench-") as tmp:
        path = Path(keep) if keep else Path(tmp)
        path.mkdir(parents=True, exist_ok=not keep)
        shutil.copytree(FEATURES, path / "features")
        (path / "sqlxy.yaml").write_text(json.dumps({"targets": {"dev": target}}), encoding="utf-8")
        yield path


@contextmanager
def engine_target(engine: str, config: dict[str, str]) -> Iterator[tuple[dict[str, Any], str]]:
    """The target of sqlxy.yaml and a description of the engine's settings for the header."""
    if engine == "postgres":
        sys.path.insert(0, str(ROOT))
        from tests.engines import throwaway_postgres

        with throwaway_postgres() as dsn:
            yield {"type": "postgres", "dsn": dsn}, f"PostgreSQL {postgres_version(dsn)} (throwaway server, fsync off)"
        return
    settings = " ".join(f"{k}={v}" for k, v in config.items()) or \
        "DuckDB defaults (memory_limit 80% of RAM, one thread per CPU)"
    yield ({"type": "duckdb", "path": "target/sqlxy.duckdb", **({"config": config} if config else {})},
           f"duckdb {duckdb.__version__} · {settings}")


def postgres_version(dsn: str) -> str:
    import psycopg

    with psycopg.connect(dsn) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def run(args: argparse.Namespace, config: dict[str, str], child_args: list[str]) -> str:
    start = load_average()
    with engine_target(args.engine, config) as (target, settings), project_dir(args.keep, target) as path:
        bench = Bench(path, args.videos, args.repeats, args.engine, child_args)
        bench.populate()
        if args.full_query:
            unchanged = {k: counts() for k in KEYS}
            bench.resolve_all("unchanged", unchanged)
            bench.bump_audio()
            bench.resolve_all("after audio bump", {"video/chunk": counts(stale=args.videos),
                                                   "video/faces": counts()})
            bench.write_step("audio bump: N stale parents", "materialize", "video/chunk")
            bench.resolve_all("after re-materialize", unchanged)
        else:
            bench.settle("after populating")
            steps = {"a": lambda: bench.idle("(a) idle"), "b": bench.small_change, "c": bench.code_bump,
                     "d": bench.history}
            for name in args.scenarios.split(","):
                steps[name]()
        return report(bench, bench.idle_rss(), settings, (start, load_average()), args.full_query)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=100_000, help="number of videos N (default 100000)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="fresh processes (rounds, where a scenario changes data) per resolve; best time kept")
    parser.add_argument("--engine", choices=["duckdb", "postgres"], default="duckdb",
                        help="duckdb (default) or postgres (a throwaway server, as the tests start)")
    parser.add_argument("--full-query", action="store_true",
                        help="the earlier scenarios with the full resolve query (no maintained increments)")
    parser.add_argument("--scenarios", default="a,b,c,d",
                        help="which maintained scenarios to run, in order (default a,b,c,d; d makes the "
                             "five code bumps (c) did not)")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 1GB (default: DuckDB's)")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, one per CPU)")
    parser.add_argument("--keep", metavar="DIR", help="build the project in DIR (new) and keep it")
    parser.add_argument("--_measure", dest="measure", help=argparse.SUPPRESS)
    parser.add_argument("--_round", dest="round", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine != "duckdb" and (args.memory_limit or args.threads):
        parser.error("--memory-limit and --threads are DuckDB settings")
    scenarios = args.scenarios.split(",")
    if any(s not in ("a", "b", "c", "d") for s in scenarios) or sorted(scenarios) != sorted(set(scenarios)):
        parser.error("--scenarios: a comma-separated selection of a, b, c, d")
    if not args.full_query and args.repeats * changed(args.videos) > args.videos:
        parser.error("--repeats: not enough videos for a fresh 0.1 % slice per round")
    return args


def duckdb_settings(args: argparse.Namespace) -> tuple[dict[str, str], list[str]]:
    """DuckDB config for the children, and the flags that pass it (and the engine) on."""
    config, flags = {}, ["--engine", args.engine]
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
        job = Job(args.measure, Path(args.project), args.key, args.videos, args.engine, config, args.round)
        print(json.dumps(measure(job)))
        return
    print(run(args, config, flags))


if __name__ == "__main__":
    main()
