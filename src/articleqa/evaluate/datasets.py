"""Question sets for the evaluation harness: the project's JSONL sets and SQuAD v1/v2 files (NewsQA ships as one).

Why apart from scoring and running: what a question set *is* (its questions, golds, follow-up history, wanted
answer shape, SQuAD contexts) is read and checked here once, so a bad file fails with one clear line before
any model loads. The file formats are described in docs/evaluation.md.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..ingest.jsonl import iter_jsonl

if TYPE_CHECKING:
    from ..records import Document

# The two settings a SQuAD file is asked in: each question restricted to its own story, and over every story.
# A project question set is asked in ``CORPUS`` only.
PER_DOC = "per_doc"
CORPUS = "corpus"
SHAPES = ("factoid", "list", "explanation", "overview")


@dataclass
class EvalQuestion:
    """One question to ask, with what counts as a right answer."""

    id: str
    question: str
    answers: list[str]
    answerable: bool
    history: list[str] = field(default_factory=list)
    doc_id: str | None = None
    # SQuAD only: index into EvalDataset.contexts of the paragraph this question was written about.
    context: int | None = None
    # Shape question sets (eval/shapes.jsonl): the shape the answer should have and its gold in that shape —
    # ``key_sentences`` (overview), ``clauses`` (explanation), ``items`` (list: each item's accepted forms).
    shape: str | None = None
    shape_gold: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalDataset:
    """A loaded question set; ``contexts`` (text, title, source) is filled for SQuAD-format files."""

    path: Path
    name: str
    format: str  # "jsonl" (project question set) or "squad"
    version: str | None
    questions: list[EvalQuestion]
    contexts: list[tuple[str, str, str]] = field(default_factory=list)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def load_dataset(path: str | Path) -> EvalDataset:
    """Read a project JSONL question set or a SQuAD v1/v2 JSON file (detected by content, not name)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"dataset {str(p)!r} not found; pass a .jsonl question set or a SQuAD JSON file")
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read dataset {str(p)!r}: {exc}") from exc
    stripped = raw.lstrip()
    if stripped.startswith("{") and p.suffix.lower() != ".jsonl":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            data = None  # maybe JSONL whose first line is an object: fall through
        if isinstance(data, dict):
            if "data" in data:
                return _load_squad(p, data)
            if "question" not in data:
                raise InputError(f"{p}: JSON but neither SQuAD (no 'data' list) nor a JSONL question set")
    return _load_jsonl(p, raw)


def _load_jsonl(path: Path, raw: str) -> EvalDataset:
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for line in iter_jsonl(raw, any_line_break=True):
        lineno, obj = line.lineno, line.value
        where = f"{path}:{lineno}"
        if line.error is not None:
            raise InputError(f"{where}: not valid JSON ({line.error.msg})") from line.error
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object with 'question' and 'answers'")
        question = obj.get("question")
        if not isinstance(question, str) or not question.strip():
            raise InputError(f"{where}: 'question' must be a non-empty string")
        answers = obj.get("answers", [])
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise InputError(f"{where}: 'answers' must be a list of strings ([] when unanswerable)")
        answers = _unique(a for a in answers if a.strip())
        answerable = bool(obj.get("answerable", bool(answers)))
        if answerable and not answers:
            raise InputError(f"{where}: marked answerable but has no gold answers")
        history = obj.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise InputError(f"{where}: 'history' must be a list of earlier questions (strings)")
        qid = str(obj.get("id") or f"line-{lineno}")
        if qid in seen:
            raise InputError(f"{where}: duplicate id {qid!r}")
        seen.add(qid)
        doc_id = obj.get("doc_id")
        shape = obj.get("shape")
        if shape is not None and shape not in SHAPES:
            raise InputError(f"{where}: 'shape' must be one of {', '.join(SHAPES)}")
        shape_gold = {k: obj[k] for k in ("key_sentences", "clauses", "items") if k in obj}
        questions.append(
            EvalQuestion(
                qid, question.strip(), answers, answerable, list(history), str(doc_id) if doc_id else None,
                shape=shape, shape_gold=shape_gold,
            )
        )
    if not questions:
        raise InputError(f"{path}: no questions found (expected JSONL, one object per line, or SQuAD JSON)")
    return EvalDataset(path, path.stem, "jsonl", None, questions)


def _load_squad(path: Path, data: dict[str, Any]) -> EvalDataset:
    name = path.stem
    contexts: list[tuple[str, str, str]] = []
    questions: list[EvalQuestion] = []
    articles = data.get("data")
    if not isinstance(articles, list):
        raise InputError(f"{path}: SQuAD 'data' must be a list of articles")
    for a_idx, article in enumerate(articles):
        if not isinstance(article, dict):
            raise InputError(f"{path}: data[{a_idx}] is not an object with 'title' and 'paragraphs'")
        title = str(article.get("title") or f"article {a_idx}")
        for p_idx, para in enumerate(article.get("paragraphs") or []):
            context = para.get("context") if isinstance(para, dict) else None
            if not isinstance(context, str) or not context.strip():
                continue
            c_idx = len(contexts)
            contexts.append((context, title, f"{name}#{title}/{p_idx}"))
            for q_idx, qa in enumerate(para.get("qas") or []):
                if not isinstance(qa, dict):
                    raise InputError(
                        f"{path}: data[{a_idx}].paragraphs[{p_idx}].qas[{q_idx}] is not an object"
                    )
                question = str(qa.get("question") or "").strip()
                if not question:
                    continue
                golds = _unique(
                    str(x.get("text", "")) for x in qa.get("answers") or [] if isinstance(x, dict)
                )
                golds = [g for g in golds if g.strip()]
                answerable = not qa.get("is_impossible", False) and bool(golds)
                qid = str(qa.get("id") or f"{a_idx}-{p_idx}-{q_idx}")
                questions.append(
                    EvalQuestion(qid, question, golds if answerable else [], answerable, context=c_idx)
                )
    if not questions:
        raise InputError(f"{path}: SQuAD file has no questions")
    return EvalDataset(
        path, name, "squad", str(data.get("version")) if data.get("version") else None, questions, contexts
    )


def sample_questions(
    questions: Sequence[EvalQuestion], limit: int | None, seed: int = 0
) -> list[EvalQuestion]:
    """A deterministic random sample of ``limit`` questions (dataset order kept), or all of them."""
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, got {limit}")
    if limit is None or limit >= len(questions):
        return list(questions)
    picked = sorted(random.Random(seed).sample(range(len(questions)), limit))
    return [questions[i] for i in picked]


def squad_documents(ds: EvalDataset, questions: Sequence[EvalQuestion]) -> list[Document]:
    """One Document per context the questions need; sets each question's doc_id (content hash)."""
    from ..ingest import document_from_text

    needed = sorted({q.context for q in questions if q.context is not None})
    by_context: dict[int, Document] = {}
    docs: dict[str, Document] = {}
    for c_idx in needed:
        text, title, source = ds.contexts[c_idx]
        doc = document_from_text(text, source=source, title=title, clean=False)
        by_context[c_idx] = doc
        docs.setdefault(doc.doc_id, doc)  # identical contexts collapse into one document
    for q in questions:
        if q.context is not None:
            q.doc_id = by_context[q.context].doc_id
    return list(docs.values())
