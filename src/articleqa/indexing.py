"""Documents → NewDocuments: cut into sentence units and chunks, embed each sentence once, pool chunk vectors.

Sentences, not chunks, are what the model encodes: a question is later matched against a chunk through its
pooled vector *and* its best sentence, and the answer stage reads the stored sentence vectors instead of
encoding sentences while the user waits. A chunk's vector is the normalised mean of its sentences' vectors
(on NewsQA dev as good for retrieval as encoding the chunk itself, and it costs nothing more).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .chunking import Segmentation, segment_document
from .index import NewDocument, Snapshot, sentence_hashes
from .records import Document


@dataclass
class Prepared:
    documents: list[NewDocument]
    seconds: dict[str, float] = field(default_factory=dict)  # chunking, embedding, pooling
    n_units: int = 0
    n_reused: int = 0  # units whose vector came from the index already on disk


def _known_vectors(base: Snapshot | None, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of hashes the base index holds, their vectors): unchanged sentences are not encoded again."""
    found = np.zeros(len(hashes), dtype=bool)
    vectors = np.zeros((0, 0), dtype=np.float16)
    old = base.sentences if base is not None else None
    if old is None or not len(old.hashes) or not len(hashes):
        return found, vectors
    base_hashes = np.asarray(old.hashes)
    order = np.argsort(base_hashes, kind="stable")
    sorted_hashes = base_hashes[order]
    pos = np.searchsorted(sorted_hashes, hashes)
    pos_clipped = np.minimum(pos, len(sorted_hashes) - 1)
    found = sorted_hashes[pos_clipped] == hashes
    return found, np.asarray(old.vectors[order[pos_clipped[found]]])


def pool_chunks(unit_vectors: np.ndarray, chunk_units: Sequence[tuple[int, int]]) -> np.ndarray:
    """Normalised mean of each chunk's sentence vectors."""
    dim = unit_vectors.shape[1] if unit_vectors.ndim == 2 else 0
    out = np.zeros((len(chunk_units), dim), dtype=np.float32)
    for i, (lo, hi) in enumerate(chunk_units):
        if hi > lo:
            out[i] = np.asarray(unit_vectors[lo:hi], dtype=np.float32).mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)


def prepare_documents(
    docs: Sequence[Document],
    encode: Callable[[list[str]], np.ndarray],
    *,
    chunk_tokens: int,
    overlap_tokens: int,
    base: Snapshot | None = None,
) -> Prepared:
    t0 = time.perf_counter()
    segmented: list[tuple[Document, Segmentation]] = [
        (d, segment_document(d, chunk_tokens, overlap_tokens)) for d in docs
    ]
    texts = [d.text[s:e] for d, seg in segmented for s, e in seg.units]
    hashes = sentence_hashes(texts)
    t1 = time.perf_counter()
    found, known = _known_vectors(base, hashes)
    todo = np.flatnonzero(~found)
    encoded = encode([texts[i] for i in todo]) if len(todo) else np.zeros((0, 0), dtype=np.float32)
    dim = encoded.shape[1] if len(todo) else known.shape[1]
    vectors = np.zeros((len(texts), dim), dtype=np.float16)
    if len(todo):
        vectors[todo] = encoded
    if found.any():
        vectors[found] = known
    t2 = time.perf_counter()
    out: list[NewDocument] = []
    pos = 0
    for doc, seg in segmented:
        n = len(seg.units)
        unit_vectors = vectors[pos : pos + n]
        out.append(
            NewDocument(
                document=doc,
                chunks=seg.chunks,
                vectors=pool_chunks(unit_vectors, seg.chunk_units),
                units=seg.units,
                chunk_units=seg.chunk_units,
                unit_vectors=unit_vectors,
                unit_hashes=hashes[pos : pos + n],
            )
        )
        pos += n
    t3 = time.perf_counter()
    return Prepared(
        out,
        {"chunking": t1 - t0, "embedding": t2 - t1, "pooling": t3 - t2},
        n_units=len(texts),
        n_reused=int(found.sum()),
    )
