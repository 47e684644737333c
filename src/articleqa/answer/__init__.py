"""Question + passages → Answer. The trained reader picks the span (or declines); citations are the stored
sentences that contain it; confidence is calibrated from the reader's margin and retrieval's similarity."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..records import Answer, Passage
from .citations import build_citations, quote_is_verbatim, verify_citations
from .confidence import answer_signals, calibrated
from .reader import Reader, ReaderModelError, Reading, SpanProposal, find_model_dir

NOT_FOUND = "The articles don't say."
_EDGE = " \t\n,;:"


def span_text(span: SpanProposal, passages: Sequence[Passage]) -> tuple[int, int, str]:
    """The span's text without stray separators at its edges, and its (possibly narrowed) offsets."""
    c = passages[span.passage].chunk
    start, end = span.start, span.end
    text = c.text[start - c.start : end - c.start]
    left = len(text) - len(text.lstrip(_EDGE))
    stripped = text.strip(_EDGE)
    if not stripped:
        return start, end, text
    return start + left, start + left + len(stripped), stripped


def build_answer(
    question: str,
    passages: list[Passage],
    reader: Reader,
    *,
    threshold: float | None,
    max_citations: int = 3,
    read_passages: int = 2,
    question_type: str | None = None,
    reading: Reading | None = None,
) -> Answer:
    """Read the best ``read_passages`` passages; answer with the best span unless confidence < threshold
    (None: the threshold calibrated with the model). ``reading``: the reader's output over those passages, when
    the caller already has it (the other shapes reuse one reading)."""
    if threshold is None:
        threshold = reader.spec.threshold
    t0 = time.perf_counter()
    read = passages[:read_passages]
    if reading is None:
        reading = reader.read(question, [p.chunk.text for p in read], [p.chunk.start for p in read])
    t1 = time.perf_counter()
    timings = {"reader": (t1 - t0) * 1000}
    best = reading.best
    if best is None:
        return Answer(question, NOT_FOUND, False, 0.0, [], passages, timings, question_type=question_type)
    start, end, text = span_text(best, read)
    signals = answer_signals(reading, read, text, question, question_type)
    confidence = calibrated(signals, reader.spec.calibration)
    signals["windows"] = float(reading.windows)
    if confidence < threshold:
        return Answer(question, NOT_FOUND, False, confidence, [], passages, timings, question_type=question_type,
                      signals=signals)
    citations = build_citations(reading, read, text, max_citations)
    for c in citations:
        if c.answer_start is not None:
            c.answer_start, c.answer_end = start, end
    timings["citations"] = (time.perf_counter() - t1) * 1000
    return Answer(question, text, True, confidence, citations, passages, timings, question_type=question_type,
                  signals=signals)


__all__ = [
    "NOT_FOUND", "Reader", "ReaderModelError", "Reading", "SpanProposal", "build_answer", "find_model_dir",
    "quote_is_verbatim", "verify_citations",
]
