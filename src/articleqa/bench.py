"""Benchmarks: indexing throughput, question latency per stage, memory, disk, cold start, scale, baselines.

``articleqa bench [--quick] [--load] [--index-dir index] [--out bench]`` writes ``bench.json``, ``bench.md``
and one PNG per scale curve into ``--out``.

What is measured (all in this process unless said otherwise; timings are wall clock, medians and p95):

* corpora — the bundled article (``articles/``) and NewsQA dev (``../shared/datasets/newsqa-dev.json``,
  skipped with a note when absent): indexing throughput per stage (chunking, embedding, writing the index),
  question latency per stage (``Answer.timings_ms``) in the corpus setting, answer-recall@5, peak RSS, bytes
  on disk per chunk.
* baseline — plain sentence-transformers on the same corpus: fixed 150-word chunks, ``IndexFlatIP``,
  question = encode + search. Our indexing chunks/s and question latency are reported as ratios to it.
* cold start — a fresh ``python -c`` process from start to its first answer over an existing index.
* scale — 10k/100k/1M synthetic chunks (real chunk embeddings mixed and perturbed, real chunk texts
  reused), each in its own subprocess so its peak RSS is its own; the vector index kind and parameters are
  the ones :func:`articleqa.vectorindex.choose_spec` picks; recall@10 against exact search.
* onnx — the same model on ONNX Runtime (fp32 and int8) vs torch: encode speed and dense answer-recall@5.
* load (``--load``) — several threads asking at once: throughput and latency.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .metrics import normalize_answer

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ARTICLES = ROOT / "articles"
DEFAULT_NEWSQA = ROOT.parent / "shared" / "datasets" / "newsqa-dev.json"
DEFAULT_QUESTIONS = ROOT / "eval" / "questions.jsonl"
FULL_SCALES = (10_000, 100_000, 1_000_000)
QUICK_SCALES = (10_000,)
STAGES = (
    "analysis", "question_embedding", "dense_search", "bm25", "sentence_search", "fusion", "reader", "citations",
    "total",
)
BASELINE_WORDS = 150
COLD_QUESTION = "Where are the talks held?"
FALLBACK_QUESTIONS = (
    "Where are the talks held?", "Who confirmed the meeting?", "When will the officials meet?",
    "What did the spokesman say?", "Why were the talks moved?",
)
TARGETS = {"question_p50_ms": 40.0, "question_p95_ms": 100.0, "indexing_chunks_per_s_ratio": 1.5}


# ---------------------------------------------------------------------------------------------- helpers
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


def summarize(values: Sequence[float]) -> dict[str, float | int | None]:
    """p50/p95/mean/max of a list of milliseconds (None when empty)."""
    if not len(values):
        return {"n": 0, "p50": None, "p95": None, "mean": None, "max": None}
    arr = np.asarray(values, dtype=np.float64)
    return {
        "n": len(arr),
        "p50": round(float(np.percentile(arr, 50)), 3),
        "p95": round(float(np.percentile(arr, 95)), 3),
        "mean": round(float(arr.mean()), 3),
        "max": round(float(arr.max()), 3),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def _contains(norm_text: str, golds: Sequence[str]) -> bool:
    hay = f" {norm_text} "
    return any(f" {g} " in hay for g in golds if g)


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _say(progress: bool, msg: str) -> None:
    if progress:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class BenchQuestion:
    question: str
    answers: list[str]
    norm_answers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.norm_answers = [n for n in (normalize_answer(a) for a in self.answers) if n]


@dataclass
class Corpus:
    name: str
    documents: list[Any]
    questions: list[BenchQuestion]
    note: str = ""


# ---------------------------------------------------------------------------------------------- corpora
def load_article_corpus(articles: Path, questions_path: Path | None) -> Corpus:
    from .evaluate import load_dataset
    from .ingest import load_paths

    docs = load_paths([articles]).documents
    questions: list[BenchQuestion] = []
    if questions_path is not None and questions_path.is_file():
        ds = load_dataset(questions_path)
        questions = [BenchQuestion(q.question, list(q.answers)) for q in ds.questions if not q.history]
    if not questions:
        questions = [BenchQuestion(q, []) for q in FALLBACK_QUESTIONS]
    return Corpus("article", docs, questions)


def load_squad_corpus(path: Path, n_questions: int, seed: int) -> Corpus:
    """Every story of a SQuAD-format file as a Document (text kept verbatim), and a fixed question sample."""
    from .evaluate import load_dataset, sample_questions
    from .ingest import document_from_text

    ds = load_dataset(path)
    docs: dict[str, Any] = {}
    for text, title, source in ds.contexts:
        doc = document_from_text(text, source=source, title=title, clean=False)
        docs.setdefault(doc.doc_id, doc)
    answerable = [q for q in ds.questions if q.answerable and q.answers]
    picked = sample_questions(answerable, n_questions, seed)
    return Corpus(ds.name, list(docs.values()), [BenchQuestion(q.question, list(q.answers)) for q in picked])


# ---------------------------------------------------------------------------------------------- indexing
def _dir_bytes(path: Path) -> dict[str, int]:
    return {str(p.relative_to(path)): p.stat().st_size for p in sorted(path.rglob("*")) if p.is_file()}


def index_corpus(corpus: Corpus, index_dir: Path, settings: Any, embedder: Any) -> dict[str, Any]:
    """Segment → embed → write a fresh index, timing each stage (what Assistant.build does after ingest)."""
    from .chunking import chunk_document
    from .index import IndexStore
    from .indexing import prepare_documents

    warm_up_s = 0.0
    if index_dir.exists():
        shutil.rmtree(index_dir)
    if corpus.documents:  # load the sentence splitter first: a one-off cost, reported apart from throughput
        t = time.perf_counter()
        chunk_document(corpus.documents[0], settings.chunk_tokens, settings.chunk_overlap_tokens)
        warm_up_s = time.perf_counter() - t
    t0 = time.perf_counter()
    prepared = prepare_documents(
        corpus.documents, embedder.encode, chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    )
    t2 = time.perf_counter()
    store = IndexStore(index_dir)
    with store.lock():
        manifest = store.write(prepared.documents, set(), model=embedder.name, dim=embedder.dim, base=None)
    t3 = time.perf_counter()
    chunks = [c for nd in prepared.documents for c in nd.chunks]
    texts = [c.text for c in chunks]
    vectors = np.concatenate([nd.vectors for nd in prepared.documents]) if chunks else np.zeros((0, embedder.dim))
    n_docs, n_chunks = len(corpus.documents), len(texts)
    n_tokens = sum(c.n_tokens for c in chunks)
    total = t3 - t0
    files = _dir_bytes(index_dir / manifest["generation"])
    disk = sum(files.values())
    seconds = prepared.seconds
    return {
        "n_documents": n_docs,
        "n_chunks": n_chunks,
        "n_sentences": prepared.n_units,
        "n_tokens": n_tokens,
        "backend": getattr(embedder, "backend", "torch"),
        "seconds": {"chunking": round(seconds["chunking"], 3), "embedding": round(seconds["embedding"], 3),
                    "pooling": round(seconds["pooling"], 3), "writing": round(t3 - t2, 3),
                    "total": round(total, 3), "chunker_warm_up_not_counted": round(warm_up_s, 3)},
        "documents_per_s": round(n_docs / total, 2),
        "chunks_per_s": round(n_chunks / total, 2),
        "tokens_per_s": round(n_tokens / total, 1),
        "embedding_share": round(seconds["embedding"] / total, 3),
        "vector_index": manifest["vector_index"],
        "disk": {"bytes": disk, "bytes_per_chunk": round(disk / max(n_chunks, 1), 1), "files": files},
        "_texts": texts,
        "_vectors": vectors,
    }


# ---------------------------------------------------------------------------------------------- questions
def ask_questions(qa: Any, questions: Sequence[BenchQuestion], k: int = 5) -> dict[str, Any]:
    """Ask each question once (corpus setting); per-stage latency and answer-recall@k of the passages."""
    from .errors import ArticleQAError

    # the first question pays for lazy loading (spaCy, model); not billed to the sample
    with contextlib.suppress(ArticleQAError):
        qa.ask(questions[0].question if questions else COLD_QUESTION, top_k=k)
    per_stage: dict[str, list[float]] = {s: [] for s in STAGES}
    wall: list[float] = []
    hits: list[bool] = []
    for q in questions:
        t = time.perf_counter()
        answer = qa.ask(q.question, top_k=k)
        wall.append((time.perf_counter() - t) * 1000)
        for stage in STAGES:
            if stage in answer.timings_ms:
                per_stage[stage].append(float(answer.timings_ms[stage]))
        if q.norm_answers:
            texts = [normalize_answer(p.chunk.text) for p in answer.passages[:k]]
            hits.append(any(_contains(t, q.norm_answers) for t in texts))
    stages = {s: summarize(v) for s, v in per_stage.items() if v}
    ranked = sorted(
        ((s, v["p50"]) for s, v in stages.items() if s != "total" and v["p50"] is not None), key=lambda x: -x[1]
    )
    return {
        "n_questions": len(questions),
        "latency_ms": stages,
        "wall_ms": summarize(wall),
        "cost_centres_p50": [s for s, _ in ranked[:3]],
        f"answer_recall_at_{k}": round(float(np.mean(hits)), 4) if hits else None,
        "n_with_gold": len(hits),
    }


# ---------------------------------------------------------------------------------------------- baseline
def fixed_chunks(text: str, words: int = BASELINE_WORDS) -> list[str]:
    toks = text.split()
    return [" ".join(toks[i : i + words]) for i in range(0, len(toks), words)] or ([text] if text.strip() else [])


def run_baseline(
    corpus: Corpus, st_model: Any, k: int = 5, threads: int | None = None, n_default_threads: int = 50
) -> dict[str, Any]:
    """Plain sentence-transformers + IndexFlatIP on fixed-size chunks; question = encode + search only."""
    import faiss

    from .embedding import torch_threads

    t0 = time.perf_counter()
    texts = [c for d in corpus.documents for c in fixed_chunks(d.text)]
    t1 = time.perf_counter()
    vecs = st_model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    t2 = time.perf_counter()
    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(np.ascontiguousarray(vecs, dtype=np.float32))
    t3 = time.perf_counter()
    norm_texts = [normalize_answer(t) for t in texts]

    def ask_all(questions: Sequence[BenchQuestion], n_threads: int | None) -> tuple[list[float], list[bool]]:
        lat: list[float] = []
        hits: list[bool] = []
        with torch_threads(n_threads):
            st_model.encode(["warm up"], normalize_embeddings=True, show_progress_bar=False)
            for q in questions:
                t = time.perf_counter()
                qv = st_model.encode([q.question], normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
                _scores, ids = index.search(np.ascontiguousarray(qv, dtype=np.float32), k)
                lat.append((time.perf_counter() - t) * 1000)
                if q.norm_answers:
                    hits.append(any(_contains(norm_texts[i], q.norm_answers) for i in ids[0] if i >= 0))
        return lat, hits

    lat, hits = ask_all(corpus.questions, threads)
    lat_default, _ = ask_all(corpus.questions[:n_default_threads], None)
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


def reader_load(settings: Any, runs: int = 3) -> dict[str, Any]:
    """Time to load the shipped reader (ONNX graph + tokenizer) into a new session, median of ``runs``."""
    from .answer import Reader, find_model_dir

    path = find_model_dir(settings.reader_model or None)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        Reader(path, threads=settings.reader_threads)
        times.append((time.perf_counter() - t) * 1000)
    spec = json.loads((path / "reader.json").read_text(encoding="utf-8"))
    return {"model": str(path / spec["model_file"]), "megabytes": round((path / spec["model_file"]).stat().st_size / 1e6, 1),
            "ms": [round(t, 1) for t in times], "median_ms": round(statistics.median(times), 1)}


# ---------------------------------------------------------------------------------------------- cold start
def cold_start(index_dir: Path, runs: int, question: str = COLD_QUESTION, timeout: float = 600) -> dict[str, Any]:
    """Fresh interpreter → Assistant.open(index).ask(...) → first answer; wall ms, median of ``runs``."""
    code = textwrap.dedent(
        f"""
        import time
        from articleqa import Assistant
        a = Assistant.open({str(index_dir)!r}).ask({question!r})
        print("ANSWERED", repr(time.time()), flush=True)
        """
    )
    times, errors = [], []
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for _ in range(runs):
        start = time.time()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            errors.append(f"timed out after {timeout:.0f} s")
            continue
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("ANSWERED")), None)
        if proc.returncode != 0 or line is None:
            errors.append((proc.stderr.strip().splitlines() or ["no output"])[-1][:200])
            continue
        times.append((float(line.split()[1]) - start) * 1000)
    return {
        "index_dir": str(index_dir),
        "runs": runs,
        "ms": [round(t, 1) for t in times],
        "median_ms": round(statistics.median(times), 1) if times else None,
        "errors": errors,
    }


# ---------------------------------------------------------------------------------------------- scale
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


def _exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int, block: int = 262_144) -> np.ndarray:
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


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def scale_worker(data_dir: str, n: int, seed: int = 0) -> dict[str, Any]:
    """Run in a fresh process: build dense + BM25 indexes over ``n`` synthetic chunks and measure them."""
    from .lexical import LexicalIndex
    from .vectorindex import VectorIndex, choose_spec

    d = Path(data_dir)
    base = np.load(d / "base.npy")
    queries = np.load(d / "queries.npy")
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    texts_base: list[str] = meta["texts"]
    qtexts: list[str] = meta["questions"]
    k = 10
    result: dict[str, Any] = {"n": n}
    t = time.perf_counter()
    vectors = synthetic_vectors(base, n, seed)
    result["generate_s"] = round(time.perf_counter() - t, 2)
    result["rss_after_vectors_mb"] = peak_rss_mb()

    spec = choose_spec(n)
    t = time.perf_counter()
    dense = VectorIndex.build(vectors, spec)
    result["dense_build_s"] = round(time.perf_counter() - t, 2)
    result["index"] = dense.spec.to_dict()
    lat = []
    found = np.zeros((len(queries), k), dtype=np.int64) - 1
    for i, q in enumerate(queries):
        t = time.perf_counter()
        rows, _s = dense.search(q, k)
        lat.append((time.perf_counter() - t) * 1000)
        found[i, : len(rows)] = rows
    result["dense_search_ms"] = summarize(lat)
    if spec.kind == "flat":
        result["recall_at_10"] = 1.0
        result["recall_note"] = "exact search"
    else:
        t = time.perf_counter()
        truth = _exact_topk(vectors, queries, k)
        result["exact_truth_s"] = round(time.perf_counter() - t, 2)
        result["recall_at_10"] = round(_recall(found, truth), 4)
        sweep_key = "nprobe" if spec.kind == "ivf" else "ef_search"
        chosen = int(dense.spec.params[sweep_key])
        sweep = []
        for value in sorted({max(1, chosen // 4), max(1, chosen // 2), chosen, chosen * 2}):
            dense.set_search_params(**{sweep_key: value})
            lat_s, got = [], np.zeros_like(found) - 1
            for i, q in enumerate(queries):
                t = time.perf_counter()
                rows, _s = dense.search(q, k)
                lat_s.append((time.perf_counter() - t) * 1000)
                got[i, : len(rows)] = rows
            sweep.append({sweep_key: value, "recall_at_10": round(_recall(got, truth), 4),
                          "p50_ms": summarize(lat_s)["p50"]})
        dense.set_search_params(**{sweep_key: chosen})
        result["sweep"] = sweep
        # exact search at the same size, for comparison
        from .vectorindex import VectorIndexSpec

        t = time.perf_counter()
        flat = VectorIndex.build(vectors, VectorIndexSpec("flat"))
        flat_build = time.perf_counter() - t
        lat_f = []
        for q in queries[:50]:
            t = time.perf_counter()
            flat.search(q, k)
            lat_f.append((time.perf_counter() - t) * 1000)
        result["flat_for_comparison"] = {"build_s": round(flat_build, 2), "search_ms": summarize(lat_f)}
        del flat
    result["rss_after_dense_mb"] = peak_rss_mb()

    texts = [texts_base[i % len(texts_base)] for i in range(n)]
    t = time.perf_counter()
    lex = LexicalIndex.build(texts)
    result["bm25_build_s"] = round(time.perf_counter() - t, 2)
    del texts
    lat = []
    for q in qtexts:
        t = time.perf_counter()
        lex.search(q, 50)
        lat.append((time.perf_counter() - t) * 1000)
    result["bm25_search_ms"] = summarize(lat)
    result["vectors_mb"] = round(vectors.nbytes / 2**20, 1)
    del lex, dense
    # The whole question path at this size: a real index (records, sentence files, BM25, ANN) written by
    # IndexStore and asked through Assistant, exactly as a user's index would be.
    index_dir = d / f"index-{n}"
    t = time.perf_counter()
    write_synthetic_index(index_dir, vectors, texts_base)
    result["full_index_build_s"] = round(time.perf_counter() - t, 2)
    del vectors
    result["question"] = ask_synthetic(index_dir, qtexts[:100])
    result["index_bytes"] = sum(_dir_bytes(index_dir).values())
    shutil.rmtree(index_dir, ignore_errors=True)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def write_synthetic_index(index_dir: Path, vectors: np.ndarray, texts: Sequence[str], per_doc: int = 10) -> None:
    """Documents of ``per_doc`` chunks cycling over real chunk texts; each chunk is one sentence unit whose
    vector is the chunk's synthetic vector."""
    from .config import DEFAULT_MODEL
    from .index import IndexStore, NewDocument
    from .records import Chunk, Document

    n = len(vectors)
    docs: list[NewDocument] = []
    for d0 in range(0, n, per_doc):
        parts = [texts[i % len(texts)] for i in range(d0, min(n, d0 + per_doc))]
        doc_id = f"synthetic-{d0 // per_doc:07d}"
        chunks, units, pos = [], [], 0
        for j, text in enumerate(parts):
            chunks.append(Chunk(f"{doc_id}:{j}", doc_id, text, pos, pos + len(text), max(1, len(text) // 4)))
            units.append((pos, pos + len(text)))
            pos += len(text) + 1
        block = vectors[d0 : d0 + len(parts)]
        docs.append(NewDocument(
            Document(doc_id, f"Synthetic {d0 // per_doc}", "\n".join(parts), source=f"synthetic/{doc_id}"),
            chunks, block, units, [(j, j + 1) for j in range(len(parts))], block.astype(np.float16),
            np.arange(d0, d0 + len(parts), dtype=np.uint64),  # content keys: unique per unit is all that matters
        ))
    store = IndexStore(index_dir)
    with store.lock():
        store.write(docs, set(), model=DEFAULT_MODEL, dim=int(vectors.shape[1]), base=None)


def ask_synthetic(index_dir: Path, questions: Sequence[str]) -> dict[str, Any]:
    """Open the index in this process and ask real questions: per-stage latency and time to open."""
    from .assistant import Assistant

    t = time.perf_counter()
    qa = Assistant.open(index_dir)
    open_s = time.perf_counter() - t
    qa.ask(COLD_QUESTION)  # loads the encoder and spaCy: not billed
    per_stage: dict[str, list[float]] = {s: [] for s in STAGES}
    for q in questions:
        answer = qa.ask(q)
        for stage in STAGES:
            if stage in answer.timings_ms:
                per_stage[stage].append(float(answer.timings_ms[stage]))
    return {"open_s": round(open_s, 2), "n_questions": len(questions),
            "latency_ms": {s: summarize(v) for s, v in per_stage.items() if v}}


def _scale_main(argv: Sequence[str]) -> None:
    data_dir, n, seed = argv[0], int(argv[1]), int(argv[2])
    print("RESULT " + json.dumps(scale_worker(data_dir, n, seed)), flush=True)


def run_scales(
    scales: Sequence[int], base: np.ndarray, texts: Sequence[str], questions: Sequence[str], qvecs: np.ndarray,
    work: Path, seed: int, timeout: float, progress: bool,
) -> list[dict[str, Any]]:
    data = work / "scale-data"
    data.mkdir(parents=True, exist_ok=True)
    np.save(data / "base.npy", np.ascontiguousarray(base, dtype=np.float32))
    np.save(data / "queries.npy", np.ascontiguousarray(qvecs, dtype=np.float32))
    (data / "meta.json").write_text(json.dumps({"texts": list(texts), "questions": list(questions)}), encoding="utf-8")
    results = []
    for n in scales:
        _say(progress, f"scale {n:,} chunks (subprocess, timeout {timeout:.0f} s)")
        code = f"import sys; from articleqa.bench import _scale_main; _scale_main({[str(data), str(n), str(seed)]!r})"
        started = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                                  check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        except subprocess.TimeoutExpired:
            results.append({"n": n, "measured": False, "reason": f"not finished within {timeout:.0f} s"})
            continue
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
            results.append({"n": n, "measured": False, "reason": f"exit {proc.returncode}: {tail}"})
            continue
        res = json.loads(line[len("RESULT "):])
        res["measured"] = True
        res["wall_s"] = round(time.perf_counter() - started, 1)
        results.append(res)
    return results


# ---------------------------------------------------------------------------------------------- onnx
def compare_backends(
    corpus: Corpus, settings: Any, embedder: Any, work: Path, k: int = 5
) -> dict[str, Any]:
    """torch vs ONNX Runtime fp32 vs int8, each indexing the same corpus and answering the same questions:
    indexing chunks/s, question latency, and the whole pipeline's answer-recall@k."""
    from .assistant import Assistant
    from .embedding import Embedder

    out: dict[str, Any] = {"backends": {}, "n_questions": len(corpus.questions), "corpus": corpus.name}
    for backend in ("torch", "onnx", "onnx-int8"):
        entry: dict[str, Any] = {}
        try:
            emb = Embedder(embedder.name, embedder.batch_size, backend=backend)
            emb._model = embedder.model  # share the loaded weights; the ONNX export happens from them
            t = time.perf_counter()
            emb.encode(["warm up"])
            entry["load_or_export_s"] = round(time.perf_counter() - t, 2)
            ix = index_corpus(corpus, work / f"backend-{backend}", settings, emb)
            vectors = ix.pop("_vectors")
            ix.pop("_texts")
            entry["indexing_chunks_per_s"] = ix["chunks_per_s"]
            entry["embedding_s"] = ix["seconds"]["embedding"]
            qa = Assistant(work / f"backend-{backend}", settings, emb)
            asked = ask_questions(qa, corpus.questions, k)
            entry[f"answer_recall_at_{k}"] = asked[f"answer_recall_at_{k}"]
            entry["question_ms"] = asked["latency_ms"].get("total")
            entry["question_embedding_ms"] = asked["latency_ms"].get("question_embedding")
            if backend == "torch":
                out["_torch_vectors"] = vectors
            elif "_torch_vectors" in out and out["_torch_vectors"].shape == vectors.shape:
                entry["mean_cosine_to_torch"] = round(float(np.mean(np.sum(vectors * out["_torch_vectors"], 1))), 5)
            if backend != "torch":
                entry["model_file"] = str(emb.onnx.path)
                entry["model_mb"] = round(emb.onnx.path.stat().st_size / 2**20, 1)
        except Exception as exc:  # optional dependencies may be missing; report, never fail the bench
            entry = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        out["backends"][backend] = entry
    out.pop("_torch_vectors", None)
    torch_entry = out["backends"].get("torch", {})
    for backend in ("onnx", "onnx-int8"):
        b = out["backends"].get(backend, {})
        b["indexing_speedup_vs_torch"] = _ratio(b.get("indexing_chunks_per_s"), torch_entry.get("indexing_chunks_per_s"))
        if b.get(f"answer_recall_at_{k}") is not None and torch_entry.get(f"answer_recall_at_{k}") is not None:
            b[f"answer_recall_at_{k}_delta"] = round(b[f"answer_recall_at_{k}"] - torch_entry[f"answer_recall_at_{k}"], 4)
    out["note"] = (
        "sentence-transformers' own ONNX backend needs optimum-onnx, whose only release pins transformers<4.58 "
        "(this project uses 5.x); the graph is exported with torch.onnx from the bundled weights instead and run "
        "with onnxruntime (articleqa.embedding.OnnxEncoder). Same tokenizer, mean pooling, L2 norm; int8 is "
        "ONNX Runtime's dynamic per-channel weight quantisation."
    )
    return out


# ---------------------------------------------------------------------------------------------- load
def load_test(qa: Any, questions: Sequence[BenchQuestion], users: int = 4, per_user: int = 10) -> dict[str, Any]:
    """``users`` threads each asking ``per_user`` questions at once: throughput and per-question latency."""
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    qs = [q.question for q in questions] or list(FALLBACK_QUESTIONS)

    def user(u: int) -> None:
        for i in range(per_user):
            q = qs[(u * per_user + i) % len(qs)]
            t = time.perf_counter()
            try:
                qa.ask(q)
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                lat.append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=user, args=(u,)) for u in range(users)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return {"users": users, "questions": len(lat), "seconds": round(wall, 2),
            "questions_per_s": round(len(lat) / wall, 2) if wall else None, "latency_ms": summarize(lat),
            "errors": errors[:5], "n_errors": len(errors)}


def ui_load_test(qa: Any, questions: Sequence[BenchQuestion], users: int, per_user: int) -> dict[str, Any]:
    """The web UI on a loopback port, driven by ``users`` gradio_client users through its /ask endpoint."""
    import socket

    from .loadtest import run_load
    from .ui import build_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = build_app(qa)
    app.queue(default_concurrency_limit=8).launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, share=False, quiet=True
    )
    try:
        qs = [q.question for q in questions] or list(FALLBACK_QUESTIONS)
        return run_load(f"http://127.0.0.1:{port}/", users=users, questions_per_user=per_user, questions=qs)
    finally:
        app.close()


# ---------------------------------------------------------------------------------------------- report
def _fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _plots(report: dict[str, Any], out: Path) -> list[str]:
    rows = [r for r in report.get("scale", []) if r.get("measured")]
    if not rows:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["n"] for r in rows]
    curves = {
        "scale_search_ms.png": ("search p50 (ms)", {
            "dense": [r["dense_search_ms"]["p50"] for r in rows],
            "bm25": [r["bm25_search_ms"]["p50"] for r in rows],
        }),
        "scale_build_s.png": ("build time (s)", {
            "dense": [r["dense_build_s"] for r in rows], "bm25": [r["bm25_build_s"] for r in rows],
        }),
        "scale_rss_mb.png": ("peak RSS (MB)", {"worker peak": [r["peak_rss_mb"] for r in rows]}),
        "scale_recall.png": ("dense recall@10 vs exact", {"recall@10": [r["recall_at_10"] for r in rows]}),
    }
    written = []
    for name, (ylabel, series) in curves.items():
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        for label, ys in series.items():
            ax.plot(ns, ys, marker="o", label=label)
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        written.append(name)
    return written


def render_markdown(report: dict[str, Any], plots: Sequence[str]) -> str:
    m = report["meta"]
    lines = [
        "# articleqa benchmarks",
        "",
        f"{m['date']} · articleqa {m['version']} · Python {m['python']} · torch {m['torch']} "
        f"({m['torch_threads']} threads) · faiss {m['faiss']} · {m['cpus']} CPUs · load average at start "
        f"{m['load_average_start']}, end {m.get('load_average_end')} · quick={m['quick']}",
        "",
        "Wall-clock timings on a shared machine: read medians and ratios, not single numbers.",
        "",
    ]
    for note in report.get("notes", []):
        lines.append(f"> {note}")
    if report.get("notes"):
        lines.append("")
    lines += ["## Corpora: indexing, questions, memory, disk", ""]
    lines += ["| corpus | docs | chunks | docs/s | chunks/s | tokens/s | embedding share | bytes/chunk | "
              "peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, c in report["corpora"].items():
        if "indexing" not in c:
            lines.append(f"| {name} | skipped: {c.get('skipped', '')} | | | | | | | |")
            continue
        ix = c["indexing"]
        lines.append(
            f"| {name} | {ix['n_documents']} | {ix['n_chunks']} | {_fmt(ix['documents_per_s'])} | "
            f"{_fmt(ix['chunks_per_s'])} | {_fmt(ix['tokens_per_s'], 0)} | {ix['embedding_share']:.0%} | "
            f"{_fmt(ix['disk']['bytes_per_chunk'], 0)} | {_fmt(c.get('peak_rss_mb'))} |"
        )
    lines.append("")
    for name, c in report["corpora"].items():
        if "questions" not in c:
            continue
        q = c["questions"]
        ix = c["indexing"]["seconds"]
        lines += [
            f"### {name}: question latency per stage (ms, corpus setting, {q['n_questions']} questions)", "",
            f"Indexing ({c['indexing'].get('backend', 'torch')} encoder, {c['indexing'].get('n_sentences', '–')} "
            f"sentences embedded, chunk vectors pooled from them) seconds: chunking {ix['chunking']}, embedding "
            f"{ix['embedding']}, pooling {ix.get('pooling', '–')}, writing {ix['writing']}, "
            f"total {ix['total']}. Answer-recall@5 (gold answer inside a top-5 passage): "
            f"{_fmt(q.get('answer_recall_at_5'), 3)} over {q['n_with_gold']} questions with gold answers.",
            "", "| stage | p50 | p95 |", "|---|---:|---:|",
        ]
        for stage, v in q["latency_ms"].items():
            lines.append(f"| {stage} | {_fmt(v['p50'], 2)} | {_fmt(v['p95'], 2)} |")
        lines += ["", f"Biggest cost centres (p50): {', '.join(q['cost_centres_p50'])}.", ""]
        b = c.get("baseline")
        if b:
            r = c["vs_baseline"]
            lines += [
                f"**Baseline** (plain sentence-transformers, {b['chunking']}, IndexFlatIP, question = encode + "
                f"search): {b['n_chunks']} chunks, {_fmt(b['chunks_per_s'])} chunks/s; question p50 "
                f"{_fmt(b['question_ms']['p50'], 2)} ms / p95 {_fmt(b['question_ms']['p95'], 2)} ms with "
                f"{b['question_threads']} torch thread(s) (library default threads: p50 "
                f"{_fmt(b['question_ms_library_default_threads']['p50'], 2)} ms); answer-recall@5 "
                f"{_fmt(b.get('answer_recall_at_5'), 3)}.", "",
                "| ours ÷ baseline | ratio |", "|---|---:|",
                f"| indexing chunks/s | {_fmt(r['indexing_chunks_per_s'], 2)} |",
                f"| indexing documents/s | {_fmt(r['indexing_documents_per_s'], 2)} |",
                f"| question latency p50 | {_fmt(r['question_p50'], 2)} |",
                f"| question latency p95 | {_fmt(r['question_p95'], 2)} |",
                f"| answer-recall@5 (ours − baseline) | {_fmt(r['answer_recall_at_5_delta'], 3)} |", "",
                "The latency ratio compares our whole answer pipeline (retrieval, the span reader, verified "
                "quotes) with the baseline's encode + search only.", "",
            ]
    rl = report.get("reader_load")
    if rl:
        lines += ["## Reader model load", "",
                  f"`{rl['model']}` ({rl['megabytes']} MB): loaded into a new onnxruntime session in median "
                  f"**{_fmt(rl['median_ms'], 0)} ms** (runs: {rl['ms']}).", ""]
    cs = report.get("cold_start")
    if cs:
        lines += ["## Cold start", "",
                  f"Fresh process → `Assistant.open(index).ask(...)` → first answer, index `{cs['index_dir']}`: "
                  f"median **{_fmt(cs['median_ms'], 0)} ms** of {cs['runs']} (runs: {cs['ms']})."
                  + (f" Errors: {cs['errors']}" if cs["errors"] else ""), ""]
    if report.get("scale"):
        lines += ["## Scale (synthetic chunks; one subprocess each)", "",
                  "| chunks | index | params | dense build s | dense p50/p95 ms | recall@10 | bm25 build s | "
                  "bm25 p50/p95 ms | whole question p50/p95 ms | index on disk MB | peak RSS MB |",
                  "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in report["scale"]:
            if not r.get("measured"):
                lines.append(f"| {r['n']:,} | not measured: {r.get('reason')} | | | | | | | | | |")
                continue
            p = ", ".join(f"{k}={v}" for k, v in r["index"]["params"].items()) or "–"
            qt = r.get("question", {}).get("latency_ms", {}).get("total", {})
            lines.append(
                f"| {r['n']:,} | {r['index']['kind']} | {p} | {_fmt(r['dense_build_s'], 2)} | "
                f"{_fmt(r['dense_search_ms']['p50'], 2)} / {_fmt(r['dense_search_ms']['p95'], 2)} | "
                f"{_fmt(r['recall_at_10'], 3)} | {_fmt(r['bm25_build_s'], 2)} | "
                f"{_fmt(r['bm25_search_ms']['p50'], 2)} / {_fmt(r['bm25_search_ms']['p95'], 2)} | "
                f"{_fmt(qt.get('p50'), 1)} / {_fmt(qt.get('p95'), 1)} | "
                f"{_fmt(r.get('index_bytes', 0) / 2**20, 0)} | {_fmt(r['peak_rss_mb'], 0)} |"
            )
        lines.append("")
        for r in report["scale"]:
            if not r.get("measured"):
                continue
            parts = [f"RSS after vectors {_fmt(r.get('rss_after_vectors_mb'), 0)} MB, after dense index (and, for ANN, "
                     f"ground truth + an exact index for comparison) {_fmt(r.get('rss_after_dense_mb'), 0)} MB, peak "
                     f"(after BM25 and the full index build) {_fmt(r.get('peak_rss_mb'), 0)} MB"]
            qs = r.get("question")
            if qs:
                stages = ", ".join(f"{k} {_fmt(v['p50'], 2)}" for k, v in qs["latency_ms"].items() if k != "total")
                parts.append(f"full index written in {_fmt(r.get('full_index_build_s'), 1)} s and opened in "
                             f"{_fmt(qs['open_s'], 2)} s; {qs['n_questions']} questions, p50 per stage (ms): {stages}")
            if r.get("sweep"):
                key = "nprobe" if "nprobe" in r["sweep"][0] else "ef_search"
                sweep = ", ".join(f"{x[key]} → {x['recall_at_10']:.3f} ({x['p50_ms']:.2f} ms)" for x in r["sweep"])
                flat = r.get("flat_for_comparison", {})
                parts.append(f"{key} sweep (recall@10, p50): {sweep}")
                parts.append(f"exact search at this size: p50 {_fmt(flat.get('search_ms', {}).get('p50'), 2)} ms")
            lines.append(f"- {r['n']:,}: " + "; ".join(parts) + ".")
        lines += ["", report.get("scale_note", ""), ""]
        for p in plots:
            lines.append(f"![{p}]({p})")
        lines.append("")
    ox = report.get("onnx")
    if ox and ox.get("backends"):
        lines += ["## Embedding backends (torch vs ONNX Runtime)", "",
                  f"Each backend indexes {ox.get('corpus', 'the corpus')} and answers the same "
                  f"{ox.get('n_questions', '')} questions (corpus setting).", "",
                  "| backend | indexing chunks/s | speed-up | question p50 / p95 ms | question encode p50 ms | "
                  "answer-recall@5 | Δ vs torch | mean cos to torch |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, b in ox["backends"].items():
            if "error" in b:
                lines.append(f"| {name} | error: {b['error']} | | | | | | |")
                continue
            qm, qe = b.get("question_ms") or {}, b.get("question_embedding_ms") or {}
            lines.append(
                f"| {name} | {_fmt(b.get('indexing_chunks_per_s'))} | {_fmt(b.get('indexing_speedup_vs_torch'), 2)} | "
                f"{_fmt(qm.get('p50'), 1)} / {_fmt(qm.get('p95'), 1)} | {_fmt(qe.get('p50'), 2)} | "
                f"{_fmt(b.get('answer_recall_at_5'), 3)} | {_fmt(b.get('answer_recall_at_5_delta'), 3)} | "
                f"{_fmt(b.get('mean_cosine_to_torch'), 4)} |"
            )
        lines += ["", ox.get("note", ""), ""]
    elif ox:
        lines += ["## Embedding backends", "", str(ox.get("skipped", "")), ""]
    if report.get("load"):
        ld = report["load"]
        lines += ["## Load (concurrent users)", "",
                  f"{ld['users']} threads, {ld['questions']} questions in {ld['seconds']} s = "
                  f"{ld['questions_per_s']} questions/s; latency p50 {_fmt(ld['latency_ms']['p50'], 1)} ms, "
                  f"p95 {_fmt(ld['latency_ms']['p95'], 1)} ms; errors {ld['n_errors']}.", ""]
    if report.get("ui_load"):
        ul = report["ui_load"]
        lines += ["## Load on the web UI (gradio_client users on loopback)", "",
                  f"{ul['users']} users × {ul['questions_per_user']} questions: {ul['completed']} answered, "
                  f"{ul['errors']} errors, {ul['throughput_qps']} questions/s, latency p50 {_fmt(ul['p50_ms'], 0)} ms, "
                  f"p95 {_fmt(ul['p95_ms'], 0)} ms (max {_fmt(ul['max_ms'], 0)} ms).", ""]
    t = report.get("targets")
    if t:
        lines += ["## Targets", "", "| target | wanted | measured | met |", "|---|---:|---:|---|"]
        for row in t:
            lines.append(f"| {row['what']} | {row['wanted']} | {_fmt(row['measured'], 2)} | "
                         f"{'yes' if row['met'] else 'no' if row['met'] is not None else '–'} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _strip_private(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_private(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list):
        return [_strip_private(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


# ---------------------------------------------------------------------------------------------- main
def run_bench(
    out: str | Path = "bench",
    index_dir: str | Path | None = None,
    quick: bool = False,
    load: bool = False,
    *,
    articles: str | Path | None = None,
    newsqa: str | Path | None = None,
    questions: str | Path | None = None,
    scales: Sequence[int] | None = None,
    n_questions: int = 300,
    seed: int = 0,
    cold_runs: int | None = None,
    onnx: bool | None = None,
    scale_timeout: float = 2400.0,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the benchmarks and write bench.json, bench.md and PNG curves into ``out``; returns bench.json's dict.

    ``quick``: the bundled article and the first scale only (10k), no NewsQA, no ONNX, one cold start.
    Keyword arguments point at other corpora and sizes (the tests use tiny ones).
    """
    from .assistant import Assistant, shared_embedder
    from .config import Settings

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    articles_path = Path(articles) if articles else DEFAULT_ARTICLES
    newsqa_path = Path(newsqa) if newsqa else DEFAULT_NEWSQA
    questions_path = Path(questions) if questions else (DEFAULT_QUESTIONS if articles is None else None)
    scales = tuple(scales) if scales is not None else (QUICK_SCALES if quick else FULL_SCALES)
    cold_runs = cold_runs if cold_runs is not None else (1 if quick else 3)
    onnx = (not quick) if onnx is None else onnx
    settings = Settings.from_env()
    embedder = shared_embedder(settings.model, settings.batch_size, settings.embedding_backend)
    embedder.encode(["load the model before timing anything"])

    report: dict[str, Any] = {"meta": _meta_info(quick, seed, n_questions), "notes": [], "corpora": {}}
    work = Path(tempfile.mkdtemp(prefix="articleqa-bench-"))
    try:
        corpora: list[Corpus] = [load_article_corpus(articles_path, questions_path)]
        if quick:
            report["notes"].append("quick mode: bundled article and the 10k scale only (no NewsQA, no ONNX)")
        elif newsqa_path.is_file():
            corpora.append(load_squad_corpus(newsqa_path, n_questions, seed))
        else:
            report["notes"].append(f"NewsQA not found at {newsqa_path}: skipped (results cover the article only)")
            report["corpora"]["newsqa-dev"] = {"skipped": f"{newsqa_path} not found"}

        last_texts: list[str] = []
        last_vectors = np.zeros((0, embedder.dim), dtype=np.float32)
        last_questions: list[BenchQuestion] = []
        article_index: Path | None = None
        for corpus in corpora:
            _say(progress, f"{corpus.name}: indexing {len(corpus.documents)} documents")
            idx = work / f"index-{corpus.name}"
            entry: dict[str, Any] = {}
            ix = index_corpus(corpus, idx, settings, embedder)
            last_texts, last_vectors = ix.pop("_texts"), ix.pop("_vectors")
            entry["indexing"] = ix
            qa = Assistant.open(idx, settings=settings)
            _say(progress, f"{corpus.name}: asking {len(corpus.questions)} questions")
            entry["questions"] = ask_questions(qa, corpus.questions)
            entry["peak_rss_mb"] = peak_rss_mb()
            entry["peak_rss_note"] = "process peak so far (monotonic across sections; includes the model)"
            if corpus.name == "article":
                article_index = idx
            if corpus is corpora[-1]:
                _say(progress, f"{corpus.name}: baseline")
                base = run_baseline(corpus, embedder.model, threads=1 if embedder.small_batch_threads == 1 else None)
                entry["baseline"] = base
                ours_q = entry["questions"]["latency_ms"].get("total", {})
                entry["vs_baseline"] = {
                    "indexing_chunks_per_s": _ratio(ix["chunks_per_s"], base["chunks_per_s"]),
                    "indexing_documents_per_s": _ratio(ix["documents_per_s"], base["documents_per_s"]),
                    "question_p50": _ratio(ours_q.get("p50"), base["question_ms"]["p50"]),
                    "question_p95": _ratio(ours_q.get("p95"), base["question_ms"]["p95"]),
                    "answer_recall_at_5_delta": (
                        round(entry["questions"]["answer_recall_at_5"] - base["answer_recall_at_5"], 4)
                        if entry["questions"].get("answer_recall_at_5") is not None
                        and base.get("answer_recall_at_5") is not None else None
                    ),
                }
                last_questions = corpus.questions
                if load:
                    _say(progress, f"{corpus.name}: load test")
                    report["load"] = load_test(qa, corpus.questions)
                    users, per_user = (5, 4) if quick else (50, 10)
                    _say(progress, f"{corpus.name}: UI server load test, {users} gradio_client users × {per_user}")
                    report["ui_load"] = ui_load_test(qa, corpus.questions, users, per_user)
            report["corpora"][corpus.name if corpus.name == "article" else "newsqa-dev"] = entry

        report["reader_load"] = reader_load(settings)
        # cold start: the project's default index if it exists, else the article index built above
        if cold_runs > 0:
            target = Path(index_dir) if index_dir and (Path(index_dir) / "manifest.json").is_file() else article_index
            if target is not None:
                _say(progress, f"cold start x{cold_runs} on {target}")
                report["cold_start"] = cold_start(target.resolve(), cold_runs)

        if scales:
            qtexts = [q.question for q in last_questions][:200] or list(FALLBACK_QUESTIONS)
            qvecs = embedder.encode(qtexts)
            report["scale"] = run_scales(scales, last_vectors, last_texts, qtexts, qvecs, work, seed,
                                         scale_timeout, progress)
            report["scale_note"] = (
                f"Vectors: real chunk embeddings of the last corpus ({len(last_vectors)} chunks) mixed "
                "(a + 0.5·b) and perturbed with gaussian noise (norm 0.5), renormalised; texts cycle over the real "
                f"chunk texts; queries: {len(qvecs)} real question embeddings. Index kind and parameters are "
                "vectorindex.choose_spec's; recall@10 is against exact search over the same vectors."
            )

        if onnx and corpora:
            _say(progress, f"embedding backends (torch / onnx / onnx-int8) on {corpora[-1].name}")
            report["onnx"] = compare_backends(corpora[-1], settings, embedder, work)
        else:
            report["onnx"] = {"skipped": "quick mode (or onnx=False): backends not compared"}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report["targets"] = _targets(report)
    report["meta"]["load_average_end"] = _load_average()
    report["meta"]["peak_rss_mb"] = peak_rss_mb()
    report = _strip_private(report)
    plots = _plots(report, out_dir)
    report["plots"] = plots
    (out_dir / "bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "bench.md").write_text(render_markdown(report, plots), encoding="utf-8")
    _say(progress, f"wrote {out_dir / 'bench.md'}")
    return report


def _targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    c = report["corpora"].get("newsqa-dev") or report["corpora"].get("article") or {}
    total = c.get("questions", {}).get("latency_ms", {}).get("total", {})
    ratio = c.get("vs_baseline", {}).get("indexing_chunks_per_s")
    rows = []
    for what, wanted, got, ok in (
        ("question latency p50 (ms)", "≤ 40", total.get("p50"), lambda v: v <= TARGETS["question_p50_ms"]),
        ("question latency p95 (ms)", "≤ 100", total.get("p95"), lambda v: v <= TARGETS["question_p95_ms"]),
        ("indexing chunks/s ÷ baseline", "≥ 1.5", ratio, lambda v: v >= TARGETS["indexing_chunks_per_s_ratio"]),
    ):
        rows.append({"what": what, "wanted": wanted, "measured": got, "met": ok(got) if got is not None else None})
    cold = (report.get("cold_start") or {}).get("median_ms")
    if cold is not None:
        rows.append({"what": "cold start to first answer (ms)", "wanted": "< 10,000", "measured": cold,
                     "met": cold < 10_000})
    for r in report.get("scale", []):
        q50 = r.get("question", {}).get("latency_ms", {}).get("total", {}).get("p50") if r.get("measured") else None
        if q50 is not None and r["n"] >= 1_000_000:
            rows.append({"what": f"whole question p50 (ms) at {r['n']:,} chunks", "wanted": "< 100", "measured": q50,
                         "met": q50 < 100})
        if r.get("measured") and r["index"]["kind"] != "flat":
            rows.append({"what": f"ANN recall@10 at {r['n']:,}", "wanted": "≥ 0.95", "measured": r["recall_at_10"],
                         "met": r["recall_at_10"] >= 0.95})
    return rows


def _meta_info(quick: bool, seed: int, n_questions: int) -> dict[str, Any]:
    import faiss
    import torch

    from . import __version__

    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "faiss": getattr(faiss, "__version__", "?"),
        "cpus": os.cpu_count(),
        "load_average_start": _load_average(),
        "quick": quick,
        "seed": seed,
        "n_questions": n_questions,
    }

