"""Question → ranked Passages: dense (FAISS) and BM25 candidates, fused, optionally within some documents."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .records import Passage, SentenceScore
from .store import Snapshot

RRF_K = 60


@dataclass
class Retrieval:
    passages: list[Passage]
    timings_ms: dict[str, float]


def _minmax(values: dict[int, float]) -> dict[int, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    span = hi - lo
    return {k: (v - lo) / span if span > 1e-9 else 1.0 for k, v in values.items()}


def fuse(
    dense: dict[int, float], lexical: dict[int, float], method: str, dense_weight: float = 0.5
) -> dict[int, float]:
    """Combine per-row scores: reciprocal rank fusion, a weighted sum of min-max scores, or one side."""
    if method == "dense":
        return dict(dense)
    if method == "bm25":
        return dict(lexical)
    if method == "weighted":
        d, b = _minmax(dense), _minmax(lexical)
        return {r: dense_weight * d.get(r, 0.0) + (1 - dense_weight) * b.get(r, 0.0) for r in set(d) | set(b)}
    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, row in enumerate(sorted(ranking, key=lambda r: -ranking[r])):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
    return fused


def _sentences_of(snapshot: Snapshot, row: int, query_vector: np.ndarray) -> list[SentenceScore]:
    spans, vectors = snapshot.chunk_sentences(row)
    sims = np.asarray(vectors, dtype=np.float32) @ query_vector
    return [SentenceScore(int(a), int(b), float(sim)) for (a, b), sim in zip(np.asarray(spans), sims, strict=True)]


def _with_dense_scores(snapshot: Snapshot, rows: Sequence[int], dense: dict[int, float], query_vector: np.ndarray) -> None:
    """Rows without a dense score get their chunk's similarity: fusion then compares like with like."""
    missing = [r for r in rows if r not in dense]
    if missing:
        sims = snapshot.chunk_similarities(missing, query_vector)
        dense.update({r: float(s) for r, s in zip(missing, sims, strict=True)})


def _with_best_sentence(snapshot: Snapshot, dense: dict[int, float], query_vector: np.ndarray,
                        sentence_weight: float) -> dict[int, float]:
    """A chunk is as relevant as its pooled meaning and its best sentence: one precise sentence in a long chunk
    is the usual home of a short answer."""
    rows = list(dense)
    best = snapshot.best_sentence_similarities(rows, query_vector)
    assert best is not None
    return {r: (1 - sentence_weight) * dense[r] + sentence_weight * float(b) for r, b in zip(rows, best, strict=True)}


def _passages(snapshot: Snapshot, top: list[int], fused: dict[int, float], dense: dict[int, float],
              lexical: dict[int, float], query_vector: np.ndarray) -> list[Passage]:
    chunks = snapshot.chunks(top)
    meta = snapshot.document_meta([c.doc_id for c in chunks])
    passages = [
        Passage(
            chunk=chunk,
            score=float(fused[row]),
            rank=i + 1,
            scores={"dense": dense.get(row, 0.0), "bm25": lexical.get(row, 0.0), "fused": float(fused[row])},
            title=meta[chunk.doc_id].title if chunk.doc_id in meta else "",
            source=meta[chunk.doc_id].source if chunk.doc_id in meta else "",
        )
        for i, (row, chunk) in enumerate(zip(top, chunks, strict=True))
    ]
    if snapshot.has_sentences:
        for p, row in zip(passages, top, strict=True):
            p.sentences = _sentences_of(snapshot, row, query_vector)
    return passages


def retrieve(
    snapshot: Snapshot,
    question: str,
    query_vector: np.ndarray,
    *,
    k: int,
    candidates: int = 50,
    method: str = "rrf",
    dense_weight: float = 0.5,
    sentence_weight: float = 0.5,
    doc_ids: Sequence[str] | None = None,
) -> Retrieval:
    """The top ``k`` passages by ``method`` (rrf, weighted, dense, bm25), searched only within ``doc_ids`` when
    given (restricted before ranking, not filtered after)."""
    timings: dict[str, float] = {}
    rows = snapshot.rows_for_documents(list(doc_ids)) if doc_ids is not None else None
    none = (np.zeros(0, np.int64), [])
    t0 = time.perf_counter()
    dense_rows, dense_scores = snapshot.search_dense(query_vector, candidates, rows) if method != "bm25" else none
    t1 = time.perf_counter()
    lex_rows, lex_scores = snapshot.search_lexical(question, candidates, rows) if method != "dense" else none
    t2 = time.perf_counter()
    timings["dense_search"] = (t1 - t0) * 1000
    timings["bm25"] = (t2 - t1) * 1000
    dense = {int(r): float(s) for r, s in zip(dense_rows, dense_scores, strict=True)}
    lexical = {int(r): float(s) for r, s in zip(lex_rows, lex_scores, strict=True)}
    if method != "bm25":
        _with_dense_scores(snapshot, list(lexical), dense, query_vector)
        if snapshot.has_sentences and sentence_weight > 0:
            dense = _with_best_sentence(snapshot, dense, query_vector, sentence_weight)
    fused = fuse(dense, lexical, method, dense_weight)
    top = sorted(fused, key=lambda r: (-fused[r], r))[:k]
    _with_dense_scores(snapshot, top, dense, query_vector)
    t3 = time.perf_counter()
    timings["sentence_search"] = (t3 - t2) * 1000
    passages = _passages(snapshot, top, fused, dense, lexical, query_vector)
    timings["fusion"] = (time.perf_counter() - t3) * 1000
    return Retrieval(passages, timings)
