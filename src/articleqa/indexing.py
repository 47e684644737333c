"""Documents → NewDocuments: cut into sentence units and chunks, embed each sentence once, pool chunk vectors.

Sentences, not chunks, are what the model encodes: a question is later matched against a chunk through its
pooled vector *and* its best sentence, and the answer stage reads the stored sentence vectors instead of
encoding sentences while the user waits. A chunk's vector is the normalised mean of its sentences' vectors
(on NewsQA dev as good for retrieval as encoding the chunk itself, and it costs nothing more).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .chunking import Segmentation, segment_document
from .progress import NoProgress, Progress
from .records import Document, NewDocument


@dataclass
class Prepared:
    documents: list[NewDocument]
    seconds: dict[str, float] = field(default_factory=dict)  # chunking, embedding, pooling
    n_units: int = 0
    n_reused: int = 0  # units whose vector came from the index already on disk
    n_encoded: int = 0  # units the encoder ran on (repeats of one sentence text are encoded once)


class KnownVectors(Protocol):
    """An index already on disk, asked for the vectors of sentences it holds (a :class:`~articleqa.store.Snapshot`)."""

    def known_sentence_vectors(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def sentence_hashes(texts: Sequence[str]) -> np.ndarray:
    """64-bit content keys of sentence texts: re-indexing an unchanged sentence reuses its vector."""
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little") for t in texts),
        dtype=np.uint64,
        count=len(texts),
    )


def pool_chunks(unit_vectors: np.ndarray, chunk_units: Sequence[tuple[int, int]]) -> np.ndarray:
    """Normalised mean of each chunk's sentence vectors."""
    dim = unit_vectors.shape[1] if unit_vectors.ndim == 2 else 0
    out = np.zeros((len(chunk_units), dim), dtype=np.float32)
    for i, (lo, hi) in enumerate(chunk_units):
        if hi > lo:
            out[i] = np.asarray(unit_vectors[lo:hi], dtype=np.float32).mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)


ENCODE_BLOCK = 2048  # sentences per encoder call: memory stays bounded however big one document is


def _embed_units(
    hashes: np.ndarray, unit_texts: Callable[[np.ndarray], list[str]], encode: Callable[[list[str]], np.ndarray],
    base: KnownVectors | None, progress: Progress,
) -> tuple[np.ndarray, np.ndarray, int]:
    """(float16 vector of every unit, mask of units whose vector the base index had, units encoded)."""
    n_units = len(hashes)
    if base is not None:
        found, known = base.known_sentence_vectors(hashes)
    else:
        found, known = np.zeros(n_units, dtype=bool), np.zeros((0, 0), dtype=np.float16)
    todo = np.flatnonzero(~found)
    vectors: np.ndarray | None = None
    if found.any():
        vectors = np.zeros((n_units, known.shape[1]), dtype=np.float16)
        vectors[found] = known
    # A sentence repeated within the new documents (boilerplate lines, quoted passages) is encoded once.
    _uniq, first, copy_of = np.unique(hashes[todo], return_index=True, return_inverse=True)
    encode_rows = todo[np.sort(first)]
    progress.stage("embedding sentences", len(encode_rows), "sentence")
    for lo in range(0, len(encode_rows), ENCODE_BLOCK):
        rows = encode_rows[lo : lo + ENCODE_BLOCK]
        block = encode(unit_texts(rows))
        if vectors is None:
            vectors = np.zeros((n_units, block.shape[1]), dtype=np.float16)
        vectors[rows] = block
        progress.advance(len(rows))
    if vectors is None:
        vectors = np.zeros((0, 0), dtype=np.float16)
    elif len(encode_rows) < len(todo):
        vectors[todo] = vectors[todo[first[copy_of.ravel()]]]
    return vectors, found, len(encode_rows)


def prepare_documents(
    docs: Sequence[Document],
    encode: Callable[[list[str]], np.ndarray],
    *,
    chunk_tokens: int,
    overlap_tokens: int,
    base: KnownVectors | None = None,
    progress: Progress | None = None,
) -> Prepared:
    """Segment every document, then embed the sentences not already in ``base`` block by block into one
    float16 array (the form the index stores), so a 50 MB file never holds its vectors in float32 at once."""
    progress = progress or NoProgress()
    t0 = time.perf_counter()
    progress.stage("cutting into sentences", len(docs), "doc")
    segmented: list[tuple[Document, Segmentation]] = []
    for d in docs:
        segmented.append((d, segment_document(d, chunk_tokens, overlap_tokens)))
        progress.advance()
    counts = [len(seg.units) for _d, seg in segmented]
    n_units = sum(counts)
    owner = np.repeat(np.arange(len(segmented)), counts)  # unit → its document
    spans = np.array([span for _d, seg in segmented for span in seg.units], dtype=np.int64).reshape(-1, 2)

    def unit_texts(rows: np.ndarray) -> list[str]:
        return [segmented[owner[r]][0].text[spans[r, 0] : spans[r, 1]] for r in rows]

    hashes = np.zeros(n_units, dtype=np.uint64)
    for lo in range(0, n_units, ENCODE_BLOCK * 8):
        rows = np.arange(lo, min(n_units, lo + ENCODE_BLOCK * 8))
        hashes[rows] = sentence_hashes(unit_texts(rows))
    t1 = time.perf_counter()
    vectors, found, n_encoded = _embed_units(hashes, unit_texts, encode, base, progress)
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
        n_units=n_units,
        n_reused=int(found.sum()),
        n_encoded=n_encoded,
    )
