"""Document → sentence spans → Chunks within a token budget, every offset pointing into Document.text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .offline import tiktoken_encoding
from .records import Chunk, Document, data_lines

Span = tuple[int, int]


@lru_cache(maxsize=1)
def _sentencizer() -> Any:
    """spaCy's rule-based sentencizer: a tokenizer that knows abbreviations ("U.S."), no model needed."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 50_000_000
    return nlp


def _strip_span(text: str, start: int, end: int) -> Span:
    """The span without surrounding whitespace (possibly empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _paragraph_spans(text: str) -> list[Span]:
    """Lines are paragraphs in saved articles; a sentence never crosses a line break."""
    spans: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        start, end = _strip_span(text, pos, pos + len(line))
        pos += len(line) + 1
        if end > start:
            spans.append((start, end))
    return spans


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans (absolute offsets, whitespace trimmed) of text[start:end]."""
    end = len(text) if end is None else end
    region = text[start:end]
    nlp = _sentencizer()
    spans: list[Span] = []
    paragraphs = _paragraph_spans(region)
    for doc, (p_start, _p_end) in zip(
        nlp.pipe(region[a:b] for a, b in paragraphs), paragraphs, strict=True
    ):
        for sent in doc.sents:
            s, e = _strip_span(text, start + p_start + sent.start_char, start + p_start + sent.end_char)
            if e > s:
                spans.append((s, e))
    return _move_opening_quotes(text, spans)


_OPENERS = "“‘\"'(["


def _move_opening_quotes(text: str, spans: list[Span]) -> list[Span]:
    """`said. “We…` is split after the opening quote; give the quote to the sentence it opens."""
    out = list(spans)
    for i in range(len(out) - 1):
        s, e = out[i]
        moved = e
        while moved > s + 1 and text[moved - 1] in _OPENERS and (moved - 2 < s or text[moved - 2].isspace()):
            moved -= 1
            while moved > s and text[moved - 1].isspace():
                moved -= 1
        if moved != e:
            ns, ne = out[i + 1]
            out[i] = (s, moved)
            first = moved
            while first < ns and text[first].isspace():
                first += 1
            out[i + 1] = (min(first, ns), ne)
    return out


def count_tokens(texts: Sequence[str], batch: int = 4096) -> list[int]:
    """Token counts, encoded a batch at a time: the token lists of a whole 50 MB file would take GBs."""
    enc = tiktoken_encoding()
    out: list[int] = []
    for i in range(0, len(texts), batch):
        out.extend(len(ids) for ids in enc.encode_ordinary_batch(list(texts[i : i + batch])))
    return out


def _split_long(text: str, span: Span, n_tokens: int, budget: int) -> list[Span]:
    """Cut an over-long sentence at whitespace into pieces of about ``budget`` tokens."""
    s, e = span
    pieces = max(2, -(-n_tokens // budget))
    target = (e - s) / pieces
    out: list[Span] = []
    cur = s
    while cur < e:
        cut = min(e, int(cur + target))
        if cut < e:
            back = text.rfind(" ", cur + 1, cut + 1)
            cut = back if back > cur else cut
        piece_end = cut
        while piece_end > cur and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > cur:
            out.append((cur, piece_end))
        cur = cut
        while cur < e and text[cur].isspace():
            cur += 1
    return out


@dataclass(frozen=True)
class Segmentation:
    """A document cut two ways that share offsets: sentence units (over-long sentences cut at whitespace),
    and chunks built from whole units. ``chunk_units[i]`` is chunk i's half-open range of units."""

    units: list[Span]
    chunks: list[Chunk]
    chunk_units: list[tuple[int, int]]


def segment_document(doc: Document, max_tokens: int = 200, overlap_tokens: int = 30) -> Segmentation:
    """Greedy sentence packing; the last sentences of a chunk (≤ overlap_tokens) open the next one."""
    text = doc.text
    excluded = data_lines(doc)
    sentences = [(s, e) for s, e in split_sentences(text) if not any(a <= s and e <= b for a, b in excluded)]
    if not sentences:
        return Segmentation([], [], [])
    counts = count_tokens([text[s:e] for s, e in sentences])
    units: list[tuple[Span, int]] = []
    for span, n in zip(sentences, counts, strict=True):
        if n > max_tokens:
            parts = _split_long(text, span, n, max_tokens)
            units.extend(zip(parts, count_tokens([text[a:b] for a, b in parts]), strict=True))
        else:
            units.append((span, n))

    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, (_span, n) in enumerate(units):
        if current and used + n > max_tokens:
            groups.append(current)
            overlap: list[int] = []
            total = 0
            for j in reversed(current):
                if total + units[j][1] > overlap_tokens or len(overlap) + 1 >= len(current):
                    break
                overlap.insert(0, j)
                total += units[j][1]
            current, used = overlap, total
        current.append(i)
        used += n
    if current:
        groups.append(current)

    spans = [(units[g[0]][0][0], units[g[-1]][0][1]) for g in groups]
    token_counts = count_tokens([text[s:e] for s, e in spans])
    chunks = [
        Chunk(chunk_id=f"{doc.doc_id}:{i}", doc_id=doc.doc_id, text=text[s:e], start=s, end=e, n_tokens=n)
        for i, ((s, e), n) in enumerate(zip(spans, token_counts, strict=True))
    ]
    return Segmentation([span for span, _n in units], chunks, [(g[0], g[-1] + 1) for g in groups])


def chunk_document(doc: Document, max_tokens: int = 200, overlap_tokens: int = 30) -> list[Chunk]:
    return segment_document(doc, max_tokens, overlap_tokens).chunks
