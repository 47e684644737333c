"""The store contract: what every backend (the embedded folder, a Milvus server) offers, stated once.

The pipeline (retrieval, the answer stage, the facade) reads through :class:`Snapshot` and writes through
:class:`Store` and never learns which backend it has: :class:`~articleqa.store.IndexStore` /
:class:`~articleqa.store.IndexSnapshot` (``generations``, ``snapshot``) and
:class:`~articleqa.store.MilvusStore` / :class:`~articleqa.store.MilvusSnapshot` (``milvus/``) subclass these.
What both backends compute the same way from their own primitives lives here, once: a new backend is one
new set of primitives, and ``tests/test_store_contract.py`` checks every backend against this list.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

import numpy as np

from ..records import Chunk, Document, DocumentInfo, DocumentMeta, NewDocument


class Snapshot(ABC):
    """One generation (or commit) of an index, opened read-only. It never changes once open, so any number
    of threads may search it and readers may cache what it returns; chunk *rows* are its row numbers."""

    manifest: dict[str, Any]  # what the writer recorded: model, dim, counts, vector index, sources, removals
    generation: str  # changes with every write: what answer caches key on

    # ------------------------------------------------------------ what the index is
    @property
    def n_chunks(self) -> int:
        return int(self.manifest["n_chunks"])

    @property
    def n_documents(self) -> int:
        return int(self.manifest["n_documents"])

    @property
    def model(self) -> str:
        """The embedding model the vectors were made with."""
        return str(self.manifest["model"])

    @property
    @abstractmethod
    def has_sentences(self) -> bool:
        """False for embedded indexes written before sentence vectors were stored (format 1)."""

    @abstractmethod
    def close(self) -> None:
        """Release what the snapshot holds open (files); searching it afterwards is an error."""

    @abstractmethod
    def check(self) -> None:
        """The backend's own consistency check of what it stores; raises IndexError_ (crash-safety tests)."""

    # ------------------------------------------------------------ search
    @abstractmethod
    def search_dense(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k chunk rows by cosine similarity (within ``rows`` when given) and their scores."""

    @abstractmethod
    def search_lexical(self, question: str, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k chunk rows by BM25 (within ``rows`` when given) and their scores."""

    @abstractmethod
    def chunk_vectors(self, rows: Sequence[int] | slice) -> np.ndarray:
        """Pooled chunk vectors (float32 copies), in the order asked; a slice counts over the live rows."""

    def chunk_similarities(self, rows: Sequence[int], query_vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of these chunks' pooled vectors to the question."""
        return self.chunk_vectors(rows) @ query_vector

    @abstractmethod
    def _sentence_vectors(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(every sentence vector of these chunks, float32, chunk after chunk; each chunk's number of
        sentences). Only called when :attr:`has_sentences`."""

    def best_sentence_similarities(self, rows: Sequence[int], query_vector: np.ndarray) -> np.ndarray | None:
        """Each chunk's best sentence similarity to the question; None when no sentence vectors are stored.

        One product over all candidates' sentences, then the maximum per chunk, in every backend: BLAS rounds
        a product differently by its shape, and equal answers need equal scores."""
        if not self.has_sentences:
            return None
        out = np.zeros(len(rows), dtype=np.float32)
        gathered, lens = self._sentence_vectors(rows)
        nonempty = lens > 0
        if not nonempty.any():
            return out
        sims = gathered @ query_vector
        out[nonempty] = np.maximum.reduceat(sims, np.r_[0, np.cumsum(lens[nonempty])[:-1]])
        return out

    @abstractmethod
    def chunk_sentences(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """(offsets into the document, float16 vectors) of one chunk's sentences; empty without sentences."""

    @abstractmethod
    def known_sentence_vectors(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask of sentence keys this index holds, their float16 vectors): unchanged sentences are not
        encoded again."""

    # ------------------------------------------------------------ records
    @abstractmethod
    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        """Chunks for rows, in the order asked."""

    @abstractmethod
    def rows_for_documents(self, doc_ids: Sequence[str]) -> np.ndarray:
        """Every chunk row of these documents, sorted (a filtered question searches only these)."""

    @abstractmethod
    def has_document(self, doc_id: str) -> bool:
        """Whether the document is in this generation."""

    @abstractmethod
    def document(self, doc_id: str) -> Document | None:
        """One document with its whole text; None when it is not here."""

    @abstractmethod
    def documents(self) -> Iterator[Document]:
        """Every document with its text, in index order (a rebuild's input)."""

    @abstractmethod
    def document_infos(self) -> list[DocumentInfo]:
        """What the library lists: each document's fields, chunk count and length, no text."""

    @abstractmethod
    def document_meta(self, doc_ids: Sequence[str]) -> dict[str, DocumentMeta]:
        """Bibliographic fields per doc id (citations, passages); ids not here are left out."""

    @abstractmethod
    def all_document_meta(self) -> list[DocumentMeta]:
        """Every document's fields without its text, in index order: what filters read."""

    @abstractmethod
    def count_documents(self) -> int:
        """Documents actually stored (checked against the manifest's count)."""

    @abstractmethod
    def count_chunks(self) -> int:
        """Chunk rows actually stored (checked against the manifest's count)."""


S = TypeVar("S", bound=Snapshot)


class Store(ABC, Generic[S]):
    """One index: reads its newest generation and writes the next one, atomically. A backend's store opens
    and writes its own kind of snapshot ``S``."""

    @abstractmethod
    def exists(self) -> bool:
        """Whether an index has been written here."""

    @abstractmethod
    def manifest(self) -> dict[str, Any]:
        """The newest generation's manifest; IndexError_ (with what to run) when there is none or it is damaged."""

    @abstractmethod
    def manifest_stamp(self) -> tuple[int, int]:
        """A cheap change detector: it differs after any process's write, so long-running readers reopen."""

    @abstractmethod
    def open_snapshot(self) -> S:
        """The newest complete generation, opened read-only."""

    @abstractmethod
    def lock(self) -> AbstractContextManager[object]:
        """Held around a read-modify-write: one writer at a time."""

    @abstractmethod
    def write(
        self, add: Sequence[NewDocument], remove: set[str], *, model: str, dim: int, base: S | None,
        sources: Sequence[str] = (), progress: Callable[[str], None] | None = None, encoder: str | None = None,
        removed_by_user: Mapping[str, Mapping[str, str]] | None = None,
    ) -> dict[str, Any]:
        """Write the next generation = ``base`` − ``remove`` + ``add`` and make it current; its manifest.
        Caller holds :meth:`lock`. ``sources``: folders and files to remember for a rebuild;
        ``removed_by_user``: the documents a user removed (doc id → source, title), kept in the manifest so a
        folder indexed again leaves them out; None carries the base's list over unchanged."""
