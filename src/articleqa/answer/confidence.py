"""How likely the reader's best span is the right answer, as a calibrated probability.

The reader's span-vs-no-answer margin is the main evidence; retrieval adds how close the passage it came from is
to the question. A logistic model over these signals is fitted by ``articleqa.answer.calibrate`` on the training
pool's held-aside slice (answerable questions, SQuAD2-style negatives, look-alike passages) and stored in the
model's reader.json — never on an evaluation set. Abstention is a threshold on the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..records import Passage
from .reader import Reading

SIGNALS = ("margin", "own_margin", "span_score", "dense", "top_dense", "rank", "answer_words")


def answer_signals(reading: Reading, passages: Sequence[Passage], answer_text: str) -> dict[str, float]:
    best = reading.best
    if best is None:
        return {}
    passage = passages[best.passage]
    top_dense = max((float(p.scores.get("dense", 0.0)) for p in passages), default=0.0)
    return {
        "margin": best.score - reading.min_null,
        "own_margin": best.score - best.null_score,
        "span_score": best.score,
        "dense": float(passage.scores.get("dense", 0.0)),
        "top_dense": top_dense,
        "rank": 1.0 / (best.passage + 1),
        "answer_words": math.log1p(len(answer_text.split())),
    }


def calibrated(signals: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """P(answer right) = logistic(bias + Σ weight·signal); with no fitted weights, the raw margin squashed."""
    if not signals:
        return 0.0
    if not weights:
        z = signals["margin"]
    else:
        z = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * float(v) for k, v in signals.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
