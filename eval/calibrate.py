"""Fit the confidence weights and the abstention threshold (answer.CONFIDENCE_WEIGHTS, Settings.abstain_threshold).

    .venv/bin/python eval/calibrate.py ../shared/datasets/squad2-dev-sample.json

Asks every SQuAD 2.0 question over its own paragraph (and off-topic questions over the bundled article)
with abstention switched off, then fits a logistic model "answerable?" over Answer.signals and picks the
threshold with the best abstention F1 among those that answer ≥ 80% of answerable questions (the product
default is lower, to answer ≥ 90%; see README "Abstention"). Reports
5-fold out-of-fold figures too, so the printed numbers are not only in-sample.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from articleqa import Assistant, Settings
from articleqa.ingest import document_from_text

ROOT = Path(__file__).resolve().parent.parent
OFF_TOPIC = [
    "Who won the 2022 World Cup?", "What is the boiling point of water?", "Who painted the Mona Lisa?",
    "How many moons does Jupiter have?", "When did the Berlin Wall fall?", "What is the capital of Australia?",
    "Who wrote Pride and Prejudice?", "What is the price of bitcoin?", "Which team won the Super Bowl?",
    "What is the recipe for lasagna?", "Who is the CEO of Apple?", "How tall is Mount Everest?",
]
FEATURES = ["sim", "overlap", "typed", "untyped", "coverage", "margin", "passage_coverage"]


def collect(dataset: Path) -> tuple[np.ndarray, np.ndarray]:
    settings = Settings.from_env(abstain_threshold=0.0)
    data = json.loads(dataset.read_text())
    rows, labels = [], []
    with tempfile.TemporaryDirectory() as tmp:
        docs, questions = [], []
        for article in data["data"]:
            for para in article["paragraphs"]:
                doc = document_from_text(para["context"], source="squad", title=article.get("title", ""), clean=False)
                docs.append(doc)
                for qa in para["qas"]:
                    questions.append((qa["question"], doc.doc_id, not qa.get("is_impossible", False)))
        assistant = Assistant.build(docs, index_dir=Path(tmp) / "squad", settings=settings)
        for question, doc_id, answerable in questions:
            answer = assistant.ask(question, doc_ids=[doc_id])
            rows.append([answer.signals.get(f, 0.0) for f in FEATURES])
            labels.append(1.0 if answerable else 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant.build([str(ROOT / "articles")], index_dir=Path(tmp) / "idx", settings=settings)
        for question in OFF_TOPIC:
            answer = assistant.ask(question)
            rows.append([answer.signals.get(f, 0.0) for f in FEATURES])
            labels.append(0.0)
    return np.array(rows), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (a handful of features, converges in ~10 steps)."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = l2 * np.eye(xb.shape[1])
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb / len(y) + reg
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if np.max(np.abs(step)) < 1e-6:
            break
    return w


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.hstack([np.ones((len(x), 1)), x]) @ w)))


def abstention(p: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    declined = p < threshold
    tp = float(np.sum(declined & (y == 0)))
    prec = tp / max(1, declined.sum())
    rec = tp / max(1, (y == 0).sum())
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    answer_rate = float(np.mean(~declined[y == 1]))
    return f1, answer_rate


def best_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    best = (0.0, 0.0, 0.0)
    for t in np.linspace(0.05, 0.95, 91):
        f1, rate = abstention(p, y, t)
        if rate >= 0.8 and f1 > best[1]:
            best = (float(t), f1, rate)
    return best


def main() -> None:
    x, y = collect(Path(sys.argv[1]))
    if len(sys.argv) > 2:
        np.savez(sys.argv[2], x=x, y=y)
    w = fit(x, y)
    t, f1, rate = best_threshold(predict(w, x), y)
    print("weights:", {"bias": round(w[0], 3), **{f: round(v, 3) for f, v in zip(FEATURES, w[1:], strict=True)}})
    print(f"in-sample: threshold {t:.2f}, abstention F1 {f1:.3f}, answer rate on answerable {rate:.3f}")
    rng = np.random.default_rng(0)
    folds = rng.permutation(len(y)) % 5
    oof = np.zeros(len(y))
    for k in range(5):
        wk = fit(x[folds != k], y[folds != k])
        oof[folds == k] = predict(wk, x[folds == k])
    f1_oof, rate_oof = abstention(oof, y, t)
    print(f"5-fold out-of-fold at that threshold: abstention F1 {f1_oof:.3f}, answer rate {rate_oof:.3f}")


if __name__ == "__main__":
    main()
