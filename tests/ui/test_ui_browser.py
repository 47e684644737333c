"""End-to-end: the web UI in headless Chromium (Playwright), over a writable copy of the test index.

Screenshots go to tests/artifacts/ (git-ignored): chat-answer.png, article-viewer.png, not-found.png,
library.png, unsafe-article.png.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from paths import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]

BRIDGE_ARTICLE = """Harbour Bridge Reopens After Repairs

By Dana Whitcombe

The Harbour Bridge in Portsmouth reopened to traffic on Tuesday after eight months of repairs.
City engineers said the repairs cost 12 million pounds and were finished two weeks ahead of schedule.
The mayor, Olivia Trent, cut a ribbon at the north end of the bridge before the first buses crossed.
"""

UNSAFE_ARTICLE = """Lighthouse Festival Draws Record Crowds <script>window.__pwned=1</script>

By Sam Keel

The lighthouse festival in Port Elspeth drew 4,000 visitors on Saturday. <img src=x onerror="window.__pwned=1">
Organisers said the festival will return next year with a second stage. <svg onload="window.__pwned=1"></svg>
Tickets were sold at the harbour office ${window.__pwned=1} {{constructor.constructor('window.__pwned=1')()}}.
More details were posted at [the site](javascript:window.__pwned=1) and <a href="javascript:window.__pwned=1">here</a>.
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(article_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    from articleqa import Assistant
    from articleqa.ui import build_app, launch

    index_dir = tmp_path_factory.mktemp("ui-browser") / "idx"
    shutil.copytree(article_index, index_dir)
    qa = Assistant.open(index_dir)
    app = build_app(qa, upload_dir=index_dir.parent / "uploads")
    app.queue(default_concurrency_limit=4)
    port = _free_port()
    _, url, _ = launch(app, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield url, qa
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: object, served: tuple[str, object]) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 950})  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    pg.goto(served[0])
    pg.wait_for_selector("#aqa-question textarea")
    try:
        yield pg
    finally:
        ctx.close()


def _ask(page: object, question: str) -> object:
    """Type a question, press Enter, wait for the new reply; returns the reply's locator."""
    bots = page.locator("#aqa-chat .aqa-answer, #aqa-chat .aqa-notfound, #aqa-chat .aqa-error")  # type: ignore[attr-defined]
    before = bots.count()
    box = page.locator("#aqa-question textarea")  # type: ignore[attr-defined]
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelectorAll('#aqa-chat .aqa-answer, #aqa-chat .aqa-notfound, #aqa-chat .aqa-error')"
        ".length > n",
        arg=before,
        timeout=TIMEOUT_MS,
    )
    return bots.nth(before)


def _upload(page: object, path: Path) -> str:
    page.get_by_role("tab", name="Library").click()  # type: ignore[attr-defined]
    page.locator("#aqa-upload input[type=file]").set_input_files(str(path))  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.locator("#aqa-index").click()  # type: ignore[attr-defined]
    status = page.locator("#aqa-status .aqa-status-ok, #aqa-status .aqa-status-bad")  # type: ignore[attr-defined]
    status.first.wait_for()
    text = page.locator("#aqa-status").inner_text()  # type: ignore[attr-defined]
    page.get_by_role("tab", name="Ask").click()  # type: ignore[attr-defined]
    return text


def _article_texts(qa: object) -> list[str]:
    return [qa.document(d.doc_id).text for d in qa.documents()]  # type: ignore[attr-defined]


def test_chat_citation_viewer_and_upload(page: object, served: tuple[str, object], tmp_path: Path) -> None:
    _url, qa = served
    ARTIFACTS.mkdir(exist_ok=True)
    expected = qa.ask("Where are the talks held?")  # type: ignore[attr-defined]
    assert expected.answerable

    reply = _ask(page, "Where are the talks held?")
    mark = reply.locator("mark").first
    mark.wait_for()
    marked = mark.inner_text()
    texts = _article_texts(qa)
    assert marked and any(marked in t for t in texts), f"{marked!r} is not a verbatim span of the article"
    assert marked == expected.text or "Muscat" in marked or "Oman" in marked
    page.wait_for_selector("#aqa-sources .aqa-source")  # type: ignore[attr-defined]
    assert page.locator("#aqa-sources .aqa-title").first.inner_text().startswith("US-Iran")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"), full_page=True)  # type: ignore[attr-defined]

    # Open citation [1]: the whole article with the quote marked and scrolled into view.
    page.locator('#aqa-sources [data-cite="1"]').click()  # type: ignore[attr-defined]
    target = page.locator("#aqa-viewer mark#aqa-target")  # type: ignore[attr-defined]
    target.wait_for()
    quote = expected.citations[0].quote
    assert " ".join(target.inner_text().split()) == " ".join(quote.split())
    assert target.locator("mark.aqa-answer").inner_text() == marked
    assert "Hunter Fielding" in page.locator("#aqa-viewer").inner_text()  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    assert page.evaluate(  # type: ignore[attr-defined]
        """() => { const m = document.querySelector('#aqa-viewer #aqa-target').getBoundingClientRect();
                   const box = document.querySelector('#aqa-viewer .aqa-article').getBoundingClientRect();
                   return m.bottom > box.top && m.top < box.bottom && m.top >= 0 && m.top < window.innerHeight; }"""
    ), "the cited quote was not scrolled into view"
    page.screenshot(path=str(ARTIFACTS / "article-viewer.png"), full_page=False)  # type: ignore[attr-defined]

    # A question the articles cannot answer looks different and still offers the closest passages.
    nf = _ask(page, "What is the population of Canada?")
    assert "aqa-notfound" in (nf.get_attribute("class") or "")
    assert "Not in the articles" in nf.inner_text()
    assert nf.locator("blockquote").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "not-found.png"), full_page=True)  # type: ignore[attr-defined]
    assert "Closest passages" in page.locator("#aqa-sources").inner_text()  # type: ignore[attr-defined]

    # Selecting an earlier reply brings its sources back.
    page.locator("#aqa-chat .aqa-answer").first.click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#aqa-sources').innerText.includes('Where are the talks held?')"
    )

    # An example question under the box asks straight away, as a follow-up of this conversation.
    replies = page.locator("#aqa-chat .aqa-answer, #aqa-chat .aqa-notfound")  # type: ignore[attr-defined]
    n = replies.count()
    page.get_by_role("button", name="Who urged them?").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelectorAll('#aqa-chat .aqa-answer, #aqa-chat .aqa-notfound').length > n", arg=n
    )
    assert "Who urged them?" in page.locator("#aqa-chat").inner_text()  # type: ignore[attr-defined]

    # Upload a second article and ask about it.
    path = tmp_path / "harbour-bridge.txt"
    path.write_text(BRIDGE_ARTICLE, encoding="utf-8")
    status = _upload(page, path)
    assert "added" in status, status
    page.get_by_role("tab", name="Library").click()  # type: ignore[attr-defined]
    page.wait_for_selector("#aqa-docs :text('Harbour Bridge Reopens After Repairs')")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)  # type: ignore[attr-defined]
    page.get_by_role("tab", name="Ask").click()  # type: ignore[attr-defined]
    reply = _ask(page, "How much did the Harbour Bridge repairs cost?")
    assert "aqa-answer" in (reply.get_attribute("class") or ""), reply.inner_text()
    marked = reply.locator("mark").first.inner_text()
    assert marked in BRIDGE_ARTICLE
    assert "Harbour Bridge" in page.locator("#aqa-sources").inner_text()  # type: ignore[attr-defined]
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_article_markup_is_shown_as_text(page: object, served: tuple[str, object], tmp_path: Path) -> None:
    _url, _qa = served
    ARTIFACTS.mkdir(exist_ok=True)
    path = tmp_path / "lighthouse.txt"
    path.write_text(UNSAFE_ARTICLE, encoding="utf-8")
    status = _upload(page, path)
    assert "added" in status or "already" in status, status

    reply = _ask(page, "How many visitors did the lighthouse festival in Port Elspeth draw?")
    page.wait_for_selector("#aqa-sources .aqa-source")  # type: ignore[attr-defined]
    assert "Lighthouse" in page.locator("#aqa-sources").inner_text()  # type: ignore[attr-defined]
    page.locator('#aqa-sources [data-cite="1"]').click()  # type: ignore[attr-defined]
    page.locator("#aqa-viewer mark#aqa-target").wait_for()  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]

    viewer_text = page.locator("#aqa-viewer").inner_text()  # type: ignore[attr-defined]
    assert 'onerror="window.__pwned=1"' in viewer_text  # the markup is visible as text
    assert "${window.__pwned=1}" in viewer_text and "{{constructor" in viewer_text
    assert "<script>" in viewer_text or "<script>" in page.locator("#aqa-sources").inner_text()  # type: ignore[attr-defined]
    assert page.locator("#aqa-viewer img, #aqa-viewer svg script, #aqa-sources img, #aqa-chat .aqa-answer img").count() == 0  # type: ignore[attr-defined]
    assert page.locator("a[href^='javascript']").count() == 0  # type: ignore[attr-defined]
    assert page.evaluate("() => typeof window.__pwned") == "undefined"  # type: ignore[attr-defined]
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert reply.inner_text()
    page.screenshot(path=str(ARTIFACTS / "unsafe-article.png"), full_page=True)  # type: ignore[attr-defined]


def _long_article(n_sentences: int = 900) -> str:
    import random

    rng = random.Random(0)
    words = ["council", "budget", "harbour", "river", "school", "mayor", "road", "bridge", "museum", "police"]
    sents = [
        f"The {rng.choice(words)} committee in district {i} reported {rng.randint(1, 999)} new "
        f"{rng.choice(words)} cases on day {i % 28 + 1}."
        for i in range(n_sentences)
    ]
    return "City Ledger\n\n" + "\n\n".join(" ".join(sents[i : i + 6]) for i in range(0, len(sents), 6))


def test_chat_stays_usable_while_indexing(page: object, tmp_path: Path) -> None:
    path = tmp_path / "city-ledger.txt"
    path.write_text(_long_article(), encoding="utf-8")
    page.get_by_role("tab", name="Library").click()  # type: ignore[attr-defined]
    page.locator("#aqa-upload input[type=file]").set_input_files(str(path))  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.locator("#aqa-index").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#aqa-status').innerText.includes('Indexing 1 of 1')"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "indexing-progress.png"), full_page=True)  # type: ignore[attr-defined]
    page.get_by_role("tab", name="Ask").click()  # type: ignore[attr-defined]
    reply = _ask(page, "Where are the talks held?")
    assert reply.locator("mark").count() >= 1
    page.get_by_role("tab", name="Library").click()  # type: ignore[attr-defined]
    still_indexing = "Indexing 1 of 1" in page.locator("#aqa-status").inner_text()  # type: ignore[attr-defined]
    page.locator("#aqa-status .aqa-status-ok").wait_for(timeout=300_000)  # type: ignore[attr-defined]
    assert "City Ledger" in page.locator("#aqa-status").inner_text()  # type: ignore[attr-defined]
    assert still_indexing, "the answer only came after indexing had finished: the chat was blocked"


def test_on_a_phone_the_chat_fits_its_content_and_the_sources_follow(browser: object, served: tuple[str, object]) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    try:
        pg.goto(served[0])
        pg.wait_for_selector("#aqa-question textarea")
        empty = pg.locator("#aqa-chat").bounding_box()
        assert empty["height"] < 250  # not the 520 px desktop box
        _ask(pg, "Where will the US and Iranian officials meet?")
        pg.wait_for_selector("#aqa-sources .aqa-source")
        chat = pg.locator("#aqa-chat").bounding_box()
        reply = pg.locator("#aqa-chat .aqa-answer").last.bounding_box()
        sources = pg.locator("#aqa-sources").bounding_box()
        assert chat["height"] > empty["height"]  # grew to hold the answer
        assert chat["height"] <= 0.75 * 844 + 2
        assert reply["y"] + reply["height"] <= chat["y"] + chat["height"] + 1  # the answer is inside the box
        assert sources["y"] >= chat["y"] + chat["height"]
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "phone-chat.png"), full_page=True)
    finally:
        ctx.close()


def test_library_table_shows_every_column_at_1400_px(page: object, served: tuple[str, object]) -> None:
    _url, qa = served
    page.get_by_role("tab", name="Library").click()  # type: ignore[attr-defined]
    table = page.locator("#aqa-docs")  # type: ignore[attr-defined]
    table.get_by_text("ID", exact=True).first.wait_for()
    box = table.bounding_box()
    right_edges = page.evaluate(  # type: ignore[attr-defined]
        "() => Array.from(document.querySelectorAll('#aqa-docs th')).map(h => h.getBoundingClientRect().right)"
    )
    assert len(right_edges) == 6 and max(right_edges) <= box["x"] + box["width"] + 1
    for doc in qa.documents():  # type: ignore[attr-defined]
        cell = table.get_by_text(doc.doc_id, exact=True).filter(visible=True).first
        assert cell.is_visible()
        assert cell.evaluate("e => e.scrollWidth <= e.clientWidth + 1")


FERRY_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Island Ferry Timetable Cut for Winter</title>
<meta property="article:published_time" content="2026-11-03T08:00:00Z">
<meta property="og:site_name" content="The Kelvale Courier">
</head><body><article><h1>Island Ferry Timetable Cut for Winter</h1><p>By Rowan Ashby</p>
<p>The ferry between Kelvale and Moss Island will run four times a day instead of seven from December,
the operator said on Monday, blaming a shortage of trained crew for the reduced winter timetable.</p>
<p>Islanders said the first morning sailing would now leave too late for commuters to reach the mainland.</p>
</article></body></html>"""


def test_article_questions_show_the_byline_quote_and_a_metadata_citation(
    page: object, served: tuple[str, object], tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = tmp_path / "ferry.html"
    path.write_text(FERRY_PAGE, encoding="utf-8")
    status = _upload(page, path)
    assert "added" in status or "already" in status, status

    when = _ask(page, "When was the story about the island ferry timetable published?")
    assert "November 3, 2026" in when.inner_text()  # type: ignore[attr-defined]
    meta = when.locator("blockquote.aqa-metadata")  # type: ignore[attr-defined]
    assert meta.count() == 1 and "metadata (not its text)" in meta.inner_text()
    assert when.locator("mark").count() == 0  # type: ignore[attr-defined]
    outlet = _ask(page, "Which outlet published it?")
    assert "The Kelvale Courier" in outlet.inner_text()  # type: ignore[attr-defined]
    # trafilatura keeps the byline paragraph of this page in the text, so the author is quoted from it
    who = _ask(page, "Who wrote it?")
    assert "Rowan Ashby" in who.inner_text()  # type: ignore[attr-defined]
    page.wait_for_selector("#aqa-sources .aqa-source")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "article-questions.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_chat_shows_a_list_an_explanation_and_a_summary_in_their_shapes(page: object) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _ask(page, "Where are the talks held?")
    urged = _ask(page, "Who urged them?")
    items = urged.locator("ul.aqa-items li")  # type: ignore[attr-defined]
    assert items.count() >= 2 and "Arab and Muslim leaders" in items.first.inner_text()
    why = _ask(page, "Why was the venue changed?")
    assert "requested that the talks be moved to Oman" in why.inner_text()  # type: ignore[attr-defined]
    assert why.locator("blockquote mark").count() >= 1  # type: ignore[attr-defined]
    summary = _ask(page, "Summarize the article")
    assert summary.locator(".aqa-headline").inner_text().startswith("US-Iran Nuclear Talks")  # type: ignore[attr-defined]
    assert 3 <= summary.locator("ul.aqa-items li").count() <= 5  # type: ignore[attr-defined]
    page.wait_for_selector("#aqa-sources .aqa-source")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "answer-shapes.png"), full_page=True)  # type: ignore[attr-defined]
