"""report.html: escaped, self-contained, and what a person sees in a real browser."""

import os
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pandas as pd
import pytest

from dedup.cli import main
from dedup.html_report import CSP
from tests.conftest import OTHER, REWRITE, WIRE

SCRIPT = "<script>document.title='PWNED'</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
WRITE = "<script>document.write('<p id=pwned>PWNED</p>')</script>"


@pytest.fixture
def hostile_run(tmp_path: Path) -> Path:
    """Two versions of a story whose texts, titles and sources carry markup, and a rewrite."""
    lines = WIRE.split("\n")
    lines.insert(2, f"Officials said {SCRIPT} the vote would follow {IMG} on Friday.")
    hostile = "\n".join(lines)
    df = pd.DataFrame(
        {
            "id": ["w1", "w2", "r1", "o1"],
            "source": ["wire", f"site{WRITE}", "site-b", "site-c"],
            "published_at": ["2026-03-03T08:00:00", "2026-03-03T09:00:00"] * 2,
            "title": ["Port strike", f"Port strike {WRITE}", "Strike at Portvale", "Concert"],
            "text": [WIRE, hostile, REWRITE, OTHER],
        }
    )
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out), "--html", "--no-progress"]) == 0
    return out / "report.html"


def test_every_text_is_escaped(hostile_run: Path) -> None:
    page = hostile_run.read_text(encoding="utf-8")
    assert not re.search(r"<\s*(script|img|iframe|object|embed|link)\b", page, re.I)
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in page
    assert "onerror=&quot;" in page


def test_page_is_self_contained_with_csp(hostile_run: Path) -> None:
    page = hostile_run.read_text(encoding="utf-8")
    assert f'http-equiv="Content-Security-Policy" content="{escape(CSP)}"' in page
    assert "default-src 'none'" in CSP and "script-src" not in CSP
    assert not re.search(r"(src|href)\s*=\s*\"(https?:|//)", page)
    assert "@import" not in page and "url(" not in page


def test_clusters_pairs_and_highlights(hostile_run: Path) -> None:
    page = hostile_run.read_text(encoding="utf-8")
    assert page.count('<section class="cluster"') == 1  # the concert stays a singleton
    assert page.count('<div class="pair">') == 3  # w1-w2, w1-r1, w2-r1
    assert '<mark class="verbatim"' in page and '<mark class="reworded"' in page
    assert "Story 1: Port strike" in page
    # the canonical version (w1, earliest) is on the left of its pairs, which come first
    heads = re.findall(r"<h3>(\w+) &harr; (\w+)", page)
    assert heads == [("w1", "r1"), ("w1", "w2"), ("r1", "w2")]


def test_same_input_same_page(hostile_run: Path, tmp_path: Path) -> None:
    first = hostile_run.read_bytes()
    src = hostile_run.parent.parent / "in.csv"
    again = tmp_path / "again"
    assert main(["run", str(src), "--out", str(again), "--html", "--no-progress"]) == 0
    assert (again / "report.html").read_bytes() == first


def test_no_html_without_flag(tiny_csv: Path, tmp_path: Path) -> None:
    assert main(["run", str(tiny_csv), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    assert not (tmp_path / "o" / "report.html").exists()


# --- in a real headless browser -------------------------------------------------------


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install it (apt-get)")
        pytest.skip("chromium not installed (install Debian's 'chromium' to run this test)")
    return exe


def _browse(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    exe = _chromium()
    args = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        "--virtual-time-budget=3000",
        *extra,
        page.resolve().as_uri(),
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)


def _ran(dom: str) -> list[str]:
    """What the injected scripts would have left in the DOM."""
    found = []
    if re.search(r"<body[^>]*data-pwned", dom):
        found.append("img onerror set a body attribute")
    if re.search(r"<p id=\"pwned\"", dom):
        found.append("document.write added an element")
    if _title(dom) == "PWNED":
        found.append("document.title changed")
    return found


def _title(dom: str) -> str:
    m = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert m is not None
    return m.group(1)


def test_browser_runs_scripts_in_a_plain_page(tmp_path: Path) -> None:
    """Control: this browser set-up does run a page's own scripts, so their absence below
    means the report held none."""
    page = tmp_path / "control.html"
    page.write_text(
        f"<html><head><title>before</title></head><body>{SCRIPT}{WRITE}{IMG}</body></html>"
    )
    dom = _browse(page, tmp_path, "--dump-dom").stdout
    assert _ran(dom) == [
        "img onerror set a body attribute",
        "document.write added an element",
        "document.title changed",
    ]


def test_browser_shows_report_and_runs_no_article_script(hostile_run: Path, tmp_path: Path) -> None:
    dom = _browse(hostile_run, tmp_path, "--dump-dom").stdout
    assert _title(dom) == "newsdedup report"
    assert _ran(dom) == []
    assert len(re.findall(r'<h2 class="cluster-title"', dom)) == 1
    assert len(re.findall(r'<mark class="verbatim"', dom)) >= 5
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom  # shown as text

    # Escaping alone is enough: without the CSP meta no article script runs either.
    bare = tmp_path / "no-csp.html"
    bare.write_text(
        re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", hostile_run.read_text())
    )
    dom = _browse(bare, tmp_path, "--dump-dom").stdout
    assert "Content-Security-Policy" not in dom
    assert _title(dom) == "newsdedup report"
    assert _ran(dom) == []

    shot = tmp_path / "report.png"
    _browse(hostile_run, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    keep = os.environ.get("NEWSDEDUP_SCREENSHOT_DIR")
    if keep:  # for a person to look at; never committed (*.png is ignored)
        shutil.copy(shot, Path(keep) / "report.png")
