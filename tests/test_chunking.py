from __future__ import annotations

import itertools

from articleqa.chunking import chunk_document, count_tokens, split_sentences
from articleqa.ingest import load_file
from articleqa.records import Document


def _doc(text: str) -> Document:
    return Document(doc_id="d", title="t", text=text)


def test_every_chunk_is_the_document_slice_at_its_offsets(article_path):
    doc = load_file(article_path)[0]
    chunks = chunk_document(doc, max_tokens=60, overlap_tokens=15)
    assert len(chunks) > 3
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert c.n_tokens <= 60 + 5


def test_chunks_respect_the_token_budget_and_cover_the_text():
    text = " ".join(f"Sentence number {i} talks about the port of Muscat and other things." for i in range(200))
    chunks = chunk_document(_doc(text), max_tokens=80, overlap_tokens=20)
    assert all(c.n_tokens <= 80 for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in itertools.pairwise(chunks):
        assert b.start <= a.end, "consecutive chunks leave a gap"


def test_chunks_overlap_by_trailing_sentences():
    text = " ".join(f"This is sentence {i} of a long story." for i in range(60))
    chunks = chunk_document(_doc(text), max_tokens=50, overlap_tokens=20)
    assert any(b.start < a.end for a, b in itertools.pairwise(chunks))


def test_a_sentence_longer_than_the_budget_is_cut_at_spaces():
    text = "word " * 2000
    chunks = chunk_document(_doc(text.strip()), max_tokens=100, overlap_tokens=10)
    assert len(chunks) >= 15
    assert all(c.n_tokens <= 110 for c in chunks)
    assert all(not c.text.startswith(" ") and not c.text.endswith(" ") for c in chunks)


def test_text_without_punctuation_or_with_crlf_and_emoji_round_trips():
    text = "no punctuation at all here just words\r\nand a second line 🙂 with emoji e\u0301 combining"
    doc = _doc(text)
    for c in chunk_document(doc, max_tokens=5, overlap_tokens=2):
        assert text[c.start : c.end] == c.text


def test_abbreviations_do_not_end_sentences():
    text = "U.S. officials met Dr. Smith in Muscat. Then they left."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["U.S. officials met Dr. Smith in Muscat.", "Then they left."]


def test_opening_quote_belongs_to_the_sentence_it_opens():
    text = "“They asked,” one official said. “We will do the meeting.”"
    spans = [text[a:b] for a, b in split_sentences(text)]
    assert spans[-1].startswith("“We")


def test_token_counts_use_cl100k():
    assert count_tokens(["hello world"]) == [2]
