"""The UI's rendering functions called directly (no app, no browser), and the one verbatim-quote check that
the answer stage, the evaluation and the sources panel share."""

from __future__ import annotations

import ast
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from articleqa.answer.citations import quote_is_verbatim
from articleqa.records import Answer, Chunk, Citation, Document, Passage
from articleqa.ui import render
from articleqa.ui.render import render_answer, render_sources, render_status

TEXT = ("Harbour report\n\nThe harbour reopened on Monday after repairs. Officials said 14 ships were expected. "
        "The mayor welcomed them.")
DOC = Document("d1", "Harbour report", TEXT, source="uploads/ab12/harbour.txt", author="Ann Lee",
               published="2026-03-01")


def _cite(n: int, quote: str, start: int | None = None) -> Citation:
    start = TEXT.index(quote) if start is None else start
    return Citation(n, "d1", DOC.title, DOC.source, quote, start, start + len(quote), 0.9)


def _visible(out: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", out))


@pytest.mark.parametrize(
    ("start", "end", "quote", "verbatim"),
    [
        (0, 5, "abcde", True),
        (1, 4, "bcd", True),
        (0, 5, "abcdE", False),  # one letter off
        (1, 6, "bcde", False),  # the offsets run past the text
        (-4, -1, "bcd", False),  # slicing would accept negative offsets; a citation may not
        (2, 2, "", False),  # an empty quote backs nothing
        (3, 1, "", False),
    ],
)
def test_a_quote_is_verbatim_only_when_it_is_the_stored_text_at_its_offsets(
    start: int, end: int, quote: str, verbatim: bool
) -> None:
    assert quote_is_verbatim("abcde", start, end, quote) is verbatim


def test_a_quote_of_a_missing_document_is_not_verbatim() -> None:
    assert quote_is_verbatim(None, 0, 1, "a") is False


def test_a_source_card_shows_its_quote_within_the_sentences_around_it() -> None:
    answer = Answer("How many ships?", "14", True, 0.9, [_cite(1, "Officials said 14 ships were expected.")])
    shown = _visible(render_sources(answer, {"d1": DOC}))
    assert "The harbour reopened on Monday after repairs. Officials said 14 ships were expected. " \
           "The mayor welcomed them." in shown
    assert "By Ann Lee · 2026-03-01 · harbour.txt" in shown  # the file's name, not its upload folder


def test_a_quote_no_longer_at_its_offsets_is_shown_alone_without_context() -> None:
    stale = _cite(1, "Officials said 14 ships were expected.", start=3)  # the article changed since
    out = render_sources(Answer("How many ships?", "14", True, 0.9, [stale]), {"d1": DOC})
    assert "Officials said 14 ships were expected." in _visible(out)
    assert "The harbour reopened" not in _visible(out) and 'class="aqa-q"' not in out


def test_a_second_card_from_the_same_article_does_not_repeat_its_headline_and_byline() -> None:
    cites = [_cite(1, "Officials said 14 ships were expected."), _cite(2, "The mayor welcomed them.")]
    out = render_sources(Answer("How many ships?", "14", True, 0.9, cites), {"d1": DOC})
    assert out.count('class="aqa-title"') == 1 and out.count('class="aqa-byline"') == 1
    assert "same article: Harbour report" in _visible(out)
    assert 'data-cite="1"' in out and 'data-cite="2"' in out


def test_a_long_closest_passage_is_cut_at_a_word_with_an_ellipsis() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    chunk = Chunk("c1", "d1", words, 0, len(words), 200)
    answer = Answer("q", "The articles don't say.", False, 0.1, [], [Passage(chunk, 0.4, 1, title="T", source="s")])
    quote = re.search(r"<blockquote>(.*?)<sup", render_answer(answer)).group(1)  # type: ignore[union-attr]
    assert quote.endswith(" …") and len(quote) <= 322 and re.fullmatch(r"(word\d+ )+…", quote)


def test_a_follow_up_reply_says_what_was_searched_for_and_within_which_filters() -> None:
    answer = Answer("Who welcomed them?", "The mayor", True, 0.9, [_cite(1, "The mayor welcomed them.")])
    answer.rewritten_question = "Who welcomed the <ships>?"
    shown = _visible(render_answer(answer, scope="author Ann Lee"))
    assert "Searched for: Who welcomed the <ships>?" in shown and "Only documents with author Ann Lee" in shown


def test_the_status_box_escapes_its_head_and_draws_progress_only_when_asked() -> None:
    out = render_status(["a.txt: added"], [], "Indexing <b>1</b> file")
    assert "&lt;b&gt;1&lt;/b&gt;" in out and "progressbar" not in out
    assert 'style="width:25%"' in render_status([], [], "Indexing", progress=(1, 4))


def test_the_render_module_imports_no_gradio() -> None:
    """Rendering is plain functions from records to HTML: testable and reusable without a web framework."""
    tree = ast.parse(Path(render.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] == "gradio" for name in imported), imported


def test_importing_the_ui_starts_no_threads() -> None:
    """The indexing pool is made on the first upload, not when a test, the CLI or the server imports the UI."""
    code = (
        "import gc, threading, concurrent.futures as cf, articleqa.ui\n"
        "pools = [getattr(o, '_thread_name_prefix', '') for o in gc.get_objects() if isinstance(o, cf.Executor)]\n"
        "assert not [p for p in pools if p.startswith('articleqa')], pools\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_a_written_answers_markers_become_citation_marks_and_unknown_ones_vanish() -> None:
    from articleqa.records import Answer, Citation
    from articleqa.ui.render import render_answer

    cite = Citation(1, "d", "T", "s.txt", "Iran requested Oman.", 0, 20, 0.9)
    answer = Answer("q", "They meet in <Oman> [1], not Rome [7].", True, 0.7, [cite], [], {}, None, None, {},
                    generated_by="m")
    short = render_answer(answer).split('<p class="aqa-meta-line">')[0]
    assert 'in &lt;Oman&gt; <sup class="aqa-cite">[1]</sup>, not Rome .' in short
    assert "[7]" not in short and "&#91;" not in short
