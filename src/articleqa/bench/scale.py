"""Scale: 10k/100k/1M synthetic chunks, each size in its own subprocess so its peak memory is its own.

Vectors are real chunk embeddings mixed and perturbed; the dense index kind and parameters are the ones
``articleqa.store.choose_spec`` picks, and its recall@10 is measured against exact search.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..store import LexicalIndex, VectorIndex, VectorIndexSpec, choose_spec
from . import _internal
from .common import COLD_QUESTION, dir_bytes, peak_rss_mb, say, summarize
from .latency import stage_latencies

K = 10


def synthetic_vectors(base: np.ndarray, n: int, seed: int, noise: float = 0.5, block: int = 131_072) -> np.ndarray:
    """``n`` unit vectors near the real ones: base[i] + 0.5·base[j] + gaussian noise (norm ≈ ``noise``)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    sigma = noise / np.sqrt(base.shape[1])
    for s in range(0, n, block):
        m = min(block, n - s)
        i = rng.integers(0, len(base), m)
        j = rng.integers(0, len(base), m)
        v = base[i] + 0.5 * base[j] + rng.standard_normal((m, base.shape[1]), dtype=np.float32) * sigma
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[s : s + m] = v
    return out


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int, block: int = 262_144) -> np.ndarray:
    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.full((len(queries), k), -1, dtype=np.int64)
    for s in range(0, len(vectors), block):
        sims = queries @ vectors[s : s + block].T
        kk = min(k, sims.shape[1])
        part = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        cand_s = np.concatenate([best_s, np.take_along_axis(sims, part, axis=1)], axis=1)
        cand_i = np.concatenate([best_i, part + s], axis=1)
        order = np.argsort(-cand_s, axis=1, kind="stable")[:, :k]
        best_s = np.take_along_axis(cand_s, order, axis=1)
        best_i = np.take_along_axis(cand_i, order, axis=1)
    return best_i


def topk_recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def _search_all(dense: Any, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    """Each query's top-K rows (-1 padded) and per-query latency in ms."""
    lat = []
    found = np.zeros((len(queries), K), dtype=np.int64) - 1
    for i, q in enumerate(queries):
        t = time.perf_counter()
        rows, _s = dense.search(q, K)
        lat.append((time.perf_counter() - t) * 1000)
        found[i, : len(rows)] = rows
    return lat, found


def _ann_recall(dense: Any, vectors: np.ndarray, queries: np.ndarray, found: np.ndarray) -> dict[str, Any]:
    """recall@10 of the ANN index against exact search, and a sweep of its search-time knob around its value."""
    result: dict[str, Any] = {}
    t = time.perf_counter()
    truth = exact_topk(vectors, queries, K)
    result["exact_truth_s"] = round(time.perf_counter() - t, 2)
    result["recall_at_10"] = round(topk_recall(found, truth), 4)
    sweep_key = "nprobe" if dense.spec.kind == "ivf" else "ef_search"
    chosen = int(dense.spec.params[sweep_key])
    sweep = []
    for value in sorted({max(1, chosen // 4), max(1, chosen // 2), chosen, chosen * 2}):
        dense.set_search_params(**{sweep_key: value})
        lat_s, got = _search_all(dense, queries)
        sweep.append({sweep_key: value, "recall_at_10": round(topk_recall(got, truth), 4),
                      "p50_ms": summarize(lat_s)["p50"]})
    dense.set_search_params(**{sweep_key: chosen})
    result["sweep"] = sweep
    return result


def _flat_for_comparison(vectors: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    """Exact search at the same size: what the ANN index is saving."""
    t = time.perf_counter()
    flat = VectorIndex.build(vectors, VectorIndexSpec("flat"))
    flat_build = time.perf_counter() - t
    lat_f = []
    for q in queries[:50]:
        t = time.perf_counter()
        flat.search(q, K)
        lat_f.append((time.perf_counter() - t) * 1000)
    return {"build_s": round(flat_build, 2), "search_ms": summarize(lat_f)}


def _measure_dense(vectors: np.ndarray, queries: np.ndarray, n: int) -> tuple[Any, dict[str, Any]]:
    spec = choose_spec(n)
    result: dict[str, Any] = {}
    t = time.perf_counter()
    dense = VectorIndex.build(vectors, spec)
    result["dense_build_s"] = round(time.perf_counter() - t, 2)
    result["index"] = dense.spec.to_dict()
    lat, found = _search_all(dense, queries)
    result["dense_search_ms"] = summarize(lat)
    if spec.kind == "flat":
        result["recall_at_10"] = 1.0
        result["recall_note"] = "exact search"
    else:
        result.update(_ann_recall(dense, vectors, queries, found))
        result["flat_for_comparison"] = _flat_for_comparison(vectors, queries)
    result["rss_after_dense_mb"] = peak_rss_mb()
    return dense, result


def _measure_bm25(texts_base: Sequence[str], qtexts: Sequence[str], n: int) -> dict[str, Any]:
    texts = [texts_base[i % len(texts_base)] for i in range(n)]
    t = time.perf_counter()
    lex = LexicalIndex.build(texts)
    result: dict[str, Any] = {"bm25_build_s": round(time.perf_counter() - t, 2)}
    del texts
    lat = []
    for q in qtexts:
        t = time.perf_counter()
        lex.search(q, 50)
        lat.append((time.perf_counter() - t) * 1000)
    result["bm25_search_ms"] = summarize(lat)
    return result


def scale_worker(data_dir: str, n: int, seed: int = 0) -> dict[str, Any]:
    """Run in a fresh process: build dense + BM25 indexes over ``n`` synthetic chunks and measure them."""
    d = Path(data_dir)
    base = np.load(d / "base.npy")
    queries = np.load(d / "queries.npy")
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    texts_base: list[str] = meta["texts"]
    qtexts: list[str] = meta["questions"]
    result: dict[str, Any] = {"n": n}
    t = time.perf_counter()
    vectors = synthetic_vectors(base, n, seed)
    result["generate_s"] = round(time.perf_counter() - t, 2)
    result["rss_after_vectors_mb"] = peak_rss_mb()
    dense, dense_result = _measure_dense(vectors, queries, n)
    result.update(dense_result)
    result.update(_measure_bm25(texts_base, qtexts, n))
    result["vectors_mb"] = round(vectors.nbytes / 2**20, 1)
    del dense
    # The whole question path at this size: a real index (records, sentence files, BM25, ANN) in the
    # format a user's index has, asked through Assistant.
    index_dir = d / f"index-{n}"
    t = time.perf_counter()
    _internal.write_synthetic_index(index_dir, vectors, texts_base)
    result["full_index_build_s"] = round(time.perf_counter() - t, 2)
    del vectors
    result["question"] = ask_synthetic(index_dir, qtexts[:100])
    result["index_bytes"] = sum(dir_bytes(index_dir).values())
    shutil.rmtree(index_dir, ignore_errors=True)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def ask_synthetic(index_dir: Path, questions: Sequence[str]) -> dict[str, Any]:
    """Open the index in this process and ask real questions: per-stage latency and time to open."""
    from .. import Assistant

    t = time.perf_counter()
    qa = Assistant.open(index_dir)
    open_s = time.perf_counter() - t
    qa.ask(COLD_QUESTION)  # loads the encoder and spaCy: not billed
    timings = [qa.ask(q).timings_ms for q in questions]
    return {"open_s": round(open_s, 2), "n_questions": len(questions), "latency_ms": stage_latencies(timings)}


def _scale_main(argv: Sequence[str]) -> None:
    data_dir, n, seed = argv[0], int(argv[1]), int(argv[2])
    print("RESULT " + json.dumps(scale_worker(data_dir, n, seed)), flush=True)


def _run_worker(data: Path, n: int, seed: int, timeout: float) -> dict[str, Any]:
    code = f"from articleqa.bench.scale import _scale_main; _scale_main({[str(data), str(n), str(seed)]!r})"
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        return {"n": n, "measured": False, "reason": f"not finished within {timeout:.0f} s"}
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
        return {"n": n, "measured": False, "reason": f"exit {proc.returncode}: {tail}"}
    res = json.loads(line[len("RESULT "):])
    res["measured"] = True
    res["wall_s"] = round(time.perf_counter() - started, 1)
    return res


def write_scale_data(
    work: Path, base: np.ndarray, texts: Sequence[str], questions: Sequence[str], qvecs: np.ndarray
) -> Path:
    """What the scale workers (and the Milvus section's) grow their synthetic corpora from, as files."""
    data = work / "scale-data"
    data.mkdir(parents=True, exist_ok=True)
    np.save(data / "base.npy", np.ascontiguousarray(base, dtype=np.float32))
    np.save(data / "queries.npy", np.ascontiguousarray(qvecs, dtype=np.float32))
    (data / "meta.json").write_text(json.dumps({"texts": list(texts), "questions": list(questions)}), encoding="utf-8")
    return data


def run_scales(
    scales: Sequence[int], base: np.ndarray, texts: Sequence[str], questions: Sequence[str], qvecs: np.ndarray,
    work: Path, seed: int, timeout: float, progress: bool,
) -> list[dict[str, Any]]:
    """One worker subprocess per size, fed the real vectors, texts and question embeddings through files."""
    data = write_scale_data(work, base, texts, questions, qvecs)
    results = []
    for n in scales:
        say(progress, f"scale {n:,} chunks (subprocess, timeout {timeout:.0f} s)")
        results.append(_run_worker(data, n, seed, timeout))
    return results
