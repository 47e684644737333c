"""The passage path of a question: retrieve → read → shape → verify.

Retrieval ranks passages (:mod:`articleqa.retrieval`), the span reader reads the best of them, the question's
shape (list, explanation) may replace the short span by every item or the whole reason, and every quote is
checked against the stored article before it is shown."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..answer import NOT_FOUND, quote_is_verbatim, verify_citations
from ..answer.shapes import Explanation, Factoid, ListShape, ShapeRequest
from ..config import Settings
from ..ingest.language import language_notice
from ..live import document_texts
from ..models import Models
from ..question import QuestionInfo, classify
from ..records import Answer, Passage
from ..retrieval import Retrieval, retrieve
from ..store import Snapshot
from .articles import ArticleCache


def search(
    settings: Settings, snap: Snapshot, text: str, query_vector: np.ndarray, k: int, scope: Sequence[str] | None
) -> Retrieval:
    """Ranked passages for ``text`` within ``scope`` (None: every document), with the configured fusion."""
    return retrieve(
        snap, text, query_vector, k=k, candidates=settings.candidates, method=settings.fusion,
        dense_weight=settings.fusion_weight, sentence_weight=settings.sentence_weight,
        doc_ids=list(scope) if scope is not None else None,
    )


def question_info(question: str, asked_as: str | None) -> QuestionInfo:
    """The question's type: the user's own words decide it when ``question`` is a follow-up's rewrite."""
    info = classify(question)
    if asked_as:
        own = classify(asked_as)
        if own.qtype not in {"other", "yes_no"} and own.qtype != info.qtype:
            info = dataclasses.replace(info, qtype=own.qtype, expected=own.expected, focus=own.focus)
    return info


def _splits_the_span(listed: Answer, factoid: Answer) -> bool:
    """Whether the list only splits the reader's answer into its parts ("Councillors Maureen Pryce and Owen
    Tasker" → two items). A question that is not grammatically plural ("Who confirmed the meeting?", "Who
    chaired the inquiry?") keeps a confident single answer otherwise: a list that adds parties from elsewhere answers
    a question about several that nobody asked."""
    spans = [(c.doc_id, c.answer_start, c.answer_end) for c in factoid.citations
             if c.answer_start is not None and c.answer_end is not None]
    return bool(spans) and all(any(p.doc_id == d and s <= p.start and p.end <= e for d, s, e in spans)
                               for p in listed.parts)


class PassageAnswers:
    """Answers from the top passages: the reader's span, or the list or explanation the question asks for."""

    def __init__(self, settings: Settings, models: Models, articles: ArticleCache) -> None:
        self.settings = settings
        self.models = models
        self.articles = articles
        self.factoid = Factoid(models.reader, settings.abstain_threshold, settings.max_citations,
                               settings.read_passages)
        self.explanation = Explanation()
        self.listing = ListShape(models.reader)

    def answer(
        self, question: str, asked_as: str | None, shape: ShapeRequest, snap: Snapshot | None, k: int,
        scope: Sequence[str] | None, t0: float,
    ) -> Answer:
        info = question_info(question, asked_as)
        if snap is None or snap.n_chunks == 0:
            return Answer(question, NOT_FOUND, False, 0.0, question_type=info.qtype)
        t1 = time.perf_counter()
        qvec = self.models.embedder.encode_query(question)
        t2 = time.perf_counter()
        found = search(self.settings, snap, question, qvec, max(k, self.settings.read_passages), scope)
        tr = time.perf_counter()
        reading = self.factoid.read(question, found.passages)
        reader_ms = (time.perf_counter() - tr) * 1000
        answer = self.factoid.run(question, found.passages, info.qtype, reading)
        answer.timings_ms["reader"] = reader_ms
        text_of = document_texts(snap)
        answer.citations = verify_citations(answer.citations, text_of)
        if answer.answerable and not answer.citations:
            answer.text, answer.answerable = NOT_FOUND, False
        if shape.kind in {"explanation", "list"} and found.passages:
            answer = self._shaped_or(answer, question, shape, info, snap, found.passages, reading, qvec)
        self._finish(answer, snap, found, k)
        answer.timings_ms = {
            "analysis": (t1 - t0) * 1000, "question_embedding": (t2 - t1) * 1000, **found.timings_ms,
            **answer.timings_ms, "total": (time.perf_counter() - t0) * 1000,
        }
        return answer

    def _shaped_or(
        self, factoid: Answer, question: str, shape: ShapeRequest, info: QuestionInfo, snap: Snapshot,
        passages: Sequence[Passage], reading: Any, qvec: np.ndarray,
    ) -> Answer:
        """The list or explanation when it has verified quotes; else the factoid answer stands."""
        shaped = self._shaped(question, shape, info, snap, passages, reading, qvec, factoid)
        if shaped is None or (shape.kind == "list" and not shape.plural and factoid.answerable
                              and not _splits_the_span(shaped, factoid)):
            return factoid
        text_of = document_texts(snap)
        shaped.citations = verify_citations(shaped.citations, text_of)
        shaped.parts = [p for p in shaped.parts if (text := text_of(p.doc_id)) is not None
                        and quote_is_verbatim(text, p.start, p.end, p.text)]
        if not (shaped.citations and shaped.parts):
            return factoid
        shaped.timings_ms = {**factoid.timings_ms, **shaped.timings_ms}
        return shaped

    def _shaped(
        self, question: str, shape: ShapeRequest, info: QuestionInfo, snap: Snapshot,
        passages: Sequence[Passage], reading: Any, qvec: np.ndarray, factoid: Answer,
    ) -> Answer | None:
        """An explanation or a list from the articles of the top passages; None keeps the factoid answer."""
        read = list(passages[: self.settings.read_passages])
        doc_order = list(dict.fromkeys(p.chunk.doc_id for p in passages[: max(2, self.settings.read_passages)]))
        articles = self.articles.of(snap, doc_order[:2])
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        if shape.kind == "explanation":
            return self.explanation.run(question, shape.aspect, reading, read, articles, q, factoid.confidence,
                                        factoid.answerable)
        # A declined factoid still gets a list when the reader, sentence by sentence, backs at least two items: the
        # factoid's confidence is about one span, and a question asking for several parties often has no single
        # best one ("Who urged them?" — leaders and countries). Fewer than two backed items: the decline stands.
        span = next((c for c in factoid.citations if c.answer_start is not None and c.answer_end is not None), None)
        seed = (span.doc_id, int(span.answer_start), int(span.answer_end)) if span is not None else None  # type: ignore[arg-type]
        listed = self.listing.run(question, info, articles, q, doc_order, plural=shape.plural,
                                  focus_noun=shape.focus, copular=shape.copular, seed=seed)
        if listed is not None:
            listed.confidence = factoid.confidence
        return listed

    def _finish(self, answer: Answer, snap: Snapshot, found: Retrieval, k: int) -> None:
        """Citation dates and authors, the passages shown, and a note when the article is not in English."""
        for c in answer.citations:
            meta = snap.document_meta([c.doc_id]).get(c.doc_id)
            if meta:
                c.author, c.published = meta.author, meta.published
        answer.passages = found.passages[:k]
        read = [c.doc_id for c in answer.citations] or [
            p.chunk.doc_id for p in found.passages[: self.settings.read_passages]
        ]
        answer.notice = language_notice(snap.document_meta(read).values()) or answer.notice
