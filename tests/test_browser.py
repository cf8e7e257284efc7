"""The board in a real browser: Debian's headless Chromium (/usr/bin/chromium), driven by
Playwright for Python through that executable (Playwright downloads no browser here).
Skipped, saying so, when the browser or Playwright is missing; `.ci/run` installs the
browser. With TRACKER_SCREENSHOTS=DIR the board and a pause page are saved as PNG at a
desktop and a phone width."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from webseed import HOSTILE_TITLE, Served, seed

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
    pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: Playwright for Python is not installed")

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    w = seed(tmp_path_factory.mktemp("browser"))
    with Served(w) as s:  # the real clock: the page ticks against the browser's clock
        s.world = w
        yield s
    w.feed.stop()
    w.store.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.on("dialog", lambda d: (p.errors.append(f"dialog: {d.message}"), d.dismiss()))
    p.on("console", lambda m: p.errors.append(m.text) if m.type == "error" else None)
    yield p
    context.close()


def _shot(p, name: str) -> None:
    folder = os.environ.get("TRACKER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        p.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _seconds(text: str) -> int:
    m = re.search(r"(?:(\d+) d )?(\d+) h (\d+) min (\d+) s", text)
    assert m, text
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def test_board_lists_the_pauses_and_the_time_left_ticks(page, served):
    page.goto(served.url + "/")
    rows = page.locator("#board-rows tr")
    assert rows.count() == 3
    assert page.locator("table.board thead th").all_inner_texts()[:3] == ["Pause", "Place", "Status"]
    assert page.get_by_role("columnheader", name="Time left").count() == 1  # the table as assistive technology sees it
    left = page.locator("#pause-1 time.left")
    first = left.inner_text()
    page.wait_for_timeout(2200)
    second = left.inner_text()
    assert 1 <= _seconds(first) - _seconds(second) <= 4, (first, second)
    assert page.errors == []  # the CSP let the script run, and nothing failed
    _shot(page, "board-desktop")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    _shot(page, "board-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # no sideways scrolling on a phone
    assert page.get_by_role("row").count() == 4  # still a table (header row + 3) when its rows are laid out as cards


def test_a_filter_narrows_the_table_and_the_url(page, served):
    page.goto(served.url + "/")
    page.get_by_label("Kind").select_option("truce")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"kind=truce"))
    assert page.locator("#board-rows tr").count() == 1
    assert "Gaza" in page.locator("#board-rows tr").inner_text()
    page.get_by_label("Kind").select_option("")
    page.get_by_label("Place").fill("Sudan")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"place=Sudan"))
    assert page.locator("#board-rows tr").all_inner_texts()[0].startswith("#1")


def test_a_hostile_title_renders_as_text_and_the_pause_page_shows_its_evidence(page, served):
    page.goto(served.url + "/pauses/3")
    titles = page.locator(".evidence-item h3").all_inner_texts()
    assert titles and all(t == HOSTILE_TITLE for t in titles)
    assert page.locator(".evidence-item script, .evidence-item b, .evidence-item img").count() == 0
    assert page.locator(".evidence-item blockquote").count() == 2 and page.get_by_text("Why this pause:").count() == 2
    assert page.errors == []  # no alert() ran
    _shot(page, "pause-desktop")
    page.set_viewport_size(PHONE)
    _shot(page, "pause-phone")
    page.set_viewport_size(DESKTOP)
    page.goto(served.url + "/pauses/1")
    assert "El Fasher" in page.locator("h1").inner_text() and page.locator(".evidence-item").count() == 1
    _shot(page, "pause-1-desktop")


def test_the_board_refreshes_its_rows_without_a_reload(page, served):
    page.clock.install()  # the page's timers on a clock the test moves
    page.goto(served.url + "/")
    page.evaluate("document.getElementById('board-rows').dataset.old = 'yes'; window.__same_page = true")
    page.clock.run_for(31_000)  # past the 30 s refresh; its fetch is real
    deadline = time.monotonic() + 15
    while page.evaluate("document.getElementById('board-rows').dataset.old") and time.monotonic() < deadline:
        time.sleep(0.1)  # polled from here: the page's own timers are on the test's clock
    assert page.evaluate("document.getElementById('board-rows').dataset.old") is None, "the rows were not refreshed"
    assert page.evaluate("window.__same_page") is True  # fresh rows, no reload
    assert page.locator("#board-rows tr").count() == 3


def test_a_browser_signs_in_with_the_token_as_basic_password(browser, served):
    token = "browser-token-0123456789abcdef"
    with Served(served.world, tokens=(token,)) as guarded:
        # (without credentials a headless browser cancels its sign-in prompt: net::ERR_INVALID_AUTH_CREDENTIALS;
        # the 401 itself is checked in test_web.py)
        context = browser.new_context(http_credentials={"username": "desk", "password": token})
        try:
            p = context.new_page()
            assert p.goto(guarded.url + "/").status == 200
            assert p.locator("#board-rows tr").count() == 3
            first = p.locator("#pause-1 time.left").inner_text()
            p.wait_for_timeout(1200)
            assert p.locator("#pause-1 time.left").inner_text() != first  # the script loaded under the token too
        finally:
            context.close()
