"""Written answers through the public API: time to first token, decode speed, and how often the model's answer
held up (verified citations) — measured only when a language model is configured (``--llm-url``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..answer.written import UNSOURCED, UNSUPPORTED
from ..config import Settings
from .common import median, summarize


def written_answers(index_dir: Path, settings: Settings, questions: Sequence[str], n: int = 20) -> dict[str, Any]:
    """Ask ``n`` questions with ``Assistant.stream`` as the chat does; the first piece's arrival is what a user
    waits for."""
    from .. import Assistant

    qa = Assistant.open(index_dir, settings=settings)
    first_ms: list[float] = []
    total_ms: list[float] = []
    rates: list[float] = []
    written = unsourced = unsupported = failed = 0
    asked = list(questions)[:n]
    for q in asked:
        t0 = time.perf_counter()
        first: float | None = None
        answer = None
        for item in qa.stream(q):
            if isinstance(item, str):
                first = first if first is not None else (time.perf_counter() - t0) * 1000
            else:
                answer = item
        total_ms.append((time.perf_counter() - t0) * 1000)
        if first is not None:
            first_ms.append(first)
        if answer is not None and "llm_tokens_per_s" in answer.timings_ms:  # the model answered, cited or not
            rates.append(answer.timings_ms["llm_tokens_per_s"])
        if answer is not None and answer.generated_by:
            written += 1
        elif answer is not None and answer.notice:
            unsourced += UNSOURCED in answer.notice
            unsupported += UNSUPPORTED in answer.notice
            failed += UNSOURCED not in answer.notice and UNSUPPORTED not in answer.notice
    return {
        "model": settings.llm_model,
        "url": settings.llm_url,
        "n_questions": len(asked),
        "first_token_ms": summarize(first_ms),
        "answer_ms": summarize(total_ms),
        "tokens_per_s_median": median(rates),
        "written": written,
        "unsourced_replaced": unsourced,
        "unsupported_replaced": unsupported,
        "failed": failed,
    }


def markdown(report: dict[str, Any]) -> list[str]:
    w = report.get("llm")
    if not w:
        return []
    ft, at = w["first_token_ms"], w["answer_ms"]
    return [
        f"## Written answers ({w['model']} at {w['url']})", "",
        f"{w['n_questions']} questions through `Assistant.stream` (retrieval + reader + the model): time to first "
        f"token p50 {ft['p50']} ms / p95 {ft['p95']} ms; whole answer p50 {at['p50']} ms; decode "
        f"{w['tokens_per_s_median']} tokens/s (median). Written and sourced: {w['written']}; replaced by the "
        f"extractive answer for lack of a verified citation: {w['unsourced_replaced']}, because the cited sentences "
        f"do not say it: {w.get('unsupported_replaced', 0)}; model failed: {w['failed']}.",
        "",
    ]
