"""Pure scoring functions for the evaluation harness (no I/O, no model, no numpy).

Why a separate module: every number in a report comes from one of these small functions, so each can be
checked by hand in ``tests/test_metrics.py`` and reused by benchmarks or notebooks without building an
index. Answer scoring follows the official SQuAD v1.1 evaluation script exactly (normalisation, exact
match, token F1, max over gold answers) so our numbers are comparable with published SQuAD/NewsQA ones.

Conventions:
- Scores are fractions in ``0..1`` (not SQuAD's percentages).
- A ratio whose denominator is zero is ``0.0`` for precision/recall/F1 (scikit-learn's ``zero_division=0``)
  and ``None`` for means and percentiles of empty input, so a report never shows an invented number.
- "Gold" answers are lists of acceptable strings; an empty list means the question is unanswerable.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "AbstentionScores",
    "CalibrationBin",
    "abstention_scores",
    "calibration_bins",
    "contains_answer",
    "exact_match",
    "expected_calibration_error",
    "f1",
    "first_hit_rank",
    "max_over_gold",
    "mean",
    "normalize_answer",
    "percentile",
    "recall_at_k",
    "reciprocal_rank",
]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower-case, drop ASCII punctuation and the articles a/an/the, collapse whitespace.

    This is the official SQuAD v1.1 ``normalize_answer`` (same order of steps, same ASCII-only
    punctuation set), so "The Eiffel  Tower!" and "eiffel tower" compare equal.
    """
    lowered = text.lower()
    no_punct = "".join(ch for ch in lowered if ch not in _PUNCTUATION)
    no_articles = _ARTICLES.sub(" ", no_punct)
    return " ".join(no_articles.split())


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when the normalised strings are identical, else 0.0 (SQuAD ``exact_match_score``)."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    """Token-level F1 between normalised prediction and gold (SQuAD ``f1_score``).

    Tokens are whitespace-separated words after normalisation, counted with multiplicity. When either
    side normalises to nothing, the score is 1.0 only if both do (the SQuAD v2 convention), so an empty
    prediction never earns credit against a real answer.
    """
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = Counter(pred_tokens) & Counter(gold_tokens)
    n_same = sum(common.values())
    if n_same == 0:
        return 0.0
    precision = n_same / len(pred_tokens)
    recall = n_same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def max_over_gold(metric: Callable[[str, str], float], prediction: str, golds: Iterable[str]) -> float:
    """Best score of ``prediction`` against any acceptable gold answer; 0.0 when there is none."""
    return max((metric(prediction, g) for g in golds), default=0.0)


def _normalized_golds(golds: Iterable[str]) -> list[str]:
    # Golds that normalise to nothing (e.g. "the") would match every text; they carry no signal.
    return [n for n in (normalize_answer(g) for g in golds) if n]


def contains_answer(text: str, golds: Iterable[str], *, normalized: bool = False) -> bool:
    """True when some gold answer occurs in ``text`` after SQuAD normalisation, on word boundaries.

    Word boundaries matter: gold "9" must not be found inside "1990". ``normalized=True`` says ``text``
    is already normalised (the harness caches normalised passage texts to stay fast).
    """
    haystack = f" {text if normalized else normalize_answer(text)} "
    return any(f" {g} " in haystack for g in _normalized_golds(golds))


def first_hit_rank(
    ranked_texts: Sequence[str], golds: Iterable[str], *, normalized: bool = False
) -> int | None:
    """1-based rank of the first text containing a gold answer, or None (one pass serves recall@k and MRR)."""
    gold_list = _normalized_golds(golds)
    if not gold_list:
        return None
    for rank, text in enumerate(ranked_texts, start=1):
        haystack = f" {text if normalized else normalize_answer(text)} "
        if any(f" {g} " in haystack for g in gold_list):
            return rank
    return None


def recall_at_k(ranked_texts: Sequence[str], golds: Iterable[str], k: int) -> float:
    """1.0 when any of the top ``k`` texts contains a gold answer (answer recall, not document recall)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return float(first_hit_rank(ranked_texts[:k], golds) is not None)


def reciprocal_rank(ranked_texts: Sequence[str], golds: Iterable[str]) -> float:
    """1/rank of the first text containing a gold answer; 0.0 when none does (averaged, this is MRR)."""
    rank = first_hit_rank(ranked_texts, golds)
    return 0.0 if rank is None else 1.0 / rank


def mean(values: Iterable[float | int | bool]) -> float | None:
    """Arithmetic mean, or None for no values (a missing metric must not read as 0)."""
    items = [float(v) for v in values]
    return sum(items) / len(items) if items else None


@dataclass(frozen=True)
class AbstentionScores:
    """Abstention treated as a detector whose positive class is "abstained"."""

    precision: float
    recall: float
    f1: float
    n_abstained: int
    n_correct_abstentions: int
    n_unanswerable: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> AbstentionScores:
    """Precision/recall/F1 of declining to answer.

    precision = abstentions on unanswerable questions / all abstentions (do we decline only when right?);
    recall = abstentions on unanswerable questions / unanswerable questions (do we catch them all?).
    Zero denominators give 0.0.
    """
    if len(abstained) != len(answerable):
        raise ValueError("abstained and answerable must have the same length")
    n_abstained = sum(1 for a in abstained if a)
    n_unanswerable = sum(1 for ok in answerable if not ok)
    n_correct = sum(1 for a, ok in zip(abstained, answerable, strict=True) if a and not ok)
    precision = n_correct / n_abstained if n_abstained else 0.0
    recall = n_correct / n_unanswerable if n_unanswerable else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return AbstentionScores(precision, recall, f, n_abstained, n_correct, n_unanswerable)


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) with linear interpolation between closest ranks.

    Same definition as ``numpy.percentile``'s default, so p50 of [1, 2, 3, 4] is 2.5. None for no values.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    data = sorted(float(v) for v in values)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of a reliability diagram: confidences in ``[lo, hi)`` (the last bin includes 1.0)."""

    lo: float
    hi: float
    count: int
    mean_confidence: float | None
    accuracy: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def calibration_bins(
    confidences: Sequence[float], correct: Sequence[bool | float], n_bins: int = 10
) -> list[CalibrationBin]:
    """Equal-width confidence bins with each bin's mean confidence and observed accuracy.

    A calibrated system's accuracy in a bin equals its mean confidence there; empty bins report None so
    the plot can skip them instead of drawing a misleading zero. Confidences are clipped to ``0..1``.
    """
    if len(confidences) != len(correct):
        raise ValueError("confidences and correct must have the same length")
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    members: list[list[tuple[float, float]]] = [[] for _ in range(n_bins)]
    for conf, ok in zip(confidences, correct, strict=True):
        c = min(max(float(conf), 0.0), 1.0)
        members[min(int(c * n_bins), n_bins - 1)].append((c, float(ok)))
    bins = []
    for i, items in enumerate(members):
        bins.append(
            CalibrationBin(
                lo=i / n_bins,
                hi=(i + 1) / n_bins,
                count=len(items),
                mean_confidence=mean(c for c, _ in items),
                accuracy=mean(ok for _, ok in items),
            )
        )
    return bins


def expected_calibration_error(bins: Sequence[CalibrationBin]) -> float | None:
    """Count-weighted mean gap |accuracy - confidence| over bins (ECE); None when no predictions."""
    total = sum(b.count for b in bins)
    if not total:
        return None
    return sum(
        b.count / total * abs((b.accuracy or 0.0) - (b.mean_confidence or 0.0)) for b in bins if b.count
    )


# --------------------------------------------------------------------------------------------------
# Answer shapes (eval/shapes.jsonl): each shape scored as what it is, not as one short span.

# A gold key sentence counts as covered by an overview sentence, and a gold list item as found, at this token F1.
SHAPE_MATCH_F1 = 0.6
LIST_MATCH_F1 = 0.5


def overview_coverage(sentences: Sequence[str], key_sentences: Sequence[str]) -> float:
    """Share of the gold key sentences that one of the overview's sentences states (token F1 >= 0.6)."""
    if not key_sentences:
        return 0.0
    covered = sum(any(f1(s, k) >= SHAPE_MATCH_F1 for s in sentences) for k in key_sentences)
    return covered / len(key_sentences)


def set_scores(predicted: Sequence[str], gold_items: Sequence[Sequence[str]]) -> tuple[float, float, float]:
    """Set precision, recall and F1 of list items: a predicted item matches one gold item (any of its accepted
    forms, token F1 >= 0.5), each gold item matched at most once, best pairs first."""
    pairs = sorted(
        ((max(f1(p, g) for g in alts), i, j) for i, p in enumerate(predicted) for j, alts in enumerate(gold_items)
         if alts),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    for score, i, j in pairs:
        if score < LIST_MATCH_F1:
            break
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
    precision = len(used_p) / len(predicted) if predicted else 0.0
    recall = len(used_g) / len(gold_items) if gold_items else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)
