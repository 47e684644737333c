"""Fit answer.SENTENCE_WEIGHTS: which sentence of the retrieved passages holds the answer.

    .venv/bin/python eval/fit_sentences.py ../shared/datasets/newsqa-dev.json

Stories are split in two halves by a fixed seed: weights are fitted on one half's questions (per-story
setting) and hit@1 of the best sentence is reported on the other half, before and after.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from articleqa import Assistant, Settings
from articleqa.answer import SENTENCE_WEIGHTS, candidate_sentences, sentence_features
from articleqa.ingest import document_from_text
from articleqa.metrics import contains_answer
from articleqa.nlp import parse_many
from articleqa.question import classify

FEATURES = ["sim", "overlap", "prior", "lead", "typed"]


def collect(path: Path, n_stories: int) -> list[tuple[np.ndarray, np.ndarray, int]]:
    data = json.loads(path.read_text())
    paragraphs = [p for art in data["data"] for p in art["paragraphs"]]
    random.Random(0).shuffle(paragraphs)
    paragraphs = paragraphs[:n_stories]
    docs = [document_from_text(p["context"], source=f"s{i}", title=p["context"][:50], clean=False)
            for i, p in enumerate(paragraphs)]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        qa = Assistant.build(docs, index_dir=Path(tmp) / "i", settings=Settings.from_env(abstain_threshold=0.0))
        for i, (para, doc) in enumerate(zip(paragraphs, docs, strict=True)):
            for q in para["qas"]:
                golds = [a["text"] for a in q["answers"]]
                answer = qa.ask(q["question"], doc_ids=[doc.doc_id], top_k=5)
                info = classify(q["question"])
                sents = candidate_sentences(answer.passages, 5)
                if not sents:
                    continue
                # the similarities the answer stage uses: stored sentence vectors against the question
                sims = np.array([s.sim if s.sim is not None else 0.0 for s in sents], dtype=np.float32)
                sentence_features(info, sents, sims)
                if info.expected:
                    for s, d in zip(sents, parse_many([s.text for s in sents]), strict=True):
                        s.features["typed"] = float(any(e.label_ in info.expected for e in d.ents))
                x = np.array([[s.features[f] for f in FEATURES] for s in sents])
                y = np.array([float(contains_answer(s.text, golds)) for s in sents])
                out.append((x, y, i))
    return out


def hit_at_1(groups, w: np.ndarray) -> float:
    hits = [y[int(np.argmax(x @ w))] for x, y, _ in groups]
    return float(np.mean(hits))


def fit(groups, l2: float = 1e-3) -> np.ndarray:
    x = np.vstack([g[0] for g in groups])
    y = np.concatenate([g[1] for g in groups])
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y) + l2 * np.r_[0, w[1:]]
        hess = (xb * (p * (1 - p))[:, None]).T @ xb / len(y) + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w[1:]


def main() -> None:
    groups = collect(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 160)
    train = [g for g in groups if g[2] % 2 == 0]
    test = [g for g in groups if g[2] % 2 == 1]
    current = np.array([SENTENCE_WEIGHTS[f] for f in FEATURES])
    w = fit(train)
    scale = w / np.abs(w).sum()
    print("fitted (normalised to sum |w| = 1):", {f: round(float(v), 3) for f, v in zip(FEATURES, scale, strict=True)})
    print(f"held-out hit@1 of the best sentence: current {hit_at_1(test, current):.3f}, fitted {hit_at_1(test, w):.3f}"
          f" ({len(test)} questions); train {hit_at_1(train, current):.3f} → {hit_at_1(train, w):.3f}")


if __name__ == "__main__":
    main()
