"""The same model on torch, ONNX Runtime fp32 and ONNX int8: encode speed and whole-pipeline answer recall."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from . import _internal
from .common import Corpus, ratio
from .indexing import index_corpus
from .latency import ask_questions

BACKENDS = ("torch", "onnx", "onnx-int8")
NOTE = (
    "sentence-transformers' own ONNX backend needs optimum-onnx, whose only release pins transformers<4.58 "
    "(this project uses 5.x); the graph is exported with torch.onnx from the bundled weights instead and run "
    "with onnxruntime (articleqa.embedding.OnnxEncoder). Same tokenizer, mean pooling, L2 norm; int8 is "
    "ONNX Runtime's dynamic per-channel weight quantisation."
)


def _one_backend(
    backend: str, corpus: Corpus, settings: Any, embedder: Any, work: Path, k: int
) -> tuple[dict[str, Any], np.ndarray]:
    """Index the corpus and ask its questions with one backend; (entry, chunk vectors)."""
    from .. import Assistant

    entry: dict[str, Any] = {}
    emb = _internal.Embedder(embedder.name, embedder.batch_size, backend=backend)
    emb._model = embedder.model  # share the loaded weights; the ONNX export happens from them
    t = time.perf_counter()
    emb.encode(["warm up"])
    entry["load_or_export_s"] = round(time.perf_counter() - t, 2)
    ix = index_corpus(corpus, work / f"backend-{backend}", settings, emb)
    entry["indexing_chunks_per_s"] = ix["chunks_per_s"]
    entry["embedding_s"] = ix["seconds"]["embedding"]
    qa = Assistant(work / f"backend-{backend}", settings, emb)
    asked = ask_questions(qa, corpus.questions, k)
    entry[f"answer_recall_at_{k}"] = asked[f"answer_recall_at_{k}"]
    entry["question_ms"] = asked["latency_ms"].get("total")
    entry["question_embedding_ms"] = asked["latency_ms"].get("question_embedding")
    if backend != "torch":
        entry["model_file"] = str(emb.onnx.path)
        entry["model_mb"] = round(emb.onnx.path.stat().st_size / 2**20, 1)
    return entry, ix["_vectors"]


def _relative_to_torch(backends: dict[str, dict[str, Any]], k: int) -> None:
    torch_entry = backends.get("torch", {})
    key = f"answer_recall_at_{k}"
    for backend in ("onnx", "onnx-int8"):
        b = backends.get(backend, {})
        b["indexing_speedup_vs_torch"] = ratio(b.get("indexing_chunks_per_s"), torch_entry.get("indexing_chunks_per_s"))
        if b.get(key) is not None and torch_entry.get(key) is not None:
            b[f"{key}_delta"] = round(b[key] - torch_entry[key], 4)


def compare_backends(corpus: Corpus, settings: Any, embedder: Any, work: Path, k: int = 5) -> dict[str, Any]:
    """torch vs ONNX Runtime fp32 vs int8, each indexing the same corpus and answering the same questions:
    indexing chunks/s, question latency, and the whole pipeline's answer-recall@k."""
    out: dict[str, Any] = {"backends": {}, "n_questions": len(corpus.questions), "corpus": corpus.name}
    torch_vectors: np.ndarray | None = None
    for backend in BACKENDS:
        try:
            entry, vectors = _one_backend(backend, corpus, settings, embedder, work, k)
            if backend == "torch":
                torch_vectors = vectors
            elif torch_vectors is not None and torch_vectors.shape == vectors.shape:
                entry["mean_cosine_to_torch"] = round(float(np.mean(np.sum(vectors * torch_vectors, 1))), 5)
        except Exception as exc:  # optional dependencies may be missing; report, never fail the bench
            entry = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        out["backends"][backend] = entry
    _relative_to_torch(out["backends"], k)
    out["note"] = NOTE
    return out
