"""Scoring for the evaluation harness: one row per asked question, and a setting's metrics from its rows.

Why it recomputes everything: a report is only as good as its measurement, so quotes are re-checked against
the stored document text and golds matched with the official SQuAD normalisation -- never copied from what
the Answer says about itself. Row and metric keys are listed in docs/evaluation.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import metrics as M
from ..answer.citations import quote_is_verbatim
from ..answer.written import UNSOURCED, UNSUPPORTED, strip_markers
from .datasets import SHAPES, EvalQuestion

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..records import Answer, Citation

RECALL_KS: tuple[int, ...] = (1, 3, 5, 10)
# Ask for this many passages so recall@10 is measurable (the answer stage still cites a few quotes).
EVAL_TOP_K = 10
CORRECT_F1 = 0.5
N_CALIBRATION_BINS = 10


class Scorer:
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
            **question_fields(q, setting),
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
            **({"llm": llm_row(q, a, prediction, citations)} if self.qa_writes else {}),
        }

    @property
    def qa_writes(self) -> bool:
        """A language model writes the answers: score what only written answers have."""
        return getattr(self.qa, "generator", None) is not None


def llm_row(q: EvalQuestion, a: Answer, prediction: str, citations: Sequence[Citation]) -> dict[str, Any]:
    """A written answer's row: what the model wrote and what the reader extracted (F1 of each), whether it
    was shown, unsourced, unsupported or failed, and how many of its cited quotes hold a gold answer."""
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


def question_fields(q: EvalQuestion, setting: str) -> dict[str, Any]:
    """What every report row says about its question, answered or failed."""
    return {"id": q.id, "setting": setting, "question": q.question, "history": list(q.history), "doc_id": q.doc_id,
            "gold": list(q.answers)}


def error_row(q: EvalQuestion, setting: str, latency_ms: float, exc: BaseException) -> dict[str, Any]:
    # One failing question must not sink a 15-minute run; it is scored as a wrong, unanswered question.
    empty = (
        {"em": 0.0, "f1": 0.0, "hit_at_1": 0.0, "rr": 0.0}
        if q.answerable
        else dict.fromkeys(("em", "f1", "hit_at_1", "rr"))
    )
    return {
        **question_fields(q, setting),
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


def aggregate(rows: Sequence[dict[str, Any]], build_seconds: float | None = None) -> dict[str, Any]:
    """Per-setting metrics (flat dotted keys, listed in docs/evaluation.md) from the question rows."""
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
        out.update(llm_metrics(rows))
    return out


def llm_metrics(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
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
