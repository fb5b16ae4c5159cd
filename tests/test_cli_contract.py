"""The CLI keeps its contract (SPEC §9): global options anywhere, usage errors are user errors,
stdout is the user's data, a closed pipe ends quietly, Ctrl-C says whether anything was written."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import sqlxy
from sqlxy.cli import console, main

from .conftest import REPO, SEED_VIDEOS
from .engines import postgres_dsn, spark_session  # noqa: F401  (fixtures)

TWO_TARGETS = """\
targets:
  dev: {type: duckdb, path: target/dev.duckdb}
  other: {type: duckdb, path: target/other.duckdb}
default_target: dev
"""


def cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sqlxy.cli", *args], capture_output=True, text=True, **kwargs)


def interrupted_main(argv: list[str]) -> int:
    """main() where a KeyboardInterrupt is raised inside: it must end in an exit code, not escape."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main()")


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text


def seed_samples(path: Path, count: int = 3) -> Path:
    if count == 3:
        rows = SEED_VIDEOS
    else:
        ids = [f"v{i}" for i in range(count)]
        rows = pa.table({"video_id": ids, "path": [f"{i}.mp4" for i in ids], "duration_s": [30.0] * count,
                         "audio_version": ["a"] * count, "frames_version": ["f"] * count})
    pacsv.write_csv(rows, path)
    return path


def written_rows(seed_dir: Path, table: str, database: str = "target/sqlxy.duckdb") -> int:
    with duckdb.connect(str(seed_dir / database), read_only=True) as connection:
        if not connection.sql("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", params=[table]).fetchall():
            return 0
        return connection.sql(f'SELECT COUNT(*) FROM "{table}"').fetchall()[0][0]


# -- 1. global options before and after the command ------------------------------------------

def test_project_and_target_before_the_command(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (seed_dir / "sqlxy.yaml").write_text(TWO_TARGETS)
    samples = str(seed_samples(seed_dir / "videos.csv"))
    assert main(["--project", str(seed_dir), "--target", "other", "resolve", "video/raw", "--samples", samples,
                 "--out", str(seed_dir / "todo.parquet")]) == 0
    assert main(["--target", "other", "--project", str(seed_dir), "-q", "write", "video/raw", "--input",
                 str(seed_dir / "todo.parquet")]) == 0
    assert written_rows(seed_dir, "video__raw", "target/other.duckdb") == 3
    assert not (seed_dir / "target/dev.duckdb").exists()
    capsys.readouterr()
    for argv in (["--project", str(seed_dir), "--target", "other", "status", "--json"],
                 ["status", "--json", "--quiet", "--project", str(seed_dir), "--target", "other"],
                 ["--project", "/nonexistent", "--target", "dev", "status", "--json", "--project", str(seed_dir),
                  "--target", "other"]):  # after the command wins
        assert main(argv) == 0, capsys.readouterr().err
        assert json.loads(capsys.readouterr().out)[0] == {"feature": "video/raw", "rows": 3, "new": None,
                                                          "stale": None, "orphaned": None, "errors": 0,
                                                          "waiting_on": [], "layout": "ok", "last_resolve": None}


def test_readme_example_with_project_before_the_command(seed_dir: Path) -> None:
    result = cli("--project", str(seed_dir), "status")
    assert result.returncode == 0, result.stderr
    assert "video/faces" in result.stdout and result.stderr == ""
    result = cli("--target", "nope", "--project", str(seed_dir), "status")
    assert result.returncode == 1 and "nope" in one_line(result.stderr)


# -- 2. usage errors are user errors: exit 1, one line ----------------------------------------

@pytest.mark.parametrize("argv", [
    [], ["frobnicate"], ["status", "--frobnicate"], ["--frobnicate", "status"], ["compile", "--dialect", "nope"],
    ["graph", "--format", "nope"], ["delete", "video/raw"], ["read"], ["read", "video/raw", "--limit", "many"],
    ["resolve", "video/raw", "--json", "--out", "todo.parquet"],
])
def test_usage_errors_exit_1_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert one_line(captured.err).startswith("error: ") and "--help" in captured.err


def test_missing_input_is_a_user_error(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["write", "video/raw", "--project", str(seed_dir)]) == 1
    assert "--input" in one_line(capsys.readouterr().err)


def test_usage_errors_through_the_console_script(tmp_path: Path) -> None:
    result = cli("resolve", "video/raw", "--json", "--out", "x.json", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert one_line(result.stderr).startswith("error: argument --out: not allowed with argument --json")


def test_help_still_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--project" in out and "--quiet" in out and "130" in out
    assert main(["write", "--help"]) == 0
    assert "--run-id" in capsys.readouterr().out
    assert cli("--help").returncode == 0


# -- 3. output cut short by the reader ends quietly --------------------------------------------

def test_reader_closing_the_pipe_midway_ends_quietly(seed_dir: Path) -> None:
    samples = seed_samples(seed_dir / "many.csv", 3000)
    assert main(["write", "video/raw", "--input", str(samples), "--project", str(seed_dir)]) == 0
    # about 400 kB of table, printed row by row: more than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "sqlxy.cli", "read", "video/raw", "--limit", "5000",
                             "--project", str(seed_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"video_id")  # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == ""


def test_reader_gone_before_anything_was_printed_ends_quietly(seed_dir: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sqlxy.cli", "versions", "--json", "--project", str(seed_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the output is small: it fails only when flushed
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == ""


# -- 4. Ctrl-C: exit 130, one line that says whether anything was written -------------------

@pytest.fixture
def todo(seed_dir: Path) -> Path:
    """The rows of video/raw to write (from resolve), in a parquet file."""
    out = seed_dir / "todo.parquet"
    samples = str(seed_samples(seed_dir / "videos.csv"))
    assert main(["resolve", "video/raw", "--samples", samples, "--out", str(out), "--project", str(seed_dir)]) == 0
    return out


def test_ctrl_c_after_the_commit_says_it_landed(seed_dir: Path, todo: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(text: str = "", out: Any = None) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the confirmation is printed: the write committed

    capsys.readouterr()
    monkeypatch.setattr(console, "line", interrupt)
    assert interrupted_main(["write", "video/raw", "--input", str(todo), "--project", str(seed_dir)]) == 130
    err = one_line(capsys.readouterr().err)
    assert err == "interrupted after the write committed (write of video/raw: 3 rows)\n"
    assert written_rows(seed_dir, "video__raw") == 3


def test_ctrl_c_inside_the_write_says_nothing_was_written(seed_dir: Path, todo: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlxy.store.duckdb import DuckDBAdapter

    execute = DuckDBAdapter.execute

    def interrupted_insert(self: DuckDBAdapter, sql: str) -> None:
        execute(self, sql)
        if sql.startswith("INSERT"):  # the rows are in, the transaction is not committed yet
            raise KeyboardInterrupt

    capsys.readouterr()
    monkeypatch.setattr(DuckDBAdapter, "execute", interrupted_insert)
    assert interrupted_main(["write", "video/raw", "--input", str(todo), "--project", str(seed_dir)]) == 130
    assert one_line(capsys.readouterr().err) == "interrupted; nothing was written\n"
    assert written_rows(seed_dir, "video__raw") == 0


def test_ctrl_c_before_any_write(seed_dir: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sqlxy.Project, "store", interrupt)
    assert interrupted_main(["status", "--project", str(seed_dir)]) == 130
    assert one_line(capsys.readouterr().err) == "interrupted; nothing was written\n"


def test_ctrl_c_between_statements_and_commit_is_reported_as_unknown(
        seed_dir: Path, todo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlxy.store.duckdb import DuckDBAdapter

    @contextmanager
    def transaction(self: DuckDBAdapter) -> Iterator[None]:
        self.connection.begin()
        yield
        self.connection.commit()
        raise KeyboardInterrupt  # Ctrl-C as the commit returns: sqlxy cannot know it landed

    capsys.readouterr()
    monkeypatch.setattr(DuckDBAdapter, "transaction", transaction)
    assert interrupted_main(["write", "video/raw", "--input", str(todo), "--project", str(seed_dir)]) == 130
    err = one_line(capsys.readouterr().err)
    assert err.startswith("interrupted while committing (write of video/raw: 3 rows): it may or may not")


def test_ctrl_c_between_statements_without_transactions_says_part_was_written(
        seed_dir: Path, todo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """On an engine without transactions (DuckDB told to act as one) a materialize stopped between
    its two statements has written part: the message says so and how to complete it."""
    from sqlxy.store.duckdb import DuckDBAdapter

    assert main(["write", "video/raw", "--input", str(todo), "--project", str(seed_dir)]) == 0
    execute, inserts = DuckDBAdapter.execute, []

    def second_insert_interrupted(self: DuckDBAdapter, sql: str) -> None:
        if sql.startswith('INSERT INTO "video__chunk"'):
            inserts.append(sql)
            if len(inserts) == 2:  # retire_orphaned ran; the insert of the children is next
                raise KeyboardInterrupt
        execute(self, sql)

    capsys.readouterr()
    monkeypatch.setattr(DuckDBAdapter, "SUPPORTS_TRANSACTIONS", False)
    monkeypatch.setattr(DuckDBAdapter, "execute", second_insert_interrupted)
    assert interrupted_main(["materialize", "video/chunk", "--project", str(seed_dir)]) == 130
    err = one_line(capsys.readouterr().err)
    assert err.startswith("interrupted part way (materialize of video/chunk") and "run the same command again" in err
    monkeypatch.setattr(DuckDBAdapter, "execute", execute)
    assert main(["materialize", "video/chunk", "--project", str(seed_dir)]) == 0
    assert written_rows(seed_dir, "video__chunk") > 0


def test_sigint_during_a_long_write(seed_dir: Path) -> None:
    """A real Ctrl-C (SIGINT) while a large input is checked and written."""
    count = 1_000_000
    ids = pa.array([f"v{i}" for i in range(count)])
    rows = pa.table({"video_id": ids, "path": ids, "duration_s": pa.array([30.0] * count),
                     "audio_version": ids, "frames_version": ids})
    pq.write_table(rows, seed_dir / "big.parquet")
    proc = subprocess.Popen([sys.executable, "-m", "sqlxy.cli", "write", "video/raw", "--input",
                             str(seed_dir / "big.parquet"), "--project", str(seed_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (seed_dir / "target/sqlxy.duckdb").exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the store is open: the command is past its imports
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the write finished before the signal arrived")
    assert proc.returncode == 130, err
    assert one_line(err) in ("interrupted; nothing was written\n",
                             f"interrupted after the write committed (write of video/raw: {count} rows)\n")
    expected = 0 if "nothing" in err else count
    assert written_rows(seed_dir, "video__raw") == expected


# -- 5. progress never on stdout (sqlxy's own display: tests/test_progress.py) -----------------

SPY = """
import json, sys
import duckdb

seen, connect = [], duckdb.connect


class Spy:  # records each connection's progress-bar setting when it is closed
    def __init__(self, connection):
        self.connection = connection

    def __getattr__(self, name):
        return getattr(self.connection, name)

    def close(self):
        seen.append(self.connection.sql("SELECT current_setting('enable_progress_bar')").fetchall()[0][0])
        self.connection.close()


duckdb.connect = lambda *args, **kwargs: Spy(connect(*args, **kwargs))
from sqlxy.cli import main

codes = [main(argv) for argv in json.loads(sys.argv[1])]
sys.stderr.write(json.dumps({"codes": codes, "seen": seen}))
"""


def test_no_duckdb_connection_has_its_progress_bar(seed_dir: Path, todo: Path) -> None:
    """In a process of its own: DuckDB turns the bar on by default where stdout is a pipe or file
    (under pytest's capture it happens to start off)."""
    project = ["--project", str(seed_dir)]
    commands = [["write", "video/raw", "--input", str(todo), *project],  # reads a file, checks rows, writes
                ["resolve", "video/raw", "--samples", str(seed_dir / "videos.csv"), "--out",
                 str(seed_dir / "again.csv"), *project]]                 # writes a file
    result = subprocess.run([sys.executable, "-c", SPY, json.dumps(commands)], capture_output=True, text=True)
    report = json.loads(result.stderr)
    assert report["codes"] == [0, 0] and len(report["seen"]) >= 6
    assert not any(report["seen"])


def test_a_target_may_turn_duckdbs_progress_bar_on(seed_dir: Path) -> None:
    (seed_dir / "sqlxy.yaml").write_text("targets:\n  dev: {type: duckdb, config: {enable_progress_bar: true}}\n")
    with sqlxy.load_project(seed_dir).store() as store:  # a session setting DuckDB refuses at connect
        setting = "SELECT current_setting('enable_progress_bar')"
        assert store.adapter.connection.sql(setting).fetchall() == [(True,)]


def test_json_output_is_all_stdout_holds(seed_dir: Path) -> None:
    samples = seed_samples(seed_dir / "videos.csv")
    result = cli("resolve", "video/raw", "--samples", str(samples), "--json", "--project", str(seed_dir))
    assert result.returncode == 0 and result.stderr == ""
    assert len(json.loads(result.stdout)["new"]) == 3


# -- 6. API errors name API parameters, CLI errors name flags ---------------------------------

def test_api_errors_name_parameters_and_cli_errors_flags(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlxy.load_project(seed_dir).store() as store:
        for call, name in [(lambda: store.resolve("video/chunk", stale_if="nope = 1"), "stale_if="),
                           (lambda: store.resolve("video/chunk", samples=[{"video_id": "v1"}]), "samples="),
                           (lambda: store.resolve("video/raw"), "samples="),
                           (lambda: store.read("video/raw", where="1=1; DROP TABLE x"), "where="),
                           (lambda: store.delete("video/raw", "nope = 1"), "where=")]:
            with pytest.raises(sqlxy.InputError) as caught:
                call()
            assert name in str(caught.value) and "--" not in str(caught.value)
    project = ["--project", str(seed_dir)]
    for argv, flag in [(["resolve", "video/chunk", "--stale-if", "nope = 1"], "--stale-if="),
                       (["resolve", "video/chunk", "--samples", str(seed_samples(seed_dir / "v.csv"))], "--samples="),
                       (["resolve", "video/raw"], "--samples="),
                       (["read", "video/raw", "--where", "nope = 1"], "--where="),
                       (["delete", "video/raw", "--where", "nope = 1"], "--where=")]:
        assert main([*argv, *project]) == 1
        err = one_line(capsys.readouterr().err)
        assert flag in err and not re.search(r"(?<!-)\b(stale_if|samples|where)=", err), err


# -- 7. smaller items -----------------------------------------------------------------------------

def test_run_id_is_documented() -> None:
    cli_section = (REPO / "README.md").read_text(encoding="utf-8").split("## CLI", 1)[1].split("\n## ", 1)[0]
    assert "`sqlxy write K --input FILE" in cli_section and "--run-id" in cli_section
    assert re.search(r"`sqlxy materialize K[^`]*--run-id", cli_section)


def test_read_and_status_create_nothing(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = ["--project", str(seed_dir)]
    assert main(["read", "video/faces", "--json", *project]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["status", "--json", *project]) == 0
    assert [r["rows"] for r in json.loads(capsys.readouterr().out)] == [0, 0, 0]
    assert not (seed_dir / "target").exists()


def test_reading_a_missing_table_gives_its_columns_and_creates_nothing(seed_dir: Path, todo: Path) -> None:
    assert main(["write", "video/raw", "--input", str(todo), "--project", str(seed_dir)]) == 0
    project = sqlxy.load_project(seed_dir)
    with project.store() as store:
        rows = store.read("video/faces")
        assert rows.num_rows == 0
        assert rows.column_names == project.compiler.model("video/faces").table_column_names
        status = {r["feature"]: r for r in store.status()}
        assert (status["video/chunk"]["new"], status["video/faces"]["rows"]) == (3, 0)
        assert status["video/faces"]["waiting_on"] == ["video/chunk"]
        assert store.adapter.columns("video__faces", None) is None
        assert store.adapter.columns("video__chunk", None) is None


def test_read_and_status_of_missing_tables_on_every_engine(engine_dir: Path) -> None:
    project = sqlxy.load_project(engine_dir)
    with project.store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
        rows = store.read("video/faces", where="num_faces > 1")
        assert rows.num_rows == 0
        assert rows.column_names == project.compiler.model("video/faces").table_column_names
        status = {r["feature"]: r for r in store.status()}
        assert (status["video/raw"]["rows"], status["video/chunk"]["new"], status["video/faces"]["new"]) == (3, 3, 0)
        schema = project.config.schema
        assert store.adapter.columns("video__chunk", schema) is None
        assert store.adapter.columns("video__faces", schema) is None


def test_read_of_a_table_behind_its_spec_alters_nothing(seed_dir: Path, todo: Path) -> None:
    assert main(["write", "video/raw", "--input", str(todo), "--project", str(seed_dir)]) == 0
    raw = seed_dir / "features/video/raw.yaml"
    raw.write_text(raw.read_text().replace("  duration_s: float\n", "  duration_s: float\n  fps: int\n"))
    with sqlxy.load_project(seed_dir).store() as store:
        rows = store.read("video/raw", where="fps IS NULL")
        assert rows.num_rows == 3 and rows.column("fps").to_pylist() == [None] * 3
        assert "fps" not in store.adapter.columns("video__raw", None)


def test_root_write_with_provenance_and_input_version_is_refused(seed_dir: Path, todo: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rows = pq.read_table(todo)
    both = seed_dir / "both.parquet"
    pq.write_table(rows.append_column("audio_version", pa.array(["other"] * rows.num_rows)), both)
    capsys.readouterr()
    assert main(["write", "video/raw", "--input", str(both), "--project", str(seed_dir)]) == 1
    err = one_line(capsys.readouterr().err)
    assert "sqlxy_provenance__audio" in err and "'audio_version'" in err and "nothing written" in err
    assert written_rows(seed_dir, "video__raw") == 0


def _step(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def test_readme_walkthrough_shows_what_the_example_prints() -> None:
    printed = subprocess.run([sys.executable, str(REPO / "examples/expansion/run.py")], check=True,
                             capture_output=True, text=True).stdout
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for title in ("1. initial run", "2. idempotent rerun", "3. audio code_version 1 → 2, run", "4. rerun"):
        assert _step(readme, title) == _step(printed, title), title
