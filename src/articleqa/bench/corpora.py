"""The corpora the bench indexes and questions it asks, and where they are found.

Default paths are relative to the current directory (``make bench`` runs from the project root), never to
where the package is installed: a pip-installed articleqa has no ``articles/`` beside its files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from . import _internal
from .common import FALLBACK_QUESTIONS, BenchQuestion, Corpus

DEFAULT_ARTICLES = Path("articles")
DEFAULT_QUESTIONS = Path("eval") / "questions.jsonl"
DEFAULT_NEWSQA = Path("..") / "shared" / "datasets" / "newsqa-dev.json"
NEWSQA_NAME = "newsqa-dev"  # the report's key for the second corpus, whatever the file is called


@dataclass
class CorpusPaths:
    """Where the corpora are; ``newsqa`` None when the default file is absent (``notes`` says so)."""

    articles: Path
    questions: Path | None
    newsqa: Path | None
    notes: list[str] = field(default_factory=list)
    newsqa_missing: Path | None = None


def _given(path: str | Path, option: str, *, folder: bool = False) -> Path:
    p = Path(path)
    if not (p.exists() if folder else p.is_file()):
        raise InputError(f"{option} {p} not found (relative to {Path.cwd()})")
    return p


def resolve_paths(
    articles: str | Path | None, questions: str | Path | None, newsqa: str | Path | None
) -> CorpusPaths:
    """Paths given are checked; a missing default is an error only for the articles (nothing to measure)."""
    if articles is not None:
        articles_path = _given(articles, "--articles", folder=True)
    elif DEFAULT_ARTICLES.exists():
        articles_path = DEFAULT_ARTICLES
    else:
        raise InputError(
            f"no {DEFAULT_ARTICLES}/ folder in {Path.cwd()}: run from the project root or give --articles PATH"
        )
    notes: list[str] = []
    questions_path: Path | None = None
    if questions is not None:
        questions_path = _given(questions, "--questions")
    elif articles is None:  # the project's questions are about the bundled article only
        if DEFAULT_QUESTIONS.is_file():
            questions_path = DEFAULT_QUESTIONS
        else:
            notes.append(f"{DEFAULT_QUESTIONS} not found: the article is timed with {len(FALLBACK_QUESTIONS)} "
                         "generic questions and no answer-recall (set --questions PATH)")
    if newsqa is not None:
        return CorpusPaths(articles_path, questions_path, _given(newsqa, "--newsqa"), notes)
    if DEFAULT_NEWSQA.is_file():
        return CorpusPaths(articles_path, questions_path, DEFAULT_NEWSQA, notes)
    return CorpusPaths(articles_path, questions_path, None, notes, newsqa_missing=DEFAULT_NEWSQA)


def load_article_corpus(articles: Path, questions_path: Path | None) -> Corpus:
    """The article folder's documents, and the question set's single-turn questions (generic ones if none)."""
    from ..evaluate import load_dataset  # the bench asks the same questions eval scores

    docs = _internal.load_paths([articles]).documents
    questions: list[BenchQuestion] = []
    if questions_path is not None and questions_path.is_file():
        ds = load_dataset(questions_path)
        questions = [BenchQuestion(q.question, list(q.answers)) for q in ds.questions if not q.history]
    if not questions:
        questions = [BenchQuestion(q, []) for q in FALLBACK_QUESTIONS]
    return Corpus("article", docs, questions)


def load_squad_corpus(path: Path, n_questions: int, seed: int) -> Corpus:
    """Every story of a SQuAD-format file as a Document (text kept verbatim), and a fixed question sample."""
    from ..evaluate import load_dataset, sample_questions  # the same reader and sampler eval uses

    ds = load_dataset(path)
    docs: dict[str, Any] = {}
    for text, title, source in ds.contexts:
        doc = _internal.document_from_text(text, source=source, title=title, clean=False)
        docs.setdefault(doc.doc_id, doc)
    answerable = [q for q in ds.questions if q.answerable and q.answers]
    picked = sample_questions(answerable, n_questions, seed)
    return Corpus(ds.name, list(docs.values()), [BenchQuestion(q.question, list(q.answers)) for q in picked])
