"""Indexing throughput: a corpus through ``Assistant.add``, timed per stage from the outside.

The public API reports one duration per add. Stage times come from wrapping the embedder the Assistant
is given: before its first ``encode`` call the documents are being cut into sentences and chunks, between
the first and the last call they are being embedded, and after it chunk vectors are pooled and the new
generation is written and opened. Pooling cannot be told apart from writing this way, so ``pooling`` is
None and counted in ``writing``. One tiny document is indexed first, into a scratch folder, so one-off
loading (sentence splitter, tokenizer, the index writer's libraries) is reported apart from throughput.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import Document
from . import _internal
from .common import Corpus, dir_bytes

WARM_UP_DOCUMENT = Document(
    "bench-warm-up", "Warm-up", "The bench warms up first. The sentence splitter and the tokenizer load now.",
    source="bench/warm-up",
)


class TimedEncoder:
    """An embedder that notes when its first ``encode`` call began and its last one ended."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.first: float | None = None
        self.last: float | None = None

    def encode(self, texts: Sequence[str], *args: Any, **kwargs: Any) -> np.ndarray:
        started = time.perf_counter()
        if self.first is None:
            self.first = started
        try:
            return self._inner.encode(texts, *args, **kwargs)
        finally:
            self.last = time.perf_counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _warm_up(index_dir: Path, settings: Any, embedder: Any) -> float:
    """One tiny document through a scratch index: one-off loading costs stay out of the throughput."""
    from .. import Assistant

    scratch = index_dir.with_name(index_dir.name + "-warm-up")
    t = time.perf_counter()
    try:
        Assistant(scratch, settings, embedder).add([WARM_UP_DOCUMENT])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return time.perf_counter() - t


def _encode_window(timed: TimedEncoder, t_end: float) -> tuple[float, float]:
    """(start of the first encode call, end of the last); both ``t_end`` when nothing was encoded."""
    first = timed.first if timed.first is not None else t_end
    return first, timed.last if timed.last is not None else first


def _stage_seconds(t0: float, t_end: float, timed: TimedEncoder, warm_up_s: float) -> dict[str, float | None]:
    first, last = _encode_window(timed, t_end)
    return {"chunking": round(first - t0, 3), "embedding": round(last - first, 3), "pooling": None,
            "writing": round(t_end - last, 3), "total": round(t_end - t0, 3),
            "chunker_warm_up_not_counted": round(warm_up_s, 3)}


def _generation_files(index_dir: Path, info: dict[str, Any]) -> dict[str, int]:
    """Bytes of each file of the index's current generation (the whole folder if it has no such subfolder)."""
    gen = index_dir / str(info.get("generation", ""))
    return dir_bytes(gen if info.get("generation") and gen.is_dir() else index_dir)


def index_corpus(corpus: Corpus, index_dir: Path, settings: Any, embedder: Any) -> dict[str, Any]:
    """A fresh index of ``corpus`` written by ``Assistant.add``: throughput, stage times, bytes on disk.

    ``_texts``/``_vectors`` (chunk texts and vectors, read back from the index) seed the scale benchmark.
    """
    from .. import Assistant

    if index_dir.exists():
        shutil.rmtree(index_dir)
    timed = TimedEncoder(embedder)
    qa = Assistant(index_dir, settings, timed)  # loads the reader now, not on the clock
    warm_up_s = _warm_up(index_dir, settings, embedder) if corpus.documents else 0.0
    t0 = time.perf_counter()
    added = qa.add(corpus.documents)
    t_end = time.perf_counter()
    texts, n_tokens_each, vectors = _internal.index_chunks(index_dir)
    n_docs, n_chunks, n_tokens = len(corpus.documents), len(texts), sum(n_tokens_each)
    seconds = _stage_seconds(t0, t_end, timed, warm_up_s)
    total = t_end - t0
    first, last = _encode_window(timed, t_end)
    embedding_s = last - first
    info = qa.info()
    files = _generation_files(index_dir, info)
    disk = sum(files.values())
    return {
        "n_documents": n_docs,
        "n_chunks": n_chunks,
        "n_sentences": added.n_sentences,
        "n_tokens": n_tokens,
        "backend": getattr(embedder, "backend", "torch"),
        "seconds": seconds,
        "seconds_note": "Assistant.add timed from outside: writing includes pooling chunk vectors and opening "
                        "the new index; the warm-up (one tiny document) loads the sentence splitter, tokenizer "
                        "and index writer",
        "documents_per_s": round(n_docs / total, 2),
        "chunks_per_s": round(n_chunks / total, 2),
        "tokens_per_s": round(n_tokens / total, 1),
        "embedding_share": round(embedding_s / total, 3),
        "vector_index": info.get("vector_index"),
        "disk": {"bytes": disk, "bytes_per_chunk": round(disk / max(n_chunks, 1), 1), "files": files},
        "_texts": texts,
        "_vectors": vectors,
    }
