"""`sqlxy docs`: the page, rendered by a real browser (headless Chromium from Debian's `chromium`
package; CI installs it, locally a missing one skips), its status counts, escaping, and where it is
written."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import sqlxy
from sqlxy.cli import main
from sqlxy.graph import fullname

from .conftest import SEED_VIDEOS, write_features
from .engines import unavailable

PAGE = Path("target/docs/index.html")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ODD = """\
# </pre><script>alert(2)</script> a comment the page shows as text
key: -/_
description: "<script>alert(1)</script> & \\"quoted\\" 'single' <!-- ]]>"
id_columns: [video_id]
columns: {video_id: string, _: int}
fields:
  - key: "-"
    code_version: "<b>1</b>"
deps:
  - feature: video/faces
    lineage: {aggregation: {on: [video_id]}}
  - feature: video/raw
    select: []
    filter: "duration_s < 100"
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        unavailable("Chromium not found: apt-get install chromium")
    return found


def browse(chromium: str, page: Path, tmp_path: Path, *args: str) -> str:
    """Chromium's stdout for `page` (e.g. the rendered DOM with --dump-dom)."""
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", *args,
               page.resolve().as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class Elements(HTMLParser):
    """Every element with a data-* attribute: its attributes, its text, and the feature row it is in."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []
        self.open: list[tuple[str, dict[str, str]]] = []
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        if any(k.startswith("data-") for k in values):
            values["#text"] = ""
            values["#row"] = next((v.get("data-feature-row", "") for _, v in self.open if "data-feature-row" in v), "")
            self.found.append(values)
            self.open.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for _, values in self.open:
            values["#text"] += data

    def values(self, attribute: str) -> set[str]:
        return {e[attribute] for e in self.found if attribute in e}

    def text(self, attribute: str, value: str) -> str:
        return next(e["#text"] for e in self.found if e.get(attribute) == value)


def docs(root: Path, *args: str) -> int:
    return main(["docs", "--project", str(root), *args])


def seed_rows(root: Path) -> None:
    """The seed's videos written and their chunks materialized; faces still to compute."""
    with sqlxy.load_project(root).store() as store:
        store.write("video/raw", store.resolve("video/raw", samples=SEED_VIDEOS).to_write())
        store.materialize("video/chunk")


def test_the_browser_shows_every_feature_and_field_edge_and_the_status(
        seed_dir: Path, chromium: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_rows(seed_dir)
    assert docs(seed_dir) == 0
    assert capsys.readouterr().out == "wrote target/docs/index.html (3 features)\n"
    page = Elements(browse(chromium, seed_dir / PAGE, tmp_path, "--dump-dom"))
    project = sqlxy.load_project(seed_dir)
    assert page.values("data-feature") == set(project.features)
    assert page.values("data-section") == set(project.features)
    assert page.values("data-field") == {fullname((n.key, f.key)) for n in project.graph for f in n.spec.fields}
    edges = {f"{fullname(p)}->{fullname((n.key, f))}" for n in project.graph
             for f, parents in n.field_parents.items() for p in parents}
    assert page.values("data-edge") == edges == {"video/raw:audio->video/chunk:audio",
                                                 "video/raw:frames->video/chunk:frames",
                                                 "video/chunk:frames->video/faces:faces"}  # frames only
    assert page.values("data-dep") == {"video/raw->video/chunk", "video/chunk->video/faces"}
    assert {e["data-edge"]: e["data-lineage"] for e in page.found if "data-edge" in e}[
        "video/raw:audio->video/chunk:audio"] == "expansion"
    counts = {(cell["#row"], cell["data-status"]): cell["#text"] for cell in page.found if "data-status" in cell}
    assert counts == {("video/raw", "rows"): "3", ("video/raw", "new"): "–", ("video/raw", "stale"): "–",
                      ("video/raw", "orphaned"): "–", ("video/chunk", "rows"): "13", ("video/chunk", "new"): "0",
                      ("video/chunk", "stale"): "0", ("video/chunk", "orphaned"): "0",
                      ("video/faces", "rows"): "0", ("video/faces", "new"): "13",
                      ("video/faces", "stale"): "0", ("video/faces", "orphaned"): "0"}
    assert page.text("data-status-line", "video/chunk") == "13 rows · up to date"
    assert page.text("data-status-line", "video/faces") == "0 rows · 13 new"
    assert page.text("data-status-line", "video/raw") == "3 rows"


def test_the_screenshot_is_a_real_page(seed_dir: Path, chromium: str, tmp_path: Path) -> None:
    seed_rows(seed_dir)
    assert docs(seed_dir) == 0
    shot = tmp_path / "docs.png"
    browse(chromium, seed_dir / PAGE, tmp_path, f"--screenshot={shot}", "--window-size=1280,900",
           "--hide-scrollbars")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 900)
    assert len(data) > 20_000  # text and a drawing, not a blank page


def test_the_page_loads_nothing_from_outside(seed_dir: Path, chromium: str, tmp_path: Path) -> None:
    assert docs(seed_dir) == 0
    html = (seed_dir / PAGE).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href|action|xlink:href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"https?://", html)
    assert not re.search(r"@import|url\((?!#)", html)
    page = Elements(browse(chromium, seed_dir / PAGE, tmp_path, "--dump-dom"))
    assert not {"script", "link", "img", "iframe", "object", "embed", "image", "use"} & set(page.tags)


def test_user_text_is_escaped(seed_dir: Path, chromium: str, tmp_path: Path) -> None:
    write_features(seed_dir, {"odd.yaml": ODD})
    assert docs(seed_dir, "--no-status") == 0
    html = (seed_dir / PAGE).read_text(encoding="utf-8")
    assert "<script" not in html and "<b>1" not in html and "<!--  ]]>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &#39;single&#39; &lt;!-- ]]&gt;" in html
    assert "# &lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html  # the spec YAML, as written
    page = Elements(browse(chromium, seed_dir / PAGE, tmp_path, "--dump-dom"))
    assert "script" not in page.tags and "b" not in page.tags
    assert "-/_" in page.values("data-feature")
    assert {"video/faces:faces->-/_:-", "video/raw:audio->-/_:-", "video/raw:frames->-/_:-"} <= \
        page.values("data-edge")
    assert page.values("data-dep") >= {"video/faces->-/_", "video/raw->-/_"}  # this one skips a column
    shown = page.text("data-section", "-/_")  # the text a reader sees
    assert "<script>alert(1)</script> & \"quoted\" 'single' <!-- ]]>" in shown
    assert "# </pre><script>alert(2)</script> a comment" in shown
    assert "code <b>1</b>" in page.text("data-field", "-/_:-")


def test_a_skipped_column_is_passed_between_its_boxes(seed_dir: Path) -> None:
    from sqlxy.docs_page import layout

    write_features(seed_dir, {"odd.yaml": ODD})
    drawing = layout(sqlxy.load_project(seed_dir))
    edge = next(e for e in drawing.dep_edges if e.name == "video/raw->-/_")
    points = [tuple(map(float, token.lstrip("MCL").split(","))) for token in edge.path.split()]
    runs = [(points[i - 1][0], x, y) for i, (x, y) in enumerate(points) if edge.path.split()[i].startswith("L")]
    assert len(runs) == 2  # a straight run across each column it skips (chunk's, faces')
    for start, end, y in runs:
        crossed = [b for b in drawing.boxes if b.x < end and start < b.x + b.width]
        assert crossed and not any(b.y <= y <= b.y + b.height for b in crossed)


def test_no_status_reads_no_target_and_status_creates_nothing(seed_dir: Path) -> None:
    assert docs(seed_dir, "--no-status") == 0
    html = (seed_dir / PAGE).read_text(encoding="utf-8")
    assert "data-status" not in html and "status from target" not in html
    assert docs(seed_dir) == 0  # the default target is a DuckDB file that does not exist
    html = (seed_dir / PAGE).read_text(encoding="utf-8")
    assert 'data-status-line="video/faces">0 rows · up to date<' in html
    assert not (seed_dir / "target/sqlxy.duckdb").exists()


def test_out_writes_there_and_only_there(seed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site/a/b/docs.html"
    assert docs(seed_dir, "--out", str(out), "--no-status") == 0
    assert capsys.readouterr().out == f"wrote {out} (3 features)\n"
    assert "video/chunk:frames-&gt;video/faces:faces" in out.read_text(encoding="utf-8")
    assert not (seed_dir / "target").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["docs.html"]


@pytest.mark.parametrize("where", ["under_a_file", "a_folder"])
def test_an_unwritable_out_exits_1_and_writes_nothing(seed_dir: Path, tmp_path: Path, where: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "blocker").write_text("not a folder")
    (tmp_path / "folder").mkdir()
    out = tmp_path / "blocker/new/docs.html" if where == "under_a_file" else tmp_path / "folder"
    before = sorted(tmp_path.rglob("*"))
    assert docs(seed_dir, "--out", str(out)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: cannot write the docs page to {out}: ")
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert sorted(tmp_path.rglob("*")) == before
    assert (tmp_path / "blocker").read_text() == "not a folder"
    assert not (seed_dir / "target").exists()


def test_a_target_that_cannot_be_read_leaves_the_page_without_status(
        seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (seed_dir / "target").mkdir()
    (seed_dir / "target/sqlxy.duckdb").write_text("not a database")
    assert docs(seed_dir) == 0
    captured = capsys.readouterr()
    assert captured.out == "wrote target/docs/index.html (3 features)\n"
    assert captured.err.startswith("warning: the docs page shows no status: target 'dev' could not be read (")
    html = (seed_dir / PAGE).read_text(encoding="utf-8")
    assert 'id="status-note"' in html and "data-status" not in html
    assert "not a database" not in html  # the reason stays on stderr, out of a page meant to be shared


def test_an_unknown_target_is_an_error(seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert docs(seed_dir, "--target", "nope") == 1
    assert capsys.readouterr().err == "error: sqlxy.yaml: unknown target 'nope' (known: dev)\n"
    assert not (seed_dir / "target").exists()
