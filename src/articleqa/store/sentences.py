"""Per generation: every sentence unit's offsets, vector (float16) and content key, and each chunk's range of
units. Memory-mapped, so a question reads only the rows of its candidate passages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..records import Chunk, NewDocument

FILES = ("unit_spans.npy", "unit_vectors.npy", "unit_hashes.npy", "chunk_units.npy")


@dataclass
class SentenceData:
    spans: np.ndarray  # (n_units, 2) int64, offsets into the document text
    vectors: np.ndarray  # (n_units, dim) float16
    hashes: np.ndarray  # (n_units,) uint64
    chunk_units: np.ndarray  # (n_chunks, 2) int64, half-open unit rows per chunk

    @classmethod
    def load(cls, gen_dir: Path) -> SentenceData | None:
        if not (gen_dir / FILES[0]).is_file():
            return None
        spans, vectors, hashes, chunk_units = (np.load(gen_dir / n, mmap_mode="r") for n in FILES)
        return cls(spans, vectors, hashes, chunk_units)

    def for_chunk(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = (int(x) for x in self.chunk_units[row])
        return self.spans[lo:hi], self.vectors[lo:hi]

    def gather(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(these chunks' sentence vectors as float32, chunk after chunk; each chunk's number of sentences):
        one gather, read in file order (memory-mapped reads go faster so)."""
        ranges = np.asarray(self.chunk_units[np.asarray(rows, dtype=np.int64)]).reshape(-1, 2)
        lengths = ranges[:, 1] - ranges[:, 0]
        nonempty = lengths > 0
        starts, lens = ranges[nonempty, 0], lengths[nonempty]
        offsets = np.repeat(starts - np.cumsum(np.r_[0, lens[:-1]]), lens) + np.arange(int(lens.sum()))
        order = np.argsort(offsets, kind="stable")
        gathered = np.empty((len(offsets), self.vectors.shape[1]), dtype=np.float32)
        gathered[order] = self.vectors[offsets[order]]
        return gathered, lengths

    def known_vectors(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask of ``hashes`` held here, their vectors): unchanged sentences are not encoded again."""
        found = np.zeros(len(hashes), dtype=bool)
        if not len(self.hashes) or not len(hashes):
            return found, np.zeros((0, 0), dtype=np.float16)
        base_hashes = np.asarray(self.hashes)
        order = np.argsort(base_hashes, kind="stable")
        sorted_hashes = base_hashes[order]
        pos_clipped = np.minimum(np.searchsorted(sorted_hashes, hashes), len(sorted_hashes) - 1)
        found = sorted_hashes[pos_clipped] == hashes
        return found, np.asarray(self.vectors[order[pos_clipped[found]]])


def _kept_pieces(old: SentenceData, kept_chunks: Sequence[tuple[int, Chunk, str]]) -> list[tuple[int, int, np.ndarray]]:
    """(old lo, old hi, that document's kept chunk ranges) per kept document: chunks of one document are
    consecutive rows and together cover its units, so units are copied per document."""
    pieces: list[tuple[int, int, np.ndarray]] = []
    if not kept_chunks:
        return pieces
    rows = np.fromiter((r for r, _c, _h in kept_chunks), dtype=np.int64, count=len(kept_chunks))
    doc_ids = [c.doc_id for _r, c, _h in kept_chunks]
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or doc_ids[i] != doc_ids[start]:
            ranges = np.asarray(old.chunk_units[rows[start:i]])
            pieces.append((int(ranges[:, 0].min()), int(ranges[:, 1].max()), ranges))
            start = i
    return pieces


def write_sentences(
    gen_dir: Path, add: Sequence[NewDocument], kept_chunks: Sequence[tuple[int, Chunk, str]],
    old: SentenceData | None, dim: int,
) -> int | None:
    """Sentence files of a new generation: the kept documents' units copied from ``old``, then the new ones.
    None (no files) when kept documents come from an index written before sentences were stored."""
    if kept_chunks and old is None:
        return None
    pieces = _kept_pieces(old, kept_chunks) if old is not None else []
    n_units = sum(hi - lo for lo, hi, _r in pieces) + sum(len(nd.units) for nd in add)
    n_chunks = len(kept_chunks) + sum(len(nd.chunks) for nd in add)

    def array(name: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
        return np.lib.format.open_memmap(gen_dir / name, mode="w+", dtype=dtype, shape=shape)

    spans = array(FILES[0], np.int64, (n_units, 2))
    vecs = array(FILES[1], np.float16, (n_units, dim))
    hashes = array(FILES[2], np.uint64, (n_units,))
    chunk_units = array(FILES[3], np.int64, (n_chunks, 2))
    pos = row = 0
    for lo, hi, ranges in pieces:
        assert old is not None
        spans[pos : pos + hi - lo] = old.spans[lo:hi]
        vecs[pos : pos + hi - lo] = old.vectors[lo:hi]
        hashes[pos : pos + hi - lo] = old.hashes[lo:hi]
        chunk_units[row : row + len(ranges)] = ranges - lo + pos
        pos += hi - lo
        row += len(ranges)
    for nd in add:
        n = len(nd.units)
        if n:
            spans[pos : pos + n] = np.asarray(nd.units, dtype=np.int64)
            vecs[pos : pos + n] = nd.unit_vectors
            hashes[pos : pos + n] = nd.unit_hashes
        if nd.chunk_units:
            chunk_units[row : row + len(nd.chunks)] = np.asarray(nd.chunk_units, dtype=np.int64) + pos
        pos += n
        row += len(nd.chunks)
    for written in (spans, vecs, hashes, chunk_units):
        written.flush()
    return n_units
