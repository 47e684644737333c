"""The web UI on a phone (390 px wide) and a desktop (1400 px) in headless Chromium: the confidence label stays
on one line, the documents table keeps readable columns (it scrolls sideways instead of squeezing them to 1–3
letters), and each reply points down to the Sources panel and the article viewer. Screenshots go to
tests/artifacts/ (git-ignored): phone-ask-390.png, phone-sources-390.png, phone-library-390.png,
desktop-ask-1400.png, desktop-library-1400.png."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from paths import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def url(article_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from articleqa import Assistant
    from articleqa.ui import build_app, launch

    index_dir = tmp_path_factory.mktemp("ui-phone") / "idx"
    shutil.copytree(article_index, index_dir)
    app = build_app(Assistant.open(index_dir), upload_dir=index_dir.parent / "uploads")
    app.queue(default_concurrency_limit=4)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    _, served, _ = launch(app, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield served
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


def _page(browser: object, url: str, width: int, height: int) -> object:
    ctx = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.wait_for_selector("#aqa-question textarea")
    return page


def _ask(page: object, question: str) -> None:
    page.fill("#aqa-question textarea", question)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#aqa-chat .aqa-answer .aqa-conf")  # type: ignore[attr-defined]


def test_on_a_phone_the_label_stays_whole_and_the_reply_points_to_the_sources(browser, url):
    ARTIFACTS.mkdir(exist_ok=True)
    page = _page(browser, url, 390, 844)
    try:
        _ask(page, "Where are the talks held?")
        label = page.locator("#aqa-chat .aqa-conf").first
        assert label.evaluate("e => e.getClientRects().length") == 1  # one box: not broken across lines
        assert label.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        page.screenshot(path=str(ARTIFACTS / "phone-ask-390.png"))
        jump = page.locator("#aqa-chat .aqa-jump").last
        assert jump.is_visible() and "Sources" in jump.inner_text()
        sources_top = page.locator("#aqa-sources").evaluate("e => e.getBoundingClientRect().top")
        assert sources_top > 844  # below the fold: what the link is for
        jump.click()
        page.wait_for_function(
            "() => { const r = document.querySelector('#aqa-sources').getBoundingClientRect();"
            " return r.top >= -5 && r.top < window.innerHeight / 2; }")
        page.screenshot(path=str(ARTIFACTS / "phone-sources-390.png"))
    finally:
        page.context.close()


def test_on_a_phone_the_documents_table_keeps_readable_columns(browser, url):
    page = _page(browser, url, 390, 844)
    try:
        page.get_by_role("tab", name="Library").click()
        page.wait_for_selector("#aqa-docs .body-cell")
        page.wait_for_timeout(300)
        widths = page.locator("#aqa-docs .virtual-row").first.evaluate(
            "r => [...r.querySelectorAll('.body-cell')].map(c => c.getBoundingClientRect().width)")
        assert len(widths) == 6 and min(widths) >= 70, widths  # the squeezed table gave Chunks 23 px
        heads = page.locator("#aqa-docs th").evaluate_all("hs => hs.map(h => h.getBoundingClientRect().height)")
        assert max(heads) < 80, heads  # "Published" and "Chunks" no longer stacked a letter or two a line
        viewport = page.locator("#aqa-docs .virtual-table-viewport")
        assert viewport.evaluate("v => v.scrollWidth > v.clientWidth")  # the rest is a sideways swipe away
        page.screenshot(path=str(ARTIFACTS / "phone-library-390.png"), full_page=True)
    finally:
        page.context.close()


def test_on_a_desktop_the_layout_is_unchanged(browser, url):
    page = _page(browser, url, 1400, 950)
    try:
        _ask(page, "Where are the talks held?")
        assert not page.locator("#aqa-chat .aqa-jump").last.is_visible()  # the sources are beside the chat
        chat = page.locator("#aqa-chat").bounding_box()
        sources = page.locator("#aqa-sources").bounding_box()
        assert sources["x"] > chat["x"] + chat["width"] - 5 and sources["y"] < chat["y"] + chat["height"]
        page.screenshot(path=str(ARTIFACTS / "desktop-ask-1400.png"))
        page.get_by_role("tab", name="Library").click()
        page.wait_for_selector("#aqa-docs .body-cell")
        viewport = page.locator("#aqa-docs .virtual-table-viewport")
        assert not viewport.evaluate("v => v.scrollWidth > v.clientWidth + 2")  # every column in view
        page.screenshot(path=str(ARTIFACTS / "desktop-library-1400.png"), full_page=True)
    finally:
        page.context.close()
