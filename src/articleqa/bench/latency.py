"""Question latency per stage, as ``Assistant.ask`` reports it in ``Answer.timings_ms``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArticleQAError
from ..metrics import contains_answer, normalize_answer
from .common import COLD_QUESTION, STAGES, BenchQuestion, summarize


def stage_latencies(answers_timings: Sequence[dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Per-stage summaries over many answers' ``timings_ms`` (stages an answer did not run are left out)."""
    per_stage: dict[str, list[float]] = {s: [] for s in STAGES}
    for timings in answers_timings:
        for stage in STAGES:
            if stage in timings:
                per_stage[stage].append(float(timings[stage]))
    return {s: summarize(v) for s, v in per_stage.items() if v}


def _cost_centres(stages: dict[str, dict[str, Any]], n: int = 3) -> list[str]:
    ranked = sorted(
        ((s, v["p50"]) for s, v in stages.items() if s != "total" and v["p50"] is not None), key=lambda x: -x[1]
    )
    return [s for s, _ in ranked[:n]]


def ask_questions(qa: Any, questions: Sequence[BenchQuestion], k: int = 5) -> dict[str, Any]:
    """Ask each question once (corpus setting); per-stage latency and answer-recall@k of the passages."""
    # the first question pays for lazy loading (spaCy, model); not billed to the sample
    with contextlib.suppress(ArticleQAError):
        qa.ask(questions[0].question if questions else COLD_QUESTION, top_k=k)
    timings: list[dict[str, float]] = []
    wall: list[float] = []
    hits: list[bool] = []
    for q in questions:
        t = time.perf_counter()
        answer = qa.ask(q.question, top_k=k)
        wall.append((time.perf_counter() - t) * 1000)
        timings.append(answer.timings_ms)
        if q.norm_answers:
            texts = [normalize_answer(p.chunk.text) for p in answer.passages[:k]]
            hits.append(any(contains_answer(t, q.norm_answers, normalized=True) for t in texts))
    stages = stage_latencies(timings)
    return {
        "n_questions": len(questions),
        "latency_ms": stages,
        "wall_ms": summarize(wall),
        "cost_centres_p50": _cost_centres(stages),
        f"answer_recall_at_{k}": round(float(np.mean(hits)), 4) if hits else None,
        "n_with_gold": len(hits),
    }
