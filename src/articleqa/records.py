"""Typed records that flow one way through the pipeline (see docs/architecture.md).

Every record is a plain dataclass that round-trips through ``to_dict``/``from_dict`` so the
CLI's ``--json``, the UI's API endpoint and the evaluation report all share one shape.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Document:
    doc_id: str
    title: str
    text: str
    source: str = ""
    author: str | None = None
    published: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return _from_dict(cls, data)


FIELD_NAMES = ("title", "author", "published")


def field_lines(doc: Document) -> dict[str, tuple[int, int]]:
    """Where the text states the document's own title, author or date: field → (start, end) of that line,
    as ingest recorded it (``metadata["field_lines"]``); spans that do not fit the text are left out."""
    recorded = doc.metadata.get("field_lines") if isinstance(doc.metadata, dict) else None
    out: dict[str, tuple[int, int]] = {}
    for name, span in (recorded or {}).items():
        if name in FIELD_NAMES and isinstance(span, list | tuple) and len(span) == 2:
            start, end = int(span[0]), int(span[1])
            if 0 <= start < end <= len(doc.text):
                out[name] = (start, end)
    return out


def data_lines(doc: Document) -> list[tuple[int, int]]:
    """The field lines that are whole lines of the text (headline, byline, dateline): data about the
    article, not its prose, so passages and answers to content questions never include them."""
    text = doc.text
    return sorted(
        (s, e) for s, e in field_lines(doc).values()
        if (s == 0 or text[s - 1] == "\n") and (e == len(text) or text[e] == "\n")
    )


def prose_text(doc: Document) -> str:
    """The article's prose: its text without the headline, byline and dateline lines (blank runs closed up)."""
    text, pieces, at = doc.text, [], 0
    for start, end in data_lines(doc):
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    return re.sub(r"\n{3,}", "\n\n", "".join(pieces)).strip()


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    n_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class DocumentMeta:
    """A stored document's bibliographic fields without its text: what citations and filters read."""

    doc_id: str
    title: str
    source: str
    author: str | None
    published: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class NewDocument:
    """A document ready to store: its chunks and their vectors (same order), and its sentence units with
    theirs. ``chunk_units[i]`` is chunk i's half-open range into ``units``."""

    document: Document
    chunks: list[Chunk]
    vectors: np.ndarray
    units: list[tuple[int, int]]
    chunk_units: list[tuple[int, int]]
    unit_vectors: np.ndarray  # float16, one row per unit
    unit_hashes: np.ndarray  # uint64, one per unit


@dataclass(frozen=True)
class SentenceScore:
    """A sentence of a passage (absolute offsets into the document) and its stored vector's similarity to
    the question."""

    start: int
    end: int
    similarity: float


@dataclass
class Passage:
    chunk: Chunk
    score: float
    rank: int
    scores: dict[str, float] = field(default_factory=dict)
    title: str = ""
    source: str = ""
    # Filled by retrieval when the index stores sentence vectors; the answer stage then encodes nothing.
    sentences: list[SentenceScore] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk": self.chunk.to_dict(),
            "score": self.score,
            "rank": self.rank,
            "scores": dict(self.scores),
            "title": self.title,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(
            chunk=Chunk.from_dict(data["chunk"]),
            score=float(data["score"]),
            rank=int(data["rank"]),
            scores=dict(data.get("scores") or {}),
            title=data.get("title", ""),
            source=data.get("source", ""),
        )


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    source: str
    quote: str
    start: int
    end: int
    score: float
    # The short answer's characters inside ``quote``, as offsets into Document.text:
    # start <= answer_start < answer_end <= end (only on the first citation; None elsewhere).
    answer_start: int | None = None
    answer_end: int | None = None
    author: str | None = None
    published: str | None = None
    # "quote": ``quote`` is the stored text at [start, end). "metadata": the answer comes from the document's
    # record (``field`` = ``value``, e.g. an HTML <meta> date) and the text has no line to quote: ``quote`` is
    # empty and there are no offsets.
    kind: str = "quote"
    field: str | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        return _from_dict(cls, data)


# Bands of the calibrated confidence (the chance the short answer is right, measured by `articleqa eval`).
CONFIDENCE_BANDS = ((0.8, "high"), (0.6, "medium"), (0.0, "low"))


def confidence_label(confidence: float) -> str:
    return next(label for floor, label in CONFIDENCE_BANDS if confidence >= floor)


# The shapes an answer comes in (docs/answers.md): a short span, several spans, the clause that gives a reason or
# a manner, a short extractive summary, or a field of the article's own record.
ANSWER_KINDS = ("factoid", "list", "explanation", "overview", "article")


@dataclass
class AnswerPart:
    """One piece of a shaped answer, in the order shown: a list item, the explanation's clause, a summary
    sentence, or an overview block's headline (``heading``). ``text`` is verbatim text of the article at
    [start, end) of ``doc_id``; ``cites`` are the numbers of the citations that quote it."""

    text: str
    cites: list[int] = field(default_factory=list)
    doc_id: str = ""
    start: int = 0
    end: int = 0
    heading: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerPart:
        return _from_dict(cls, data)


@dataclass
class Answer:
    question: str
    text: str
    answerable: bool
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The standalone question actually searched when a follow-up was rewritten (else None).
    rewritten_question: str | None = None
    question_type: str | None = None
    # The evidence behind ``confidence`` (sentence similarity, term overlap, typed span, …), for calibration.
    signals: dict[str, float] = field(default_factory=dict)
    # The language model that wrote ``text`` (None: the extractive reader did). Its ``[k]`` markers are citation k.
    generated_by: str | None = None
    # One line on what went wrong when a configured language model could not answer (the text is then extractive).
    notice: str | None = None
    # With a language model: the other answer to the same question, kept so the two can be compared (eval):
    # on a written answer, the extractive reader's; on an extractive fallback, the model's unshown reply.
    alternative: str | None = None
    # Which shape the answer is (ANSWER_KINDS), and its pieces for lists, explanations and overviews; a
    # factoid's only piece is ``text``.
    kind: str = "factoid"
    parts: list[AnswerPart] = field(default_factory=list)

    @property
    def confidence_label(self) -> str:
        """high / medium / low, for people; the number stays in ``confidence``."""
        return confidence_label(self.confidence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "answerable": self.answerable,
            "confidence": self.confidence,
            "confidence_label": self.confidence_label,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": dict(self.timings_ms),
            "rewritten_question": self.rewritten_question,
            "question_type": self.question_type,
            "signals": dict(self.signals),
            "generated_by": self.generated_by,
            "notice": self.notice,
            "alternative": self.alternative,
            "kind": self.kind,
            "parts": [p.to_dict() for p in self.parts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(
            question=data["question"],
            text=data["text"],
            answerable=bool(data["answerable"]),
            confidence=float(data["confidence"]),
            citations=[Citation.from_dict(c) for c in data.get("citations", [])],
            passages=[Passage.from_dict(p) for p in data.get("passages", [])],
            timings_ms=dict(data.get("timings_ms") or {}),
            rewritten_question=data.get("rewritten_question"),
            question_type=data.get("question_type"),
            signals=dict(data.get("signals") or {}),
            generated_by=data.get("generated_by"),
            notice=data.get("notice"),
            alternative=data.get("alternative"),
            kind=str(data.get("kind") or "factoid"),
            parts=[AnswerPart.from_dict(p) for p in data.get("parts") or []],
        )


@dataclass
class DocumentInfo:
    """A document's metadata and size, without its text (for listings)."""

    doc_id: str
    title: str
    source: str
    author: str | None
    published: str | None
    n_chunks: int
    n_chars: int
    language: str | None = None  # detected at indexing (ISO 639-1); None when undetermined or not recorded

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Skipped:
    """A file that was not indexed, and why (shown to the user; never fatal for a batch)."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AddReport:
    """What an ``add``/``build`` did: new documents, duplicates already present, skipped files."""

    added: list[Document] = field(default_factory=list)
    duplicates: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    replaced: list[DocumentInfo] = field(default_factory=list)  # older versions of files read again, removed
    left_out: list[Document] = field(default_factory=list)  # removed by the user earlier, read from a folder again
    n_chunks: int = 0
    n_sentences: int = 0  # sentence units of the new documents' generation write
    n_sentences_embedded: int = 0  # ... of which the encoder ran on (the rest reused stored vectors)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [{"doc_id": d.doc_id, "title": d.title, "source": d.source} for d in self.added],
            "duplicates": [{"doc_id": d.doc_id, "title": d.title, "source": d.source} for d in self.duplicates],
            "skipped": [s.to_dict() for s in self.skipped],
            "replaced": [{"doc_id": d.doc_id, "title": d.title, "source": d.source} for d in self.replaced],
            "left_out": [{"doc_id": d.doc_id, "title": d.title, "source": d.source} for d in self.left_out],
            "n_chunks": self.n_chunks,
            "n_sentences": self.n_sentences,
            "n_sentences_embedded": self.n_sentences_embedded,
            "seconds": self.seconds,
        }
