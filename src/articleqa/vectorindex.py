"""FAISS vector search over the chunk rows; exact for small corpora, HNSW beyond a size we measured."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Up to this many vectors, exact inner-product search answers in a few ms; above it, HNSW.
EXACT_LIMIT = 200_000


@dataclass
class VectorIndexSpec:
    kind: str  # "flat" | "hnsw"
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}


def choose_spec(n_vectors: int) -> VectorIndexSpec:
    if n_vectors <= EXACT_LIMIT:
        return VectorIndexSpec("flat")
    return VectorIndexSpec("hnsw", {"M": 32, "ef_construction": 64, "ef_search": 96})


class VectorIndex:
    """Inner product on normalised vectors (= cosine). Row i is chunk row i."""

    def __init__(self, faiss_index: Any, vectors: np.ndarray, spec: VectorIndexSpec) -> None:
        self._index = faiss_index
        self.vectors = vectors
        self.spec = spec

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @classmethod
    def build(cls, vectors: np.ndarray, spec: VectorIndexSpec | None = None) -> VectorIndex:
        import faiss

        spec = spec or choose_spec(len(vectors))
        dim = vectors.shape[1]
        if spec.kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, int(spec.params["M"]), faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = int(spec.params["ef_construction"])
            index.hnsw.efSearch = int(spec.params["ef_search"])
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, vectors, spec)

    def save(self, directory: Path) -> None:
        """Flat indexes are rebuilt from vectors.npy on load; only ANN graphs are saved."""
        import faiss

        if self.spec.kind != "flat":
            faiss.write_index(self._index, str(directory / "vectors.faiss"))

    @classmethod
    def load(cls, directory: Path, vectors: np.ndarray, spec: VectorIndexSpec) -> VectorIndex:
        import faiss

        if spec.kind == "flat":
            return cls.build(vectors, spec)
        index = faiss.read_index(str(directory / "vectors.faiss"))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = int(spec.params.get("ef_search", 96))
        return cls(index, vectors, spec)

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
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), min(k, self.size))
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]
