"""Invariants as properties (issue 7, part 5), checked with hypothesis over hostile text.

* chunk offsets always round-trip: ``chunk.text == doc.text[chunk.start:chunk.end]`` — on arbitrary text
  given straight to ``chunk_document`` and on what ``document_from_text`` makes of it;
* chunks are ordered, non-empty, and together cover every visible character of the document;
* every quote ``ask`` returns equals the stored text at its offsets.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from articleqa import Assistant
from articleqa.chunking import chunk_document
from articleqa.errors import InputError
from articleqa.ingest import document_from_text
from articleqa.records import Document, data_lines, prose_text

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that break naive offset arithmetic: combining marks, emoji (incl. ZWJ sequences and skin tones,
# outside the BMP), CRLF and lone CR, odd spaces, invisible characters, RTL text, abbreviations.
PIECES = [
    "e\u0301", "n\u0303o", "a\u0308\u0304", "\u0301", "😀", "👩‍👩‍👧", "👍🏽", "🇴🇲", "\r\n", "\r", "\n", "\n\n",
    "\u00a0", "\u2003", "\u200b", "\ufeff", "\u00ad", "\t", " ", "  ", "U.S.", "Dr.", "e.g.", "...", "?!",
    "“quoted.”", "‘Yes,’ she said.", "(aside)", "שלום", "مرحبا", "中文。", "Ω", "ǅ", "ﬁ", "\u2028", "\u2029",
]
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), WORDS, st.just(". "), st.just(" ")), min_size=1, max_size=120).map(
    "".join
)
PLAIN_WORD = st.from_regex(r"[a-z]{1,10}", fullmatch=True)


def _check_chunks(doc: Document, max_tokens: int, overlap: int) -> None:
    chunks = chunk_document(doc, max_tokens, overlap)
    text = doc.text
    for i, c in enumerate(chunks):
        assert 0 <= c.start < c.end <= len(text)
        assert c.text == text[c.start : c.end]
        assert c.text.strip() == c.text  # no leading/trailing whitespace inside a chunk
        assert c.doc_id == doc.doc_id and c.chunk_id == f"{doc.doc_id}:{i}"
        assert c.n_tokens > 0
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    assert all(b.start >= a.start and b.end > a.end for a, b in itertools.pairwise(chunks))
    # every visible character belongs to some chunk: nothing of the article is lost to retrieval (the headline,
    # byline and dateline lines aside: they are quoted only when the question is about the article itself)
    covered = bytearray(len(text))
    for start, end in data_lines(doc):
        covered[start:end] = b"\x01" * (end - start)
    for c in chunks:
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    missing = [i for i, ch in enumerate(text) if not covered[i] and not ch.isspace()]
    assert not missing, [text[i] for i in missing[:10]]
    assert bool(chunks) == bool(prose_text(doc).strip())


@PROPERTY
@given(text=TEXT, budget=st.sampled_from([8, 30, 200]), overlap=st.sampled_from([0, 5, 30]))
def test_chunk_offsets_round_trip_on_arbitrary_text(text: str, budget: int, overlap: int) -> None:
    _check_chunks(Document(doc_id="raw", title="t", text=text), budget, overlap)


@PROPERTY
@given(text=TEXT, budget=st.sampled_from([8, 30, 200]))
def test_chunk_offsets_round_trip_on_ingested_text(text: str, budget: int) -> None:
    try:
        doc = document_from_text(text, source="random.txt")
    except InputError:
        assume(False)
        return
    assert "\r" not in doc.text and doc.text == doc.text.strip()
    _check_chunks(doc, budget, 5)


@PROPERTY
@given(
    words=st.lists(PLAIN_WORD, min_size=50, max_size=1500),
    joiner=st.sampled_from([" ", "  ", " \u00a0", "\u3000"]),
    end=st.sampled_from(["", ".", " 😀", "\u0301"]),
    budget=st.sampled_from([10, 50, 200]),
)
def test_very_long_sentences_without_punctuation(words: list[str], joiner: str, end: str, budget: int) -> None:
    text = joiner.join(words) + end
    doc = Document(doc_id="long", title="t", text=text)
    _check_chunks(doc, budget, 10)
    chunks = chunk_document(doc, budget, 10)
    if budget < len(words) // 2:
        assert len(chunks) > 1  # an over-long sentence is cut, not kept as one huge chunk


@PROPERTY
@given(text=st.text(alphabet="ab \u0301😀\r\n", min_size=1, max_size=4000))
def test_text_without_any_sentence_punctuation(text: str) -> None:
    _check_chunks(Document(doc_id="nopunct", title="t", text=text), 20, 5)


# --------------------------------------------------------------------------------------------------
# quotes returned by ask


@pytest.fixture(scope="module")
def article_words(qa: Assistant) -> list[str]:
    text = qa.document(qa.documents()[0].doc_id).text
    return sorted(set(re.findall(r"[A-Za-z][A-Za-z'-]+", text)))


@PROPERTY
@given(data=st.data())
def test_every_quote_ask_returns_is_the_stored_text_at_its_offsets(qa: Assistant, article_words, data) -> None:
    words = data.draw(st.lists(st.sampled_from(article_words), min_size=1, max_size=8), label="words")
    prefix = data.draw(st.sampled_from(["", "Who", "What", "Where", "When", "Why", "How many", "Did"]), label="wh")
    question = " ".join([prefix, *words]).strip() + data.draw(st.sampled_from(["?", "", " ?"]), label="end")
    answer = qa.ask(question)
    assert 0.0 <= answer.confidence <= 1.0
    if answer.answerable:
        assert answer.citations
    for c in answer.citations:
        text = qa.document(c.doc_id).text
        assert text[c.start : c.end] == c.quote
        if c.answer_start is not None and c.answer_end is not None:
            assert c.start <= c.answer_start < c.answer_end <= c.end
    for p in answer.passages:
        assert qa.document(p.chunk.doc_id).text[p.chunk.start : p.chunk.end] == p.chunk.text
