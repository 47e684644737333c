"""Answer span → the stored sentences that contain it, and only those that back it, verified verbatim."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..chunking import split_sentences
from ..metrics import normalize_answer
from ..records import Citation, Passage
from .reader import Reading, SpanProposal


@dataclass(frozen=True)
class Quote:
    doc_id: str
    start: int
    end: int
    text: str


def sentences_of(passage: Passage) -> list[tuple[int, int]]:
    """Absolute (start, end) of the passage's sentences: stored with the index, or split here."""
    c = passage.chunk
    if passage.sentences:
        return [(s.start, s.end) for s in passage.sentences]
    return [(c.start + s, c.start + e) for s, e in split_sentences(c.text)]


def quote_for(span: SpanProposal, passage: Passage) -> Quote:
    """The sentence(s) of the passage that the span lies in (several when it crosses a sentence end)."""
    c = passage.chunk
    inside = [(s, e) for s, e in sentences_of(passage) if s < span.end and e > span.start]
    start = min((s for s, _ in inside), default=span.start)
    end = max((e for _, e in inside), default=span.end)
    start, end = max(start, c.start), min(end, c.end)
    return Quote(c.doc_id, start, end, c.text[start - c.start : end - c.start])


def build_citations(
    reading: Reading, passages: Sequence[Passage], answer_text: str, max_citations: int
) -> list[Citation]:
    """The best span's sentence first; then other sentences where the reader found the same answer."""
    best = reading.best
    if best is None:
        return []
    wanted = normalize_answer(answer_text)
    chosen: list[tuple[SpanProposal, Quote]] = []
    for span in reading.spans:
        if len(chosen) >= max_citations:
            break
        if span is not best:
            c = passages[span.passage].chunk
            text = c.text[span.start - c.start : span.end - c.start]
            if not wanted or normalize_answer(text) != wanted:
                continue
        quote = quote_for(span, passages[span.passage])
        if any(q.doc_id == quote.doc_id and q.start < quote.end and quote.start < q.end for _, q in chosen):
            continue  # the same sentence, reached through an overlapping passage
        chosen.append((span, quote))
    out = []
    for n, (span, quote) in enumerate(chosen, start=1):
        p = passages[span.passage]
        out.append(Citation(
            n=n, doc_id=quote.doc_id, title=p.title, source=p.source, quote=quote.text, start=quote.start,
            end=quote.end, score=round(span.score, 4),
            answer_start=span.start if span is best else None, answer_end=span.end if span is best else None,
        ))
    return out


def quote_is_verbatim(text: str | None, start: int, end: int, quote: str) -> bool:
    """Whether ``quote`` is the stored text at [start, end): the one test of a citation, shared by the answer
    stage, the evaluation and the UI so none of them can count (or show) a quote another would reject.

    Offsets must lie inside the text and span something; slicing alone would accept negative or empty spans.
    """
    return text is not None and 0 <= start < end <= len(text) and text[start:end] == quote


def verify_citations(
    citations: list[Citation],
    text_of: Callable[[str], str | None],
    value_of: Callable[[str, str], str | None] | None = None,
) -> list[Citation]:
    """Keep only quotes that are the stored text at their offsets, and metadata citations whose value is the
    stored document's (``value_of(doc_id, field)``; without it none is kept); renumber what remains."""
    kept: list[Citation] = []
    for c in citations:
        if c.kind == "metadata":
            if value_of is not None and c.field and c.value and value_of(c.doc_id, c.field) == c.value:
                kept.append(c)
            continue
        text = text_of(c.doc_id)
        if not quote_is_verbatim(text, c.start, c.end, c.quote):
            continue
        if c.answer_start is not None and not (c.start <= c.answer_start < c.answer_end <= c.end):  # type: ignore[operator]
            c.answer_start = c.answer_end = None
        kept.append(c)
    for i, c in enumerate(kept):
        c.n = i + 1
    return kept
