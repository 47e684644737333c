"""Fit the reader's confidence (``python -m articleqa.training.calibrate MODEL_DIR``) and store it in reader.json.

The data is the held-aside slices of the prepared training set — paragraphs the reader never trained on — asked
through the whole pipeline (index, retrieval, reader) as users ask: each question over its own paragraph, each
answerable one also over all held-aside paragraphs together, and the made-up unanswerable look-alikes (a
look-alike paragraph, the answer sentence removed, a name or number swapped) and people-written unanswerables
over their paragraph. "Right" means answer F1 ≥ 0.5, as in ``articleqa eval``. A logistic
model over the reader's signals is fitted (L2, Newton steps); the abstention threshold is the confidence that
maximises overall F1 on the same data. Evaluation sets are never used here.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .. import metrics as M
from ..answer.confidence import SIGNALS
from ..config import Settings
from .data import PreparedSet, QAExample


def held_aside(prepared: str, limit: int, seed: int) -> list[QAExample]:
    """The held-aside slices of the prepared set(s) the reader was trained from (paragraphs it never saw)."""
    examples = [e for p in prepared.split(",") if p.strip() for e in PreparedSet.load(Path(p.strip())).heldout]
    if limit and len(examples) > limit:
        examples = random.Random(seed).sample(examples, limit)
    return examples


def collect(model_dir: Path, prepared: str, seed: int, read_passages: int, limit: int = 0) -> list[dict[str, Any]]:
    """One row per asked question: its signals, whether the best span was right, and its F1."""
    from ..assistant import Assistant
    from ..ingest import document_from_text

    heldout = held_aside(prepared, limit, seed)
    docs = {}
    for e in heldout:
        docs.setdefault(e.context, document_from_text(e.context, source=f"pool:{e.group}", title=e.group, clean=False))
    settings = replace(Settings.from_env(), reader_model=str(model_dir), abstain_threshold=0.0,
                       read_passages=read_passages, answer_cache=0)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="articleqa-calibrate-") as tmp:
        qa = Assistant.build(list(docs.values()), index_dir=Path(tmp) / "index", settings=settings)
        for e in tqdm(heldout, desc="asking the held-aside questions", mininterval=10, file=sys.stderr):
            own = docs[e.context].doc_id
            asks = [("per_doc", [own])] + ([("corpus", None)] if e.kind == "answerable" else [])
            for setting, doc_ids in asks:
                a = qa.ask(e.question, doc_ids=doc_ids)
                gold = list(e.answers)
                f1 = M.max_over_gold(M.f1, a.text, gold) if gold and a.answerable else 0.0
                rows.append({"setting": setting, "answerable": bool(gold), "signals": a.signals,
                             "right": bool(gold) and f1 >= 0.5, "f1": f1, "kind": e.kind, "source": e.source})
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (bias first) of an L2-regularised logistic regression, by Newton's method."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = np.eye(xb.shape[1]) * l2
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def ece(conf: np.ndarray, right: np.ndarray, bins: int = 10) -> float:
    b = M.calibration_bins(list(map(float, conf)), list(map(bool, right)), bins)
    return float(M.expected_calibration_error(b) or 0.0)


def best_threshold(conf: np.ndarray, rows: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """The confidence cut that maximises overall F1 (declining an unanswerable question scores 1)."""
    best = (0.5, -1.0)
    for t in np.round(np.arange(0.05, 0.95, 0.01), 2):
        scores = [
            (r["f1"] if c >= t else 0.0) if r["answerable"] else float(c < t)
            for c, r in zip(conf, rows, strict=True)
        ]
        if np.mean(scores) > best[1]:
            best = (float(t), float(np.mean(scores)))
    return best


def calibrate(model_dir: Path, prepared: str, seed: int = 13, read_passages: int = 2, limit: int = 0,
              rows_out: Path | None = None) -> dict[str, Any]:
    rows = collect(model_dir, prepared, seed, read_passages, limit)
    if rows_out:
        rows_out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    x = np.array([[float(r["signals"].get(k, 0.0)) for k in SIGNALS] for r in rows])
    y = np.array([float(r["right"]) for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    # Cross-validated ECE first (two halves by row order, which follows paragraphs), then the fit on all rows.
    half = len(rows) // 2
    held_conf = []
    for train_idx, test_idx in ((slice(half, None), slice(0, half)), (slice(0, half), slice(half, None))):
        w = fit_logistic((x[train_idx] - mean) / scale, y[train_idx])
        held_conf.append(1 / (1 + np.exp(-(w[0] + ((x[test_idx] - mean) / scale) @ w[1:]))))
    cv_ece = ece(np.concatenate(held_conf), y)
    w = fit_logistic((x - mean) / scale, y)
    # Back to raw signal units: z = b + Σ w_k (x_k − μ_k)/σ_k.
    weights = {k: float(w[i + 1] / scale[i]) for i, k in enumerate(SIGNALS)}
    weights["bias"] = float(w[0] - sum(w[i + 1] * mean[i] / scale[i] for i in range(len(SIGNALS))))
    conf = 1 / (1 + np.exp(-(weights["bias"] + x @ np.array([weights[k] for k in SIGNALS]))))
    threshold, overall_f1 = best_threshold(conf, rows)
    result = {
        "calibration": {k: round(v, 5) for k, v in weights.items()},
        "threshold": threshold,
        "calibration_fit": {
            "rows": len(rows), "right_rate": round(float(y.mean()), 4), "cv_ece": round(cv_ece, 4),
            "fit_ece": round(ece(conf, y), 4), "overall_f1_at_threshold": round(overall_f1, 4),
            "read_passages": read_passages,
            "data": f"held-aside slices of {prepared} (seed {seed}{f', {limit} sampled' if limit else ''})",
        },
    }
    spec_path = model_dir / "reader.json"
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    spec.update(result)
    spec_path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m articleqa.training.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--prepared", required=True, help="the prepared set(s) the reader was trained on, comma-separated")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--read-passages", type=int, default=2, help="as Settings.read_passages: calibrate as it is used")
    parser.add_argument("--limit", type=int, default=0, help="ask only this many held-aside questions")
    parser.add_argument("--rows", type=Path, default=None, help="also write the asked rows here (JSONL), for study")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(calibrate(args.model_dir, args.prepared, args.seed, args.read_passages, args.limit, args.rows),
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
