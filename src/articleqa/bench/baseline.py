"""The yardstick: plain sentence-transformers + ``IndexFlatIP`` on fixed-size chunks, no pipeline around it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..metrics import contains_answer, normalize_answer
from . import _internal
from .common import BenchQuestion, Corpus, ratio, summarize

BASELINE_WORDS = 150


def fixed_chunks(text: str, words: int = BASELINE_WORDS) -> list[str]:
    toks = text.split()
    return [" ".join(toks[i : i + words]) for i in range(0, len(toks), words)] or ([text] if text.strip() else [])


def _ask_all(
    st_model: Any, index: Any, norm_texts: Sequence[str], questions: Sequence[BenchQuestion], k: int,
    n_threads: int | None,
) -> tuple[list[float], list[bool]]:
    """Encode + search per question, timed; whether a gold answer is in the top ``k`` fixed chunks."""
    lat: list[float] = []
    hits: list[bool] = []
    with _internal.torch_threads(n_threads):
        st_model.encode(["warm up"], normalize_embeddings=True, show_progress_bar=False)
        for q in questions:
            t = time.perf_counter()
            qv = st_model.encode([q.question], normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
            _scores, ids = index.search(np.ascontiguousarray(qv, dtype=np.float32), k)
            lat.append((time.perf_counter() - t) * 1000)
            if q.norm_answers:
                hits.append(any(contains_answer(norm_texts[i], q.norm_answers, normalized=True)
                                for i in ids[0] if i >= 0))
    return lat, hits


def run_baseline(
    corpus: Corpus, st_model: Any, k: int = 5, threads: int | None = None, n_default_threads: int = 50
) -> dict[str, Any]:
    """Plain sentence-transformers + IndexFlatIP on fixed-size chunks; question = encode + search only."""
    import faiss

    t0 = time.perf_counter()
    texts = [c for d in corpus.documents for c in fixed_chunks(d.text)]
    t1 = time.perf_counter()
    vecs = st_model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    t2 = time.perf_counter()
    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(np.ascontiguousarray(vecs, dtype=np.float32))
    t3 = time.perf_counter()
    norm_texts = [normalize_answer(t) for t in texts]
    lat, hits = _ask_all(st_model, index, norm_texts, corpus.questions, k, threads)
    lat_default, _ = _ask_all(st_model, index, norm_texts, corpus.questions[:n_default_threads], k, None)
    total = t3 - t0
    return {
        "chunking": f"fixed {BASELINE_WORDS} words, no overlap, no sentence awareness",
        "n_chunks": len(texts),
        "seconds": {"chunking": round(t1 - t0, 3), "embedding": round(t2 - t1, 3), "index": round(t3 - t2, 3),
                    "total": round(total, 3)},
        "chunks_per_s": round(len(texts) / total, 2),
        "documents_per_s": round(len(corpus.documents) / total, 2),
        "question_ms": summarize(lat),
        "question_threads": threads,
        "question_ms_library_default_threads": summarize(lat_default),
        f"answer_recall_at_{k}": round(float(np.mean(hits)), 4) if hits else None,
    }


def compare_with_baseline(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, float | None]:
    """Ours ÷ baseline for throughput and latency; the recall difference (ours − baseline)."""
    ix, asked = ours["indexing"], ours["questions"]
    ours_q = asked["latency_ms"].get("total", {})
    recall, base_recall = asked.get("answer_recall_at_5"), base.get("answer_recall_at_5")
    return {
        "indexing_chunks_per_s": ratio(ix["chunks_per_s"], base["chunks_per_s"]),
        "indexing_documents_per_s": ratio(ix["documents_per_s"], base["documents_per_s"]),
        "question_p50": ratio(ours_q.get("p50"), base["question_ms"]["p50"]),
        "question_p95": ratio(ours_q.get("p95"), base["question_ms"]["p95"]),
        "answer_recall_at_5_delta": (
            round(recall - base_recall, 4) if recall is not None and base_recall is not None else None
        ),
    }
