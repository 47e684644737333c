"""The chat with a language model plugged in, in headless Chromium against a real llama.cpp server: the answer
streams in as plain text, then is replaced by the finished answer whose quotes are verified stored sentences.

Screenshots (tests/artifacts/, git-ignored): written-streaming.png (mid-answer), written-answer.png (finished)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from articleqa.answer.citations import quote_is_verbatim
from paths import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 180_000
# The 135M test model rarely cites on its own; told plainly, it does, which exercises the written-answer path.
CITING_PROMPT = (
    "Answer in one short sentence using the numbered sentences. End the sentence with the number of the sentence "
    "you used in square brackets, like [1]. If the answer is not there, reply exactly: NOT IN THE ARTICLES"
)

FINISHED = "#aqa-chat .aqa-answer:not(.aqa-writing), #aqa-chat .aqa-notfound"
DRAFT_COUNTER = """() => {
  window.__aqaDrafts = 0;
  new MutationObserver(() => {
    if (document.querySelector('#aqa-chat .aqa-writing')) window.__aqaDrafts += 1;
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

pytestmark = [
    pytest.mark.llm, pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(article_index: Path, llama_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:  # type: ignore[no-untyped-def]
    from articleqa import Assistant
    from articleqa.config import Settings
    from articleqa.ui import build_app, launch

    index_dir = tmp_path_factory.mktemp("ui-written") / "idx"
    shutil.copytree(article_index, index_dir)
    settings = Settings.from_env(llm_url=llama_server.url, llm_model="smollm2", llm_max_tokens=64, llm_timeout=60.0)
    qa = Assistant.open(index_dir, settings=settings)
    assert qa.generator is not None
    qa.generator.system_prompt = CITING_PROMPT
    app = build_app(qa, upload_dir=index_dir.parent / "uploads")
    app.queue(default_concurrency_limit=2)
    _, url, _ = launch(app, server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield url, qa
    finally:
        app.close()


def test_a_written_answer_streams_in_then_shows_its_verified_quotes(served: tuple[str, object]) -> None:
    from playwright.sync_api import sync_playwright

    url, qa = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)
            # Every draft the chat renders is counted as it appears: waiting for the transient element itself
            # raced with a short answer that replaced it between two polls (failed once in a full CI run).
            page.evaluate(DRAFT_COUNTER)
            box = page.locator("#aqa-question textarea")
            box.fill("Where are the talks held?")
            box.press("Enter")
            first = page.wait_for_selector(f"#aqa-chat .aqa-writing, {FINISHED}")
            if first is not None and "aqa-writing" in (first.get_attribute("class") or ""):
                page.screenshot(path=str(ARTIFACTS / "written-streaming.png"))  # the model's text as it arrives
            page.wait_for_selector(FINISHED)
            assert page.locator("#aqa-chat .aqa-writing").count() == 0  # the draft is replaced, never left behind
            drafts = page.evaluate("window.__aqaDrafts")
            page.screenshot(path=str(ARTIFACTS / "written-answer.png"), full_page=True)
            reply = page.locator("#aqa-chat .aqa-answer, #aqa-chat .aqa-notfound").last.inner_text()
        finally:
            browser.close()
    assert drafts > 0, f"the chat never showed the model's text while it was written; it ended with: {reply[:300]}"
    answer = qa.ask("Where are the talks held?")  # type: ignore[attr-defined]
    for c in answer.citations:
        assert quote_is_verbatim(qa.document(c.doc_id).text, c.start, c.end, c.quote)  # type: ignore[attr-defined]
    if answer.generated_by:
        assert "Written by smollm2" in reply
    else:
        assert answer.notice and answer.notice.split(";")[0] in reply
