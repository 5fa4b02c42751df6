"""The dashboard in a real browser (Debian chromium via Playwright): what an analyst, a manager and a coder do.

Starts `streamlit run dashboard.py` on a free port against an empty database, uploads the demo practice's
files, runs the audit, opens a finding's records, a provider, a pre-check and downloads the workbook.
Saves one screenshot per page (into docs/screenshots/ for the README with UPDATE_SCREENSHOTS=1). Waits on the app's script state and the
expected element, never on fixed sleeps.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from audits import demo

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ROOT = Path(__file__).resolve().parents[2]
# The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; an ordinary run writes them to the
# ignored tests/e2e/screenshots/, so running the suite leaves the committed images alone.
SHOTS = ROOT / (
    "docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else "tests/e2e/screenshots"
)
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _require_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                "/usr/bin/chromium is missing: CI must install Debian chromium for the browser tests."
            )
        pytest.skip("/usr/bin/chromium is missing: install Debian chromium to run the browser tests.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _dashboard(db: Path):
    port = _free_port()
    env = {**os.environ, "CLEARTOBILL_DB": str(db), "CI": os.environ.get("CI", "")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",  # as `make run` starts it: the dashboard with its security headers
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not start: {server.stderr.read()[-2000:] if server.stderr else ''}"
                )
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def browser_page():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1600}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(180_000)  # a ceiling, not a wait: the machine may be busy
        blocked = []  # what the Content-Security-Policy refused: the page must need nothing it forbids
        page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text[:300]))
        page.csp_blocked = blocked
        yield page
        assert not blocked, blocked
        context.close()
        browser.close()


def _open(page, url: str, path: str = "") -> None:
    page.goto(f"{url}/{path}")
    page.wait_for_selector(IDLE)
    assert not page.csp_blocked, page.csp_blocked  # nothing of the page refused by its own policy


def _settled(page, text: str):
    """Wait for text to show and the script run to finish."""
    page.get_by_text(text, exact=False).first.wait_for()
    page.wait_for_selector(IDLE)


def test_empty_database_shows_what_to_upload(tmp_path, browser_page):
    page = browser_page
    with _dashboard(tmp_path / "empty.duckdb") as url:
        for path in ("", "upload", "provider", "clearance", "trends"):
            _open(page, url, path)
            page.get_by_text("pload", exact=False).first.wait_for()
            assert page.locator('[data-testid="stException"]').count() == 0


def test_analyst_manager_and_coder_flow(tmp_path, browser_page):
    files = demo.generate_files(tmp_path / "files", seed=7, lines=3000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    with _dashboard(tmp_path / "e2e.duckdb") as url:
        # Analyst: upload every file at once, load, see the per-file results.
        _open(page, url, "upload")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            [str(f) for f in files]
        )
        page.get_by_text("Check or change the kind and column mapping of").wait_for()
        page.wait_for_selector(IDLE)
        page.get_by_role("button", name=f"Load {len(files)} files").click()
        _settled(page, "This session's loads")
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(SHOTS / "upload.png"), full_page=True)

        # Manager: run the audit for the month in the sidebar, open a finding's records.
        _open(page, url)  # the audit page is the default page: its path is ""
        page.get_by_role("button", name="Run the audit for").click()
        _settled(page, "Open a finding")
        page.get_by_text("Findings by rule").first.wait_for()
        # select the first row of the findings table (its row marker): the records behind it open
        table = page.locator('.st-key-findings_table [data-testid="stDataFrame"]').first
        table.locator("canvas").first.wait_for()
        table.scroll_into_view_if_needed()
        page.wait_for_selector(IDLE)
        box = table.bounding_box()
        page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
        _settled(page, "What to do:")
        picked = page.locator('[data-testid="stSelectbox"]').filter(has_text="Open a finding")
        # the selectbox opens another finding (keyboard users: focus it, the down arrow lists the findings;
        # a click on an input that already holds a value leaves the list closed in chromium here)
        picked.locator("input").click()
        picked.locator("input").press("ArrowDown")
        page.get_by_role("option").nth(1).click()
        _settled(page, "What to do:")
        page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the audit workbook (Excel)").click()
        workbook = tmp_path / "workbook.xlsx"
        download_info.value.save_as(workbook)
        assert workbook.read_bytes()[:2] == b"PK"

        # Provider profile.
        _open(page, url, "provider")
        page.get_by_text("Licences and certifications").wait_for()
        page.get_by_text("Enrollments by payer", exact=True).wait_for()
        page.screenshot(path=str(SHOTS / "provider.png"), full_page=True)

        # Coder: the clearance matrix, then a single pre-check.
        _open(page, url, "clearance")
        page.get_by_text("provider-payer pairs on").wait_for()
        page.screenshot(path=str(SHOTS / "clearance.png"), full_page=True)
        page.get_by_role("tab", name="Pre-check a line").click()
        page.get_by_label("Procedure code").last.fill("99213")
        page.get_by_role("button", name="Check").click()
        page.get_by_text(re.compile(r"^(CLEARED: |NOT CLEARED)")).first.wait_for()
        page.wait_for_selector(IDLE)
        page.screenshot(path=str(SHOTS / "precheck.png"), full_page=True)

        # Leadership: trends.
        _open(page, url, "trends")
        page.get_by_text("Needs action in the next 90 days").wait_for()
        page.screenshot(path=str(SHOTS / "trends.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0


def test_pages_read_plainly_in_the_browser(tmp_path, browser_page):
    """No Deploy button or developer menu; every text at least 4.5:1 against its background on every page;
    a typed date applies on Enter; a finding's link opens its provider."""
    from test_app_words import B, build_worded_practice

    db = build_worded_practice(tmp_path / "worded.duckdb")
    contrast = (Path(__file__).parent / "contrast.js").read_text()
    page = browser_page
    with _dashboard(db) as url:
        for path in ("", "upload", "provider", "clearance", "trends"):
            _open(page, url, path)
            page.locator('[data-testid="stMainBlockContainer"]').first.wait_for()
            low = [t for t in page.evaluate(contrast) if t["ratio"] < 4.5]
            assert not low, f"/{path}: text below 4.5:1: {low[:5]}"
            assert page.get_by_role("button", name="Deploy").count() == 0
        page.locator('[data-testid="stMainMenu"]').click()
        menu = page.locator('[data-testid="stMainMenuPopover"]')
        menu.wait_for()
        assert "Rerun" not in menu.inner_text() and "Clear cache" not in menu.inner_text()
        page.keyboard.press("Escape")

        # Enter applies a typed date (the matrix caption names the date it shows).
        _open(page, url, "clearance")
        box = page.get_by_role("textbox", name="On date")
        box.fill("2026-10-06")
        box.press("Enter")
        _settled(page, "provider-payer pairs on 2026-10-06")

        # A finding links to its provider.
        _open(page, url)
        picked = page.locator('[data-testid="stSelectbox"]').filter(has_text="Open a finding")
        picked.locator("input").click()
        page.get_by_role("option").filter(has_text="Blake Fern").first.click()
        _settled(page, "What to do:")
        page.get_by_role("link", name="Provider profile of Blake Fern").click()
        page.get_by_role("heading", name="Blake Fern").wait_for()
        page.wait_for_selector(IDLE)
        assert page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=f"NPI {B}").count() == 1
