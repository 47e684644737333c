"""FAISS vector search over the chunk rows: exact for small corpora, IVF beyond a size we measured.

Kinds (recorded in the manifest as ``vector_index``):

* ``flat`` — exact inner product (``IndexFlatIP``), rebuilt from ``vectors.npy`` on load (nothing extra on disk).
* ``ivf`` — ``IndexIVFFlat``: k-means coarse quantiser trained on a sample, ``nprobe`` lists scanned per query.
  Chosen above :data:`EXACT_LIMIT` because it builds in minutes for 1M×384 on 2 cores, where HNSW took far
  longer, and meets recall@10 ≥ 0.95 against exact search (see bench/bench.md).
* ``hnsw`` — ``IndexHNSWFlat``; still read and written (older indexes, explicit specs), no longer chosen.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Up to this many vectors exact search is used. Measured (bench/bench.md, 2 busy cores, one query, one thread):
# exact search costs ~0.25-2 ms per 10k vectors (100k: ~23 ms p50, 1M: ~150 ms), IVF below stays under ~3 ms
# up to 1M with recall@10 ≥ 0.98; so above 50k (≈ 5-10 ms exact) IVF takes over.
EXACT_LIMIT = 50_000
# IVF: lists ≈ IVF_LISTS_PER_SQRT·√N, k-means on ≤ IVF_TRAIN_PER_LIST points per list, IVF_NPROBE lists scanned.
# Measured recall@10 vs exact (synthetic NewsQA-derived vectors, 200 real questions): 100k/632 lists — nprobe 16:
# 0.955, 32: 0.98, 48: 0.99; 1M/2000 lists — 16: 0.988, 32: 0.9975, 48: 1.0 (p50 2.7 ms). Build 12 s / 102 s.
# HNSW (M=32, efConstruction=40) at 100k took 40 s and reached only 0.66-0.86 recall at efSearch 32-128.
IVF_LISTS_PER_SQRT = 2.0
IVF_TRAIN_PER_LIST = 64
IVF_TRAIN_ITERATIONS = 10
IVF_NPROBE = 48
HNSW_DEFAULTS = {"M": 32, "ef_construction": 64, "ef_search": 96}


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    """One OpenMP thread for a one-query search (the calling thread's setting; restored afterwards).

    FAISS parallelises even a single query; on a busy 2-core machine the two spinning threads turned a
    0.3 ms exact search over 10k vectors into 10-30 ms. Index building keeps FAISS' default threads.
    """
    import faiss

    before = faiss.omp_get_max_threads()
    if before != 1:
        faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            faiss.omp_set_num_threads(before)


@dataclass
class VectorIndexSpec:
    kind: str  # "flat" | "ivf" | "hnsw"
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}


def ivf_lists(n_vectors: int) -> int:
    return max(16, round(IVF_LISTS_PER_SQRT * math.sqrt(max(n_vectors, 1))))


def choose_spec(n_vectors: int) -> VectorIndexSpec:
    """Exact search up to EXACT_LIMIT vectors; IVF (parameters measured for recall@10 ≥ 0.95) above."""
    if n_vectors <= EXACT_LIMIT:
        return VectorIndexSpec("flat")
    nlist = ivf_lists(n_vectors)
    return VectorIndexSpec(
        "ivf",
        {
            "nlist": nlist,
            "nprobe": min(IVF_NPROBE, nlist),
            "train_size": min(n_vectors, nlist * IVF_TRAIN_PER_LIST),
            "train_iterations": IVF_TRAIN_ITERATIONS,
        },
    )


def _train_sample(vectors: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    if size >= len(vectors):
        return np.ascontiguousarray(vectors, dtype=np.float32)
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), size=size, replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def _add_in_blocks(index: Any, vectors: np.ndarray, block: int = 65_536) -> None:
    for i in range(0, len(vectors), block):
        index.add(np.ascontiguousarray(vectors[i : i + block], dtype=np.float32))


class VectorIndex:
    """Inner product on normalised vectors (= cosine). Row i is chunk row i."""

    def __init__(self, faiss_index: Any, vectors: np.ndarray, spec: VectorIndexSpec) -> None:
        self._index = faiss_index
        self.vectors = vectors
        self.spec = spec
        self._path: Path | None = None  # the file a loaded ANN index came from

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @classmethod
    def build(cls, vectors: np.ndarray, spec: VectorIndexSpec | None = None) -> VectorIndex:
        import faiss

        spec = spec or choose_spec(len(vectors))
        dim = vectors.shape[1]
        if spec.kind == "hnsw":
            params = {**HNSW_DEFAULTS, **spec.params}
            index = faiss.IndexHNSWFlat(dim, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = int(params["ef_construction"])
            index.hnsw.efSearch = int(params["ef_search"])
        elif spec.kind == "ivf":
            nlist = min(int(spec.params.get("nlist", ivf_lists(len(vectors)))), max(1, len(vectors)))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.cp.niter = int(spec.params.get("train_iterations", IVF_TRAIN_ITERATIONS))
            index.cp.max_points_per_centroid = max(
                1, int(spec.params.get("train_size", nlist * IVF_TRAIN_PER_LIST)) // nlist
            )
            index.cp.seed = 1234
            if len(vectors):
                index.train(_train_sample(vectors, int(spec.params.get("train_size", nlist * IVF_TRAIN_PER_LIST))))
            index.nprobe = int(spec.params.get("nprobe", IVF_NPROBE))
        elif spec.kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            raise ValueError(f"unknown vector index kind {spec.kind!r}")
        if len(vectors):
            _add_in_blocks(index, vectors)
        return cls(index, vectors, spec)

    def set_search_params(self, **params: Any) -> None:
        """Change query-time knobs (``nprobe`` for IVF, ``ef_search`` for HNSW) without rebuilding."""
        if "nprobe" in params and hasattr(self._index, "nprobe"):
            self._index.nprobe = int(params["nprobe"])
            self.spec.params["nprobe"] = int(params["nprobe"])
        if "ef_search" in params and hasattr(self._index, "hnsw"):
            self._index.hnsw.efSearch = int(params["ef_search"])
            self.spec.params["ef_search"] = int(params["ef_search"])

    def save(self, directory: Path) -> None:
        """Flat indexes are rebuilt from vectors.npy on load; only ANN structures are saved."""
        import faiss

        if self.spec.kind != "flat":
            faiss.write_index(self._index, str(directory / "vectors.faiss"))

    @classmethod
    def load(cls, directory: Path, vectors: np.ndarray, spec: VectorIndexSpec) -> VectorIndex:
        """Open a saved index. IVF inverted lists are memory-mapped (read-only, shared page cache, instant
        open); use :meth:`writable_copy` before adding to such an index."""
        import faiss

        if spec.kind == "flat":
            return cls.build(vectors, spec)
        path = directory / "vectors.faiss"
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP) if spec.kind == "ivf" else faiss.read_index(str(path))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = int(spec.params.get("ef_search", HNSW_DEFAULTS["ef_search"]))
        if hasattr(index, "nprobe"):
            index.nprobe = int(spec.params.get("nprobe", IVF_NPROBE))
        loaded = cls(index, vectors, spec)
        loaded._path = path
        return loaded

    def writable_copy(self) -> Any:
        """A FAISS index that can be added to (memory-mapped IVF lists cannot be cloned or extended)."""
        import faiss

        if self._path is not None and self.spec.kind == "ivf":
            index = faiss.read_index(str(self._path))
            index.nprobe = int(self.spec.params.get("nprobe", IVF_NPROBE))
            return index
        return faiss.clone_index(self._index)

    def extended(self, vectors: np.ndarray, n_old: int) -> VectorIndex:
        """This index plus ``vectors[n_old:]``: adding to an HNSW graph is incremental, so only the new rows
        are inserted into a copy of the old graph."""
        index = self.writable_copy()
        if len(vectors) > n_old:
            index.add(np.ascontiguousarray(vectors[n_old:], dtype=np.float32))
        return VectorIndex(index, vectors, self.spec)

    def search(self, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, cosine scores); with ``rows``, exact search among those rows only."""
        if self.size == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if rows is not None:
            if rows.size == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            sims = np.asarray(self.vectors[rows], dtype=np.float32) @ query
            order = np.argsort(-sims, kind="stable")[:k]
            return rows[order].astype(np.int64), sims[order]
        with _single_thread():
            scores, ids = self._index.search(
                np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), min(k, self.size)
            )
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]
