"""A language model's written answer → an Answer whose citations are verified stored sentences.

The model only cites sentence numbers; the quotes are the stored sentences those numbers stand for, checked
verbatim at their offsets like every extractive citation. The highlighted phrase inside a cited sentence comes
from the span reader (the extractive answer), never from the model. A written answer left with no verified
citation, or whose claims the cited sentences do not bear out (``answer/support.py``), is not shown as sourced:
the extractive answer replaces it, with a notice that says why. See docs/written-answers.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ...records import Answer, Citation, Passage
from .. import NOT_FOUND
from ..citations import verify_citations
from ..support import check_claims, first_unsupported, is_supported
from .events import GenerationDone, GenerationFailed
from .prompt import NumberedSentence

UNSOURCED = "cited no sentence of the articles"
UNSUPPORTED = "is not supported by the sentences it cited"
_MARKER = re.compile(r"\[(\d+)\]")


def _citation(k: int, sentence: NumberedSentence, passages: list[Passage], text: str, extractive: Answer) -> Citation:
    """Citation k: the stored sentence; the reader's answer span highlighted when it lies inside it."""
    passage = passages[sentence.passage]
    score = max((s.similarity for s in passage.sentences if s.start == sentence.start), default=passage.score)
    citation = Citation(k, sentence.doc_id, passage.title, passage.source, text[sentence.start : sentence.end],
                        sentence.start, sentence.end, float(score))
    span = next((c for c in extractive.citations if c.answer_start is not None), None) if extractive.answerable else None
    if span is not None and span.doc_id == sentence.doc_id and span.answer_start is not None and span.answer_end:
        if sentence.start <= span.answer_start < span.answer_end <= sentence.end:
            citation.answer_start, citation.answer_end = span.answer_start, span.answer_end
    meta = next((c for c in extractive.citations if c.doc_id == sentence.doc_id), None)
    if meta is not None:
        citation.author, citation.published = meta.author, meta.published
    return citation


def _renumber(text: str, kept: dict[int, int]) -> str:
    """Markers of citations that failed verification go; the others take their citation's new number."""
    def swap(match: re.Match[str]) -> str:
        new = kept.get(int(match.group(1)))
        return f"[{new}]" if new else ""

    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub(swap, text)).strip()


def answer_from_generation(
    done: GenerationDone, extractive: Answer, passages: list[Passage], text_of: Callable[[str], str | None],
    model: str,
) -> Answer:
    """The written answer with verified citations, or the extractive answer with a notice when none holds."""
    timings = {**extractive.timings_ms, **done.timings_ms()}
    if done.reply.not_found:
        return Answer(extractive.question, NOT_FOUND, False, extractive.confidence, [], extractive.passages,
                      timings, extractive.rewritten_question, extractive.question_type, dict(extractive.signals),
                      generated_by=model, alternative=_answered(extractive))
    citations: list[Citation] = []
    for k, sentence in enumerate((done.prompt.numbering[n] for n in done.reply.cited), start=1):
        text = text_of(sentence.doc_id)
        if text is not None:
            citations.append(_citation(k, sentence, passages, text, extractive))
    before = {id(c): c.n for c in citations}
    verified = verify_citations(citations, text_of)
    if not verified:
        extractive.alternative = done.reply.text
        return fallback(extractive, f"the language model's answer {UNSOURCED}; showing the extractive answer",
                        timings)
    kept = {before[id(c)]: c.n for c in verified}
    text = _renumber(done.reply.text, kept)
    checks = check_claims(text, extractive.question, {c.n: c.quote for c in verified})
    if not is_supported(checks):
        extractive.alternative = done.reply.text
        bad = first_unsupported(checks)
        why = (f": “{bad.claim[:80]}” — not in them: {', '.join(bad.missing[:4])}" if bad is not None
               else ": it only restates the question")
        return fallback(extractive, f"the language model's answer {UNSUPPORTED}{why}; showing the extractive answer",
                        timings)
    signals = {**extractive.signals, "llm_citations": float(len(verified))}
    return Answer(extractive.question, text, True, extractive.confidence, verified,
                  extractive.passages, timings, extractive.rewritten_question, extractive.question_type, signals,
                  generated_by=model, alternative=_answered(extractive))


def _answered(extractive: Answer) -> str | None:
    """The reader's answer text, None when it declined."""
    return extractive.text if extractive.answerable else None


def fallback(extractive: Answer, notice: str, timings: dict[str, float] | None = None) -> Answer:
    """The extractive answer, saying why the written one is not shown."""
    extractive.notice = notice
    if timings is not None:
        extractive.timings_ms = timings
    return extractive


def answer_from_failure(failed: GenerationFailed, extractive: Answer) -> Answer:
    """The extractive answer, with the failure's one-line notice: a broken server never costs the user an answer."""
    return fallback(extractive, failed.notice)
