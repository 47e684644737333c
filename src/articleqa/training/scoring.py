"""Reading a set of examples with a model in training and scoring it (the learning curve's points)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..metrics import f1, max_over_gold
from .data import QAExample
from .features import MAX_ANSWER_TOKENS, collate, featurize


def f1_score(prediction: str, gold: Sequence[str]) -> float:
    """SQuAD F1, max over gold answers; an empty gold list means "no answer"."""
    return max_over_gold(f1, prediction, gold) if gold else float(not prediction)


def best_spans(start: np.ndarray, end: np.ndarray, offsets: Sequence[Any], top: int = 1) -> list[tuple[float, int, int]]:
    """Best (score, char_start, char_end) spans of one window: start ≤ end, inside the context, ≤ 30 tokens."""
    valid = np.array([o is not None for o in offsets])
    s_scores = np.where(valid, start, -1e9)
    e_scores = np.where(valid, end, -1e9)
    n = len(offsets)
    grid = s_scores[:, None] + e_scores[None, :]
    i, j = np.indices((n, n))
    grid = np.where((j >= i) & (j - i < MAX_ANSWER_TOKENS), grid, -1e9)
    flat = np.argsort(grid, axis=None)[::-1][:top]
    out = []
    for k in flat:
        a, b = divmod(int(k), n)
        if grid[a, b] <= -1e8:
            break
        out.append((float(grid[a, b]), offsets[a][0], offsets[b][1]))
    return out


def predict(model: Any, tokenizer: Any, examples: Sequence[QAExample], batch_size: int = 32,
            device: str = "cpu", bf16: bool = False) -> list[tuple[str, float]]:
    """(answer text, span score − no-answer score) per example, reading every window of its context."""
    import torch

    features, windows = featurize(tokenizer, examples, with_labels=False)
    best: dict[int, tuple[float, str]] = {}
    null: dict[int, float] = {}
    model.eval()
    with torch.no_grad(), torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=bf16):
        order = sorted(range(len(features)), key=lambda j: len(features[j].input_ids))
        for k in range(0, len(order), batch_size):
            idx = order[k : k + batch_size]
            batch = collate([features[j] for j in idx], device)
            out = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"],
                        attention_mask=batch["attention_mask"])
            starts = out.start_logits.float().cpu().numpy()
            ends = out.end_logits.float().cpu().numpy()
            for r, j in enumerate(idx):
                n = len(features[j].input_ids)
                s = starts[r, :n]
                e = ends[r, :n]
                w = windows[j]
                ex = w["example"]
                null[ex] = min(null.get(ex, math.inf), float(s[0] + e[0]))
                spans = best_spans(s, e, w["offsets"])
                if spans and spans[0][0] > best.get(ex, (-math.inf, ""))[0]:
                    score, c0, c1 = spans[0]
                    best[ex] = (score, examples[ex].context[c0:c1])
    model.train()
    return [(best.get(i, (0.0, ""))[1], best.get(i, (-math.inf, ""))[0] - null.get(i, 0.0)) for i in range(len(examples))]


def score_set(model: Any, tokenizer: Any, examples: Sequence[QAExample], device: str = "cpu",
              bf16: bool = False) -> dict[str, float]:
    preds = predict(model, tokenizer, examples, batch_size=64 if device != "cpu" else 32, device=device, bf16=bf16)
    has = [e for e in examples if e.answers]
    f1_best = [f1_score(p, e.answers) for (p, _), e in zip(preds, examples, strict=True) if e.answers]
    overall = [f1_score(p if margin > 0 else "", e.answers) for (p, margin), e in zip(preds, examples, strict=True)]
    no = [margin <= 0 for (_, margin), e in zip(preds, examples, strict=True) if not e.answers]
    return {
        "n": len(examples),
        "f1_answerable_best_span": float(np.mean(f1_best)) if has else 0.0,
        "f1_overall_at_0": float(np.mean(overall)) if overall else 0.0,
        "no_answer_accuracy_at_0": float(np.mean(no)) if no else 0.0,
    }
