"""The evaluation harness: ask a question set, score every answer, write report.json/report.md and plots.

Why it exists: the assistant's claims (short answers, verbatim quotes, honest abstention, fast answers)
are only as good as their measurement. This module turns a dataset into one report whose numbers are
recomputed from first principles -- quotes are re-checked against the stored document text, gold answers
are matched with the official SQuAD normalisation -- never copied from what the Answer says about itself.

Inputs (see DESIGN.md, "Question sets and datasets"):
- the project question set, JSONL (``id``, ``question``, ``answers``, optional ``answerable``,
  ``history``, ``doc_id``), asked over an existing index (``index_dir``, default ``index``). Follow-ups
  are asked with their ``history``. This is a single setting, reported under ``corpus`` (a question with
  a ``doc_id`` is restricted to that document) and, since only one setting applies, also at top level.
- SQuAD v1/v2 JSON (NewsQA ships in this format). One Document per paragraph context is indexed in a
  temporary directory (``clean=False`` keeps the text byte-identical so gold offsets stay valid), the
  build is timed, and two settings are scored: ``per_doc`` (each question restricted to its own
  context's doc_id) and ``corpus`` (the question asked over every indexed context). Document ids are
  content hashes, so identical contexts collapse into one document; each question maps to its
  context's doc_id.

Report layout -- a deliberate choice: metrics of a setting are a *flat* dict with dotted names exactly
as the contract spells them (``report["per_doc"]["answer.f1"]``), because flat keys are trivially
diffed, tabulated and looked up by outside checks, and nesting would force every reader to agree on one
more convention. All scores are fractions in 0..1; metrics that cannot be computed (e.g. F1 with no
answerable question) are ``None`` rather than 0. Per-setting keys:

  n_questions, n_answerable, n_unanswerable, n_errors,
  answer.exact_match, answer.f1            SQuAD EM/F1, max over golds, mean over answerable questions
                                           (an abstention scores 0)
  answer.f1_when_answered                  F1 over answerable questions we did answer
  answer_rate_on_answerable                fraction of answerable questions answered (not declined)
  evidence.hit_at_1                        top citation's quote contains a gold answer (answerable qs)
  retrieval.answer_recall_at_{1,3,5,10}    a gold answer inside one of the top-k passages (answerable qs)
  retrieval.mrr                            mean reciprocal rank of the first passage containing a gold
  citations.verbatim_rate, citations.n     Document.text[start:end] == quote, over every quote shown
  citations.metadata_n                     citations of a document-record field (no quote; not in the rate)
  abstention.{precision,recall,f1}         positive class "abstained"; only when unanswerables exist
  followups.{n,exact_match,f1}             answerable questions asked with a history; only when present
  calibration.ece                          expected calibration error of ``confidence`` (10 bins)
  latency_ms.{p50,p95,mean}                wall time of ``ask`` per question (for a follow-up this includes
                                           the replay of its history that ``Assistant.ask`` performs)
  index.build_seconds                      time to build the evaluation index (SQuAD; for an existing index
                                           the manifest's value if it records one, else None)
  eval.seconds                             time spent asking and scoring this setting's questions

Top level: ``dataset``, ``created`` (UTC timestamp), ``version``, ``settings`` (the Settings used),
``index`` (manifest info, ``build_seconds``), ``evaluated`` (setting names), ``calibration`` (bins per
setting), ``questions`` (one row per question and setting), ``files`` (what was written to ``out``).

Both SQuAD settings are asked on one Assistant, interleaved question by question with alternating order,
so warm caches favour neither setting's latency. ``limit``/``seed`` draw a deterministic random sample.

A question's answer counts as *correct* (for calibration) when the gold is answerable, we answered, and
answer F1 >= 0.5; ``confidence`` is read as the probability that the short answer shown is right.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import metrics as M
from .answer.citations import quote_is_verbatim
from .answer.written import UNSOURCED, UNSUPPORTED, strip_markers
from .config import Settings
from .errors import ArticleQAError, InputError
from .ingest.jsonl import iter_jsonl

if TYPE_CHECKING:
    from .assistant import Assistant
    from .records import Answer, Citation, Document

__all__ = [
    "CORPUS",
    "PER_DOC",
    "EvalDataset",
    "EvalQuestion",
    "aggregate",
    "evaluate",
    "load_dataset",
    "sample_questions",
    "summary_table",
    "worst_questions",
    "write_report",
]

PER_DOC = "per_doc"
CORPUS = "corpus"
RECALL_KS: tuple[int, ...] = (1, 3, 5, 10)
# Ask for this many passages so recall@10 is measurable (the answer stage still cites a few quotes).
EVAL_TOP_K = 10
CORRECT_F1 = 0.5
N_CALIBRATION_BINS = 10
N_WORST = 20
SHAPES = ("factoid", "list", "explanation", "overview")


# --------------------------------------------------------------------------------------------------
# Datasets


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


# --------------------------------------------------------------------------------------------------
# Asking and scoring


class _Scorer:
    """Scores Answers against golds; caches document texts and normalised passages (hot loop)."""

    def __init__(self, qa: Assistant) -> None:
        self.qa = qa
        self._texts: dict[str, str | None] = {}
        self._norm_chunks: dict[str, str] = {}

    def doc_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            try:
                self._texts[doc_id] = self.qa.document(doc_id).text
            except Exception:  # a citation to a document we cannot read is simply not verbatim
                self._texts[doc_id] = None
        return self._texts[doc_id]

    def _normalized_chunk(self, chunk_id: str, text: str) -> str:
        norm = self._norm_chunks.get(chunk_id)
        if norm is None:
            norm = self._norm_chunks[chunk_id] = M.normalize_answer(text)
        return norm

    def score(self, q: EvalQuestion, a: Answer, setting: str, latency_ms: float) -> dict[str, Any]:
        prediction = (strip_markers(a.text) if a.generated_by else a.text) if a.answerable else ""
        cited = sorted(a.citations, key=lambda c: c.n)
        # Metadata citations (a value from the document record, e.g. an HTML <meta> date) are not quotes: counted
        # apart, never as verbatim or as evidence.
        citations = [c for c in cited if c.kind != "metadata"]
        n_verbatim = 0
        for c in citations:
            if quote_is_verbatim(self.doc_text(c.doc_id), c.start, c.end, c.quote):
                n_verbatim += 1
        top_quote = cited[0].quote if cited and cited[0].kind != "metadata" else None
        scores: dict[str, float | None] = {"em": None, "f1": None, "hit_at_1": None, "rr": None}
        hit_rank: int | None = None
        if q.answerable:
            passages = sorted(a.passages, key=lambda p: p.rank)
            ranked = [self._normalized_chunk(p.chunk.chunk_id, p.chunk.text) for p in passages]
            hit_rank = M.first_hit_rank(ranked, q.answers, normalized=True)
            scores = {
                "em": M.max_over_gold(M.exact_match, prediction, q.answers),
                "f1": M.max_over_gold(M.f1, prediction, q.answers),
                "hit_at_1": float(top_quote is not None and M.contains_answer(top_quote, q.answers)),
                "rr": 0.0 if hit_rank is None else 1.0 / hit_rank,
            }
        correct = bool(q.answerable and a.answerable and (scores["f1"] or 0.0) >= CORRECT_F1)
        return {
            "id": q.id,
            "setting": setting,
            "question": q.question,
            "history": list(q.history),
            "doc_id": q.doc_id,
            "gold": list(q.answers),
            "answer": a.text,
            "answerable": q.answerable,
            "predicted_answerable": bool(a.answerable),
            "confidence": float(a.confidence),
            "correct": correct,
            "top_quote": top_quote,
            "rewritten_question": getattr(a, "rewritten_question", None),
            "first_hit_rank": hit_rank,
            "n_passages": len(a.passages),
            "n_citations": len(citations),
            "n_metadata_citations": len(cited) - len(citations),
            "n_verbatim": n_verbatim,
            "scores": scores,
            "latency_ms": latency_ms,
            "error": None,
            "kind": getattr(a, "kind", "factoid"),
            **({"shape": _shape_row(q, a, prediction)} if q.shape else {}),
            **({"llm": self._llm_row(q, a, prediction, citations)} if self.qa_writes else {}),
        }

    @property
    def qa_writes(self) -> bool:
        """A language model writes the answers: score what only written answers have."""
        return getattr(self.qa, "generator", None) is not None

    @staticmethod
    def _llm_row(q: EvalQuestion, a: Answer, prediction: str, citations: Sequence[Citation]) -> dict[str, Any]:
        unsourced = bool(a.notice and UNSOURCED in a.notice)
        unsupported = bool(a.notice and UNSUPPORTED in a.notice)
        # Both answers to the question, shown or not: what the model wrote and what the reader extracted.
        if a.generated_by:  # the model's answer is shown; the reader's (if it answered) is the alternative
            written, extractive = (strip_markers(a.text) if a.answerable else ""), a.alternative or ""
        else:  # the reader's answer is shown; an unsourced reply of the model is the alternative
            written, extractive = strip_markers(a.alternative or ""), (a.text if a.answerable else "")
        return {
            "written": written,
            "extractive": extractive,
            "written_f1": M.max_over_gold(M.f1, written, q.answers) if q.answerable else None,
            "extractive_f1": M.max_over_gold(M.f1, extractive, q.answers) if q.answerable else None,
            "generated": a.generated_by is not None,
            "unsourced": unsourced,
            "unsupported": unsupported,
            "failed": bool(a.notice) and not unsourced and not unsupported,
            "notice": a.notice,
            "contains_gold": bool(q.answerable and prediction and M.contains_answer(prediction, q.answers)),
            "n_cited": len(citations) if a.generated_by else 0,
            "cited_with_gold": sum(M.contains_answer(c.quote, q.answers) for c in citations) if a.generated_by and q.answerable else 0,
        }


def _shape_row(q: EvalQuestion, a: Answer, prediction: str) -> dict[str, Any]:
    """The answer scored as the shape the question asks for (see metrics: overview coverage, clause F1, set
    precision/recall), and whether it came in that shape."""
    parts = [p.text for p in getattr(a, "parts", []) if not p.heading] if a.answerable else []
    row: dict[str, Any] = {"expected": q.shape, "kind": getattr(a, "kind", "factoid"),
                           "right_kind": getattr(a, "kind", "factoid") == q.shape}
    if q.shape == "overview":
        row["cited_sentences"] = sum(1 for p in getattr(a, "parts", []) if not p.heading and p.cites) if a.answerable else 0
        row["coverage"] = M.overview_coverage(parts, q.shape_gold.get("key_sentences") or q.answers)
    elif q.shape == "explanation":
        row["f1"] = M.max_over_gold(M.f1, prediction, q.shape_gold.get("clauses") or q.answers) if prediction else 0.0
    elif q.shape == "list":
        items = parts or ([prediction] if prediction else [])
        gold = q.shape_gold.get("items") or [[x] for x in q.answers]
        row["precision"], row["recall"], row["f1"] = M.set_scores(items, gold)
    else:
        row["f1"] = M.max_over_gold(M.f1, prediction, q.answers) if prediction else 0.0
        row["em"] = M.max_over_gold(M.exact_match, prediction, q.answers) if prediction else 0.0
    return row


def _shape_metrics(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per shape: how many, how often the answer came in that shape, and the shape's own score."""
    out: dict[str, Any] = {}
    for shape in SHAPES:
        got = [r["shape"] for r in rows if r.get("shape", {}).get("expected") == shape]
        if not got:
            continue
        out[f"shapes.{shape}.n"] = len(got)
        out[f"shapes.{shape}.right_kind"] = M.mean(r["right_kind"] for r in got)
        if shape == "overview":
            out["shapes.overview.coverage"] = M.mean(r["coverage"] for r in got)
            out["shapes.overview.at_least_3_cited"] = M.mean(r["cited_sentences"] >= 3 for r in got)
            out["shapes.overview.coverage_at_least_0.7"] = M.mean(r["coverage"] >= 0.7 for r in got)
        elif shape == "list":
            for k in ("precision", "recall", "f1"):
                out[f"shapes.list.{k}"] = M.mean(r[k] for r in got)
        else:
            out[f"shapes.{shape}.f1"] = M.mean(r["f1"] for r in got)
            if shape == "factoid":
                out["shapes.factoid.exact_match"] = M.mean(r["em"] for r in got)
    return out


def _error_row(q: EvalQuestion, setting: str, latency_ms: float, exc: BaseException) -> dict[str, Any]:
    # One failing question must not sink a 15-minute run; it is scored as a wrong, unanswered question.
    empty = (
        {"em": 0.0, "f1": 0.0, "hit_at_1": 0.0, "rr": 0.0}
        if q.answerable
        else dict.fromkeys(("em", "f1", "hit_at_1", "rr"))
    )
    return {
        "id": q.id,
        "setting": setting,
        "question": q.question,
        "history": list(q.history),
        "doc_id": q.doc_id,
        "gold": list(q.answers),
        "answer": "",
        "answerable": q.answerable,
        "predicted_answerable": False,
        "confidence": 0.0,
        "correct": False,
        "top_quote": None,
        "rewritten_question": None,
        "first_hit_rank": None,
        "n_passages": 0,
        "n_citations": 0,
        "n_verbatim": 0,
        "scores": empty,
        "latency_ms": latency_ms,
        "error": f"{type(exc).__name__}: {exc}",
        **({"shape": {"expected": q.shape, "kind": None, "right_kind": False, "cited_sentences": 0, "coverage": 0.0,
                      "f1": 0.0, "em": 0.0, "precision": 0.0, "recall": 0.0}} if q.shape else {}),
    }


def _run_settings(
    qa: Assistant,
    questions: Sequence[EvalQuestion],
    settings: Sequence[str],
    scorer: _Scorer,
    progress: bool,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, float]]:
    """Ask every question in every setting, interleaved, and score it.

    Settings share one Assistant, and its caches (sentence vectors, ...) warm up as questions come in:
    running one setting after the other would bill all cold-cache costs to the first. Interleaving per
    question, with the order alternating, spreads them evenly so latency is comparable across settings,
    and costs one cold pass instead of one per setting (NewsQA in both settings must fit in 15 minutes).
    """
    from tqdm.auto import tqdm

    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in settings}
    seconds = dict.fromkeys(settings, 0.0)
    desc = f"eval {'+'.join(settings)}"
    with tqdm(total=len(questions) * len(settings), desc=desc, unit="q", disable=not progress) as bar:
        for i, q in enumerate(questions):
            for setting in settings if i % 2 == 0 else list(reversed(settings)):
                doc_ids = [q.doc_id] if q.doc_id and (setting == PER_DOC or q.context is None) else None
                t0 = time.perf_counter()
                try:
                    answer = qa.ask(q.question, doc_ids=doc_ids, top_k=EVAL_TOP_K, history=q.history or None)
                except Exception as exc:  # recorded in the row and counted in n_errors
                    row = _error_row(q, setting, (time.perf_counter() - t0) * 1000.0, exc)
                else:
                    row = scorer.score(q, answer, setting, (time.perf_counter() - t0) * 1000.0)
                rows[setting].append(row)
                seconds[setting] += time.perf_counter() - t0
                bar.update(1)
    return rows, seconds


def aggregate(rows: Sequence[dict[str, Any]], build_seconds: float | None = None) -> dict[str, Any]:
    """Per-setting metrics (flat dotted keys, see the module docstring) from the question rows."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out: dict[str, Any] = {
        "n_questions": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "n_errors": sum(1 for r in rows if r.get("error")),
        "answer.exact_match": M.mean(r["scores"]["em"] for r in answerable),
        "answer.f1": M.mean(r["scores"]["f1"] for r in answerable),
        "answer.f1_when_answered": M.mean(r["scores"]["f1"] for r in answerable if r["predicted_answerable"]),
        "answer_rate_on_answerable": M.mean(r["predicted_answerable"] for r in answerable),
        "evidence.hit_at_1": M.mean(r["scores"]["hit_at_1"] for r in answerable),
    }
    for k in RECALL_KS:
        out[f"retrieval.answer_recall_at_{k}"] = M.mean(
            r["first_hit_rank"] is not None and r["first_hit_rank"] <= k for r in answerable
        )
    out["retrieval.mrr"] = M.mean(r["scores"]["rr"] for r in answerable)
    n_citations = sum(r["n_citations"] for r in rows)
    out["citations.verbatim_rate"] = sum(r["n_verbatim"] for r in rows) / n_citations if n_citations else None
    out["citations.n"] = n_citations
    out["citations.metadata_n"] = sum(r.get("n_metadata_citations", 0) for r in rows)
    if unanswerable:
        ab = M.abstention_scores(
            [not r["predicted_answerable"] for r in rows], [r["answerable"] for r in rows]
        )
        out["abstention.precision"] = ab.precision
        out["abstention.recall"] = ab.recall
        out["abstention.f1"] = ab.f1
    followups = [r for r in answerable if r["history"]]
    if followups:
        out["followups.n"] = len(followups)
        out["followups.exact_match"] = M.mean(r["scores"]["em"] for r in followups)
        out["followups.f1"] = M.mean(r["scores"]["f1"] for r in followups)
    bins = M.calibration_bins(
        [r["confidence"] for r in rows], [r["correct"] for r in rows], N_CALIBRATION_BINS
    )
    out["calibration.ece"] = M.expected_calibration_error(bins)
    latencies = [r["latency_ms"] for r in rows]
    out["latency_ms.p50"] = M.percentile(latencies, 50)
    out["latency_ms.p95"] = M.percentile(latencies, 95)
    out["latency_ms.mean"] = M.mean(latencies)
    out["index.build_seconds"] = build_seconds
    if any("shape" in r for r in rows):
        out.update(_shape_metrics(rows))
    if any("llm" in r for r in rows):
        out.update(_llm_metrics(rows))
    return out


def _llm_metrics(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Written answers: how often a gold answer is in them, how many cited sentences hold one, how often the
    model's answer had no verified citation (replaced by the extractive one) or the model failed."""
    llm = [r["llm"] for r in rows if "llm" in r]
    answerable = [r["llm"] for r in rows if "llm" in r and r["answerable"]]
    cited = sum(x["n_cited"] for x in answerable)
    return {
        "llm.written_rate": M.mean(float(x["generated"]) for x in llm),
        "llm.answer_contains_gold": M.mean(float(x["contains_gold"]) for x in answerable),
        "llm.citation_precision": (sum(x["cited_with_gold"] for x in answerable) / cited) if cited else None,
        "llm.unsourced_rate": M.mean(float(x["unsourced"]) for x in llm),
        "llm.unsupported_rate": M.mean(float(x.get("unsupported", False)) for x in llm),
        "llm.failure_rate": M.mean(float(x["failed"]) for x in llm),
        # The model's reply (cited or not, markers stripped) and the reader's answer, F1 on the same questions.
        "llm.written_f1": M.mean(x["written_f1"] for x in answerable if x.get("written_f1") is not None),
        "llm.extractive_f1": M.mean(x["extractive_f1"] for x in answerable if x.get("extractive_f1") is not None),
    }


# --------------------------------------------------------------------------------------------------
# The harness


def _jsonable(value: Any) -> Any:
    """Plain JSON values only: Paths and numpy scalars in manifest info become str/float, NaN becomes None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    return str(value)


def _close(qa: Any) -> None:
    close = getattr(qa, "close", None)
    if callable(close):
        close()


def _warm_up(qa: Assistant, doc_id: str | None) -> None:
    # Lazy model loading must not be billed to the first question's latency.
    with contextlib.suppress(ArticleQAError):
        qa.ask("warm-up question", doc_ids=[doc_id] if doc_id else None, top_k=EVAL_TOP_K)


def _squad_documents(ds: EvalDataset, questions: Sequence[EvalQuestion]) -> list[Document]:
    """One Document per context the questions need; sets each question's doc_id (content hash)."""
    from .ingest import document_from_text

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


def evaluate(
    dataset: str | Path,
    *,
    index_dir: str | Path | None = None,
    out: str | Path | None = None,
    limit: int | None = None,
    seed: int = 0,
    settings: Settings | None = None,
    progress: bool = True,
    squad_settings: Sequence[str] = (PER_DOC, CORPUS),
) -> dict[str, Any]:
    """Evaluate the assistant on ``dataset`` and return report.json's dict (also written to ``out``).

    JSONL question sets are asked over the index at ``index_dir`` (default ``index``); SQuAD files get
    their own temporary index and are scored per document and over the whole corpus. ``limit``/``seed``
    pick a deterministic random sample of questions (for SQuAD only the sampled questions' contexts are
    indexed, so a quick run stays quick). ``squad_settings``: which of per_doc / corpus to score (one halves
    the time, which matters when a language model writes every answer).
    """
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    ds = load_dataset(dataset)
    questions = sample_questions(ds.questions, limit, seed)
    unknown = set(squad_settings) - {PER_DOC, CORPUS}
    if unknown or not squad_settings:
        raise ValueError(f"squad_settings must name {PER_DOC!r} and/or {CORPUS!r}, not {sorted(unknown) or 'none'}")
    if ds.format == "squad":
        run = _run_squad(ds, questions, settings, progress, tuple(squad_settings))
    else:
        run = _run_question_set(questions, Path(index_dir if index_dir is not None else settings.index_dir),
                                settings, progress)
    report = _report(ds, questions, run, limit, seed)
    report["elapsed_seconds"] = time.perf_counter() - started
    report["files"] = []
    if out is not None:
        report["files"] = write_report(report, out)
    return _jsonable(report)


@dataclass
class _Run:
    """What asking a question set produced: rows and seconds per setting, the index, the settings used."""

    results: dict[str, list[dict[str, Any]]]
    seconds: dict[str, float]
    index_info: dict[str, Any]
    settings: Settings


def _run_squad(ds: EvalDataset, questions: list[EvalQuestion], settings: Settings, progress: bool,
               which: tuple[str, ...] = (PER_DOC, CORPUS)) -> _Run:
    """SQuAD files get their own temporary index, scored per document and over the whole corpus."""
    from .assistant import Assistant
    from .store import scratch_store

    docs = _squad_documents(ds, questions)
    # On a Milvus server the temporary index is a collection of its own, dropped afterwards: never the user's.
    build_settings = settings.with_(store=scratch_store(settings.store, f"eval_{os.getpid()}")) if settings.store else settings
    with tempfile.TemporaryDirectory(prefix="articleqa-eval-") as tmp:
        t0 = time.perf_counter()
        fresh = {"rebuild": True} if settings.store else {}  # a collection left by a killed eval is replaced
        qa = Assistant.build(docs, index_dir=Path(tmp) / "index", settings=build_settings, progress=progress, **fresh)
        build_seconds = time.perf_counter() - t0
        try:
            info = _jsonable(qa.info())
            _warm_up(qa, questions[0].doc_id)
            results, seconds = _run_settings(qa, questions, which, _Scorer(qa), progress)
        finally:
            _close(qa)
            drop = getattr(getattr(qa, "store", None), "drop_everything", None)
            if callable(drop):
                drop()
    index_info: dict[str, Any] = {
        "dir": None,
        "temporary": True,
        "n_contexts": len({q.context for q in questions}),
        "n_documents_built": len(docs),
        **info,
        "build_seconds": build_seconds,
    }
    return _Run(results, seconds, index_info, settings.with_(model=info.get("model") or None))


def _run_question_set(questions: list[EvalQuestion], idx: Path, settings: Settings, progress: bool) -> _Run:
    """A JSONL question set is asked over an existing index."""
    from .assistant import Assistant

    if not settings.store and not idx.exists():
        raise InputError(f"no index at {str(idx)!r}; build one first with `articleqa index articles/`")
    qa = Assistant.open(idx, settings=settings)
    try:
        info = _jsonable(qa.info())
        _warm_up(qa, None)
        results, seconds = _run_settings(qa, questions, (CORPUS,), _Scorer(qa), progress)
    finally:
        _close(qa)
    recorded = info.get("build_seconds")
    build_seconds = float(recorded) if isinstance(recorded, (int, float)) else None
    index_info = {"dir": str(idx), "temporary": False, **info, "build_seconds": build_seconds}
    return _Run(results, seconds, index_info, settings.with_(model=info.get("model") or None))


def _report(ds: EvalDataset, questions: list[EvalQuestion], run: _Run, limit: int | None, seed: int) -> dict[str, Any]:
    """report.json's dict: dataset, settings, index, then the metrics and calibration of each setting."""
    report: dict[str, Any] = {
        "dataset": {
            "path": str(ds.path),
            "name": ds.name,
            "format": ds.format,
            "version": ds.version,
            "n_questions_total": len(ds.questions),
            "n_questions_evaluated": len(questions),
            "limit": limit,
            "seed": seed,
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": _version(),
        "settings": _jsonable(run.settings.public_dict()),
        "index": run.index_info,
        "evaluated": list(run.results),
        "calibration": {},
    }
    build_seconds = run.index_info.get("build_seconds")
    for setting, rows in run.results.items():
        metrics = aggregate(rows, build_seconds)
        metrics["eval.seconds"] = run.seconds[setting]
        report[setting] = metrics
        bins = M.calibration_bins(
            [r["confidence"] for r in rows], [r["correct"] for r in rows], N_CALIBRATION_BINS
        )
        report["calibration"][setting] = [b.to_dict() for b in bins]
    if len(run.results) == 1:
        # Only one setting applies (project question set): its metrics are the report's metrics.
        report.update(report[next(iter(run.results))])
    report["questions"] = [row for rows in run.results.values() for row in rows]
    return report


def _version() -> str:
    from . import __version__

    return str(__version__)


# --------------------------------------------------------------------------------------------------
# Presentation


_ROW_ORDER = [
    "n_questions",
    "n_answerable",
    "n_unanswerable",
    "answer.exact_match",
    "answer.f1",
    "answer.f1_when_answered",
    "answer_rate_on_answerable",
    "evidence.hit_at_1",
    *(f"retrieval.answer_recall_at_{k}" for k in RECALL_KS),
    "retrieval.mrr",
    "citations.verbatim_rate",
    "citations.n",
    "abstention.precision",
    "abstention.recall",
    "abstention.f1",
    "followups.n",
    "followups.exact_match",
    "followups.f1",
    "calibration.ece",
    "latency_ms.p50",
    "latency_ms.p95",
    "latency_ms.mean",
    "index.build_seconds",
    "eval.seconds",
    "n_errors",
]


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or key.startswith("n_") or key.endswith(".n"):
        return str(int(value))
    if key.startswith("latency_ms."):
        return f"{value:.1f}"
    if key.endswith("seconds"):
        return f"{value:.2f}"
    return f"{value:.3f}"


def summary_table(report: dict[str, Any]) -> str:
    """A markdown table, metric rows × setting columns, for the CLI to print and report.md to embed."""
    settings = [s for s in report.get("evaluated", []) if isinstance(report.get(s), dict)]
    if not settings:
        return "(no results)"
    keys = [k for k in _ROW_ORDER if any(k in report[s] for s in settings)]
    keys += sorted({k for s in settings for k in report[s]} - set(keys))
    width = max(len("metric"), *(len(k) for k in keys))
    cols = [max(len(s), 7) for s in settings]
    lines = [
        "| "
        + "metric".ljust(width)
        + " | "
        + " | ".join(s.rjust(w) for s, w in zip(settings, cols, strict=True))
        + " |",
        "| " + "-" * width + " | " + " | ".join("-" * (w - 1) + ":" for w in cols) + " |",
    ]
    for k in keys:
        cells = [_fmt(k, report[s].get(k)).rjust(w) for s, w in zip(settings, cols, strict=True)]
        lines.append("| " + k.ljust(width) + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(text: Any, limit: int = 160) -> str:
    """Make arbitrary text safe inside a markdown table cell (pipes, newlines, length)."""
    if text is None:
        return ""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s.replace("\\", "\\\\").replace("|", "\\|")


def _badness(row: dict[str, Any]) -> float:
    if row["answerable"]:
        return 1.0 - float(row["scores"]["f1"] or 0.0)
    return 1.0 if row["predicted_answerable"] else 0.0


def worst_questions(report: dict[str, Any], setting: str, n: int = N_WORST) -> list[dict[str, Any]]:
    """The ``n`` worst-scored questions of a setting: lowest F1 / answered unanswerables, most confident first."""
    rows = [r for r in report.get("questions", []) if r["setting"] == setting and _badness(r) > 0]
    rows.sort(key=lambda r: (-_badness(r), -float(r["confidence"]), str(r["id"])))
    return rows[:n]


def _markdown(report: dict[str, Any], plots: Sequence[str]) -> str:
    ds = report["dataset"]
    idx = report.get("index", {})
    lines = [
        f"# articleqa evaluation: {ds['name']}",
        "",
        f"- dataset: `{ds['path']}` ({ds['format']}), {ds['n_questions_evaluated']} of "
        f"{ds['n_questions_total']} questions" + (f" (sample, seed {ds['seed']})" if ds.get("limit") else ""),
        f"- created: {report.get('created')}, articleqa {report.get('version')}",
        (
            f"- index: {'temporary' if idx.get('temporary') else idx.get('dir')}, "
            f"model {idx.get('model', '?')}, {idx.get('n_documents', '?')} documents, "
            f"{idx.get('n_chunks', '?')} chunks, build {_fmt('build_seconds', idx.get('build_seconds'))} s"
        ),
        f"- settings evaluated: {', '.join(report.get('evaluated', []))}; answers asked with top_k={EVAL_TOP_K}",
        "",
        "## Summary",
        "",
        summary_table(report),
        "",
        (
            "Scores are fractions (0..1). EM/F1 use the SQuAD normalisation, max over gold answers, over "
            "answerable questions (a declined answer scores 0). Recall@k: a gold answer inside one of the "
            "top-k passages."
        ),
        "",
    ]
    if plots:
        lines += ["## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots] + [""]
    for setting in report.get("evaluated", []):
        worst = worst_questions(report, setting)
        lines += [f"## {len(worst)} worst questions: {setting}", ""]
        if not worst:
            lines += ["Every question was answered correctly.", ""]
            continue
        lines += [
            "| id | question | gold | our answer | our quote | F1 | conf |",
            "| --- | --- | --- | --- | --- | ---: | ---: |",
        ]
        for r in worst:
            question = r["question"]
            if r["history"]:
                question = " → ".join([*r["history"], question])
            gold = " / ".join(r["gold"][:3]) if r["gold"] else "(unanswerable)"
            ours = r["answer"] if r["predicted_answerable"] else f"(declined) {r['answer']}"
            if r.get("error"):
                ours = f"(error) {r['error']}"
            f1 = r["scores"]["f1"]
            lines.append(
                f"| {_cell(r['id'], 40)} | {_cell(question)} | {_cell(gold, 100)} | {_cell(ours, 100)} | "
                f"{_cell(r['top_quote'], 200)} | {'—' if f1 is None else f'{f1:.2f}'} | {r['confidence']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_report(report: dict[str, Any], out: str | Path) -> list[str]:
    """Write report.json, report.md and the PNG plots into ``out``; return the file names written."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = _plots(report, out_dir)
    files = ["report.json", "report.md", *plots]
    report["files"] = files
    (out_dir / "report.md").write_text(_markdown(report, plots), encoding="utf-8")
    (out_dir / "report.json").write_text(
        json.dumps(_jsonable(report), indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8"
    )
    return files


_COLORS = {PER_DOC: "#1f77b4", CORPUS: "#d62728"}


def _plots(report: dict[str, Any], out_dir: Path) -> list[str]:
    """Recall@k curves, latency histograms and a reliability diagram, drawn with the Agg canvas.

    Uses matplotlib's object API (Figure + savefig) rather than pyplot, so no global backend is switched
    and nothing is shown -- safe inside the CLI, tests and a running UI alike.
    """
    settings = [s for s in report.get("evaluated", []) if isinstance(report.get(s), dict)]
    name = report["dataset"]["name"]
    return [
        _plot_recall(report, settings, name, out_dir),
        _plot_latency(report, settings, name, out_dir),
        _plot_calibration(report, settings, name, out_dir),
    ]


def _plot_recall(report: dict[str, Any], settings: list[str], name: str, out_dir: Path) -> str:
    """Answer recall@k, one line per setting."""
    from matplotlib.figure import Figure

    colors = _COLORS
    fig = Figure(figsize=(7, 4.8), dpi=120)
    ax = fig.add_subplot()
    drawn = False
    for i, s in enumerate(settings):
        ys = [report[s].get(f"retrieval.answer_recall_at_{k}") for k in RECALL_KS]
        if any(y is None for y in ys):
            continue
        drawn = True
        ax.plot(RECALL_KS, ys, marker="o", linewidth=2, color=colors.get(s), label=s)
        for k, y in zip(RECALL_KS, ys, strict=True):
            ax.annotate(
                f"{y:.2f}",
                (k, y),
                textcoords="offset points",
                xytext=(0, 8 if i % 2 == 0 else -16),
                ha="center",
                fontsize=9,
                color=colors.get(s),
            )
    ax.set_xticks(list(RECALL_KS))
    ax.set_xlim(0.5, RECALL_KS[-1] + 0.5)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("k (top passages retrieved)")
    ax.set_ylabel("answer recall@k (answerable questions)")
    ax.set_title(f"Answer recall@k: {name}")
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(loc="lower right")
    else:
        ax.text(0.5, 0.5, "no answerable questions", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(out_dir / "recall_at_k.png")
    return "recall_at_k.png"


def _panels(settings: list[str], height: float) -> tuple[Any, Any]:
    """A figure with one panel per setting, side by side."""
    from matplotlib.figure import Figure

    n = max(len(settings), 1)
    fig = Figure(figsize=(5.5 * n, height), dpi=120)
    return fig, fig.subplots(1, n, squeeze=False)[0]


def _save(fig: Any, title: str, out_dir: Path, filename: str) -> str:
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_dir / filename)
    return filename


def _plot_latency(report: dict[str, Any], settings: list[str], name: str, out_dir: Path) -> str:
    """Latency histograms, one panel per setting."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    colors = _COLORS
    fig, axes = _panels(settings, 4.2)
    for ax, s in zip(axes, settings, strict=False):
        lat = [r["latency_ms"] for r in report.get("questions", []) if r["setting"] == s]
        if lat:
            n_bins = min(40, max(5, len(lat) // 5))
            lo, hi = max(min(lat), 1e-3), max(lat)
            if (
                hi / lo > 20
            ):  # long tail: log-spaced bins on a log axis keep both the body and the tail legible
                edges = [lo * (hi / lo) ** (i / n_bins) for i in range(n_bins + 1)]
                ax.hist(lat, bins=edges, color=colors.get(s, "#555555"), alpha=0.8)
                ax.set_xscale("log")
                # Plain-number ticks at 1-2-5 steps; matplotlib's default log labels (2x10^1, ...) collide.
                ticks = [m * 10**e for e in range(-1, 7) for m in (1, 2, 5) if lo <= m * 10**e <= hi]
                ax.set_xticks(ticks)
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
                ax.xaxis.set_minor_formatter(NullFormatter())
                ax.set_xlabel("latency per question (ms, log scale)")
            else:
                ax.hist(lat, bins=n_bins, color=colors.get(s, "#555555"), alpha=0.8)
                ax.set_xlabel("latency per question (ms)")
            p50, p95 = report[s].get("latency_ms.p50"), report[s].get("latency_ms.p95")
            if p50 is not None:
                ax.axvline(p50, color="black", linestyle="--", label=f"p50 = {p50:.1f} ms")
            if p95 is not None:
                ax.axvline(p95, color="orange", linestyle="-", label=f"p95 = {p95:.1f} ms")
            ax.legend()
        ax.set_ylabel("questions")
        ax.set_title(f"{s} ({len(lat)} questions)")
        ax.grid(alpha=0.3)
    return _save(fig, f"ask() latency: {name}", out_dir, "latency.png")


def _plot_calibration(report: dict[str, Any], settings: list[str], name: str, out_dir: Path) -> str:
    """Reliability diagram, one panel per setting."""
    colors = _COLORS
    fig, axes = _panels(settings, 5)
    for ax, s in zip(axes, settings, strict=False):
        bins = report.get("calibration", {}).get(s, [])
        width = (bins[0]["hi"] - bins[0]["lo"]) if bins else 0.1
        ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
        dots: list[tuple[float, float]] = []
        for b in bins:
            if not b["count"]:
                continue
            center = (b["lo"] + b["hi"]) / 2
            ax.bar(
                center,
                b["accuracy"],
                width=width * 0.9,
                color=colors.get(s, "#555555"),
                alpha=0.75,
                edgecolor="black",
                linewidth=0.5,
            )
            dots.append((b["mean_confidence"], b["accuracy"]))
            ax.annotate(
                f"n={b['count']}",
                (center, b["accuracy"]),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                fontsize=7,
            )
        if dots:
            ax.plot(
                *zip(*dots, strict=True), "o", color="black", markersize=3, label="mean confidence in bin"
            )
        ece = report[s].get("calibration.ece")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.1)
        ax.set_xlabel("confidence")
        ax.set_ylabel(f"accuracy (answered with F1 ≥ {CORRECT_F1})")
        ax.set_title(f"{s}: ECE {'—' if ece is None else f'{ece:.3f}'}")
        ax.legend(loc="upper left")
        ax.grid(alpha=0.3)
    return _save(fig, f"Confidence vs accuracy: {name}", out_dir, "calibration.png")
