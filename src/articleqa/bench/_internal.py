"""Everything ``articleqa.bench`` takes from beneath the public API, in one place and imported lazily.

The benchmarks otherwise drive :class:`articleqa.Assistant` and the served UI as a user would. What is
left here has no public face, and each entry says why the bench needs it. Imports are lazy (PEP 562) so
the scale worker subprocess only loads what it measures and its peak memory stays its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_NAMES: dict[str, tuple[str, str]] = {
    # The embedder every Assistant in this process shares: loaded once before timing, its sentence-transformers
    # model is the baseline's encoder, and its encode() turns the scale benchmark's questions into vectors.
    "shared_embedder": ("articleqa.models", "shared_embedder"),
    # Embedding backends compared against each other (torch / ONNX fp32 / int8) and the baseline's thread pin.
    "Embedder": ("articleqa.embedding", "Embedder"),
    "torch_threads": ("articleqa.embedding", "torch_threads"),
    # Files and SQuAD contexts → Documents before the clock starts, so indexing time is not file reading.
    "load_paths": ("articleqa.ingest", "load_paths"),
    "document_from_text": ("articleqa.ingest", "document_from_text"),
    # The reader model's load time, measured on its own.
    "Reader": ("articleqa.answer", "Reader"),
    "find_model_dir": ("articleqa.answer", "find_model_dir"),
}


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _NAMES[name]
    return getattr(importlib.import_module(module), attr)


def index_chunks(index_dir: Path) -> tuple[list[str], list[int], np.ndarray]:
    """(texts, token counts, vectors) of every chunk of an index, in vector-row order.

    The scale benchmark grows its synthetic corpus from a real index's chunk vectors and texts; the public
    API hands out documents and answers, not the stored vectors.
    """
    from ..store import IndexStore

    snap = IndexStore(index_dir).open_snapshot()
    try:
        chunks = snap.chunks(range(snap.n_chunks))
        vectors = snap.chunk_vectors(slice(None))
    finally:
        snap.close()
    return [c.text for c in chunks], [c.n_tokens for c in chunks], vectors


def write_synthetic_index(
    index_dir: Path, vectors: np.ndarray, texts: Sequence[str], per_doc: int = 10, store: Any = None
) -> None:
    """Documents of ``per_doc`` chunks cycling over real chunk texts; each chunk is one sentence unit whose
    vector is the chunk's synthetic vector.

    A million synthetic vectors cannot go through ``Assistant.add`` (it would embed real text for hours), so
    the index is written directly, in the same format a user's index has. ``store``: another store to write
    it to (the Milvus section); default the embedded store in ``index_dir``.
    """
    from ..config import DEFAULT_MODEL
    from ..records import Chunk, Document, NewDocument
    from ..store import IndexStore

    n = len(vectors)
    docs: list[Any] = []
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
    store = store if store is not None else IndexStore(index_dir)
    with store.lock():
        store.write(docs, set(), model=DEFAULT_MODEL, dim=int(vectors.shape[1]), base=None)
