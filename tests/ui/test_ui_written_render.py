"""How a written answer that passes every check looks in the chat, in headless Chromium.

The real test model (tests/ui/test_ui_written.py) almost never cites a sentence that bears out its answer, so the
chat there ends in the extractive fallback. Here the writer is scripted in-process — it cites the sentence that
names the place, in that sentence's words, streamed in pieces — and everything after it is the real pipeline:
parsing, verification at stored offsets, the support check, the streamed draft, the finished answer with its
highlighted quote. (The protocol itself is tested against the real llama.cpp server in tests/answer/written/test_generator.py.)

Screenshot (tests/artifacts/, git-ignored): written-sourced.png.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from articleqa.answer.citations import quote_is_verbatim
from articleqa.answer.written import GenerationDone, Generator, GeneratorConfig, TextDelta, parse_reply
from articleqa.records import Passage
from paths import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
QUESTION = "Where are the talks held?"

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


class CitingWriter(Generator):
    """Writes "<the first sentence that names Oman, shortened> [n]." in four pieces, a little apart."""

    def stream(self, question: str, passages: Sequence[Passage], history: Sequence[tuple[str, str]] = ()) -> Iterator:  # type: ignore[override]
        prompt = self.prompt(question, passages, history)
        n, sentence = next((n, s) for n, s in sorted(prompt.numbering.items()) if "Oman" in s.text)
        words = sentence.text.split()[:14]
        reply = "They are to meet in Oman: " + " ".join(words).rstrip(".,;:") + f" [{n}]."
        pieces = [reply[i: i + len(reply) // 4 + 1] for i in range(0, len(reply), len(reply) // 4 + 1)]
        for piece in pieces:
            time.sleep(0.4)
            yield TextDelta(piece)
        yield GenerationDone(reply, parse_reply(reply, prompt.numbering), prompt, completion_tokens=len(reply) // 4,
                             ttft_s=0.4, tokens_per_s=10.0, total_s=1.6, attempts=1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_written_answer_that_passes_every_check_shows_its_highlighted_quote(
    article_index: Path, tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    from articleqa import Assistant
    from articleqa.ui import build_app, launch

    index_dir = tmp_path / "idx"
    shutil.copytree(article_index, index_dir)
    qa = Assistant.open(index_dir)
    qa.generator = CitingWriter(GeneratorConfig("http://127.0.0.1:9/v1", "scripted-writer"))
    answer = qa.ask(QUESTION)
    assert answer.generated_by == "scripted-writer" and answer.notice is None, answer.notice
    assert len(answer.citations) == 1 and "Oman" in answer.citations[0].quote
    assert quote_is_verbatim(qa.document(answer.citations[0].doc_id).text, answer.citations[0].start,
                             answer.citations[0].end, answer.citations[0].quote)

    app = build_app(qa, upload_dir=tmp_path / "uploads")
    app.queue(default_concurrency_limit=2)
    _, url, _ = launch(app, server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 950})
                page.set_default_timeout(120_000)
                page.goto(url)
                box = page.locator("#aqa-question textarea")
                box.fill(QUESTION)
                box.press("Enter")
                page.wait_for_selector("#aqa-chat .aqa-writing")
                page.wait_for_selector("#aqa-chat .aqa-answer:not(.aqa-writing)")
                page.screenshot(path=str(ARTIFACTS / "written-sourced.png"), full_page=True)
                reply = page.locator("#aqa-chat .aqa-answer").last.inner_text()
                marks = page.locator("#aqa-chat .aqa-answer .aqa-short sup.aqa-cite").count()
                sources = page.locator("#aqa-sources").inner_text()
            finally:
                browser.close()
    finally:
        app.close()
    assert "Written by scripted-writer" in reply and "They are to meet in Oman" in reply
    assert "extractive answer" not in reply
    assert marks == 1  # the answer's [1], a citation mark (it was shown as the text "[1]")
    assert "Sources for" in sources and "moved to Oman" in sources
