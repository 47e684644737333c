"""Small pieces every benchmark shares: the latency summary, peak memory, progress lines, question records."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics import normalize_answer, percentile

STAGES = (
    "analysis", "question_embedding", "dense_search", "bm25", "sentence_search", "fusion", "reader", "citations",
    "total",
)
COLD_QUESTION = "Where are the talks held?"
FALLBACK_QUESTIONS = (
    "Where are the talks held?", "Who confirmed the meeting?", "When will the officials meet?",
    "What did the spokesman say?", "Why were the talks moved?",
)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    VmHWM from /proc when there is one: ``ru_maxrss`` survives exec on Linux, so a worker started from a
    process holding the model would report its parent's peak. Elsewhere ``ru_maxrss`` (KiB on Linux).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except (OSError, ValueError):
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def reset_peak_rss() -> bool:
    """Start the peak (VmHWM) again from the current resident size, so the next peak_rss_mb() is one step's,
    not the process's whole life (Linux: "5" into /proc/self/clear_refs). False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def summarize(values: Sequence[float]) -> dict[str, float | int | None]:
    """p50/p95/mean/max of a list of milliseconds (None when empty); percentiles as in the eval report."""
    if not len(values):
        return {"n": 0, "p50": None, "p95": None, "mean": None, "max": None}
    arr = np.asarray(values, dtype=np.float64)
    return {
        "n": len(arr),
        "p50": _rounded(percentile(arr.tolist(), 50), 3),
        "p95": _rounded(percentile(arr.tolist(), 95), 3),
        "mean": round(float(arr.mean()), 3),
        "max": round(float(arr.max()), 3),
    }


def median(values: Sequence[float]) -> float | None:
    """The 50th percentile (None for no values): one definition for every number the bench reports."""
    return percentile(values, 50)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def say(progress: bool, msg: str) -> None:
    """A progress line on stderr: stdout stays free for whatever the caller prints."""
    if progress:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def dir_bytes(path: Path) -> dict[str, int]:
    return {str(p.relative_to(path)): p.stat().st_size for p in sorted(path.rglob("*")) if p.is_file()}


@dataclass
class BenchQuestion:
    question: str
    answers: list[str]
    norm_answers: list[str] = field(default_factory=list)  # empty: no gold answer to score recall with

    def __post_init__(self) -> None:
        self.norm_answers = [n for n in (normalize_answer(a) for a in self.answers) if n]


@dataclass
class Corpus:
    name: str
    documents: list[Any]
    questions: list[BenchQuestion]
    note: str = ""


def question_texts(questions: Sequence[BenchQuestion]) -> list[str]:
    """The questions' texts, or a few generic ones so a corpus without a question set can still be timed."""
    return [q.question for q in questions] or list(FALLBACK_QUESTIONS)
