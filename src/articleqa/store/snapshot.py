"""One generation of the embedded index, opened read-only: the :class:`~articleqa.store.contract.Snapshot`
of the folder backend.

Retrieval, the answer stage and the facade ask a Snapshot for search results, chunks, sentences and document
records; the files, FAISS and bm25s objects behind them stay inside the store package."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexError_
from ..records import Chunk, Document, DocumentInfo, DocumentMeta
from .contract import Snapshot
from .dense import VectorIndex, VectorIndexSpec
from .files import crc32, file_sizes
from .lexical import LexicalIndex
from .sentences import SentenceData
from .sqlite import RecordStore

REBUILD_HINT = "run `articleqa index --rebuild PATH...` to build it again from your files"
DEFAULT_ROOT = Path("index")  # where commands look without --index-dir


def rebuild_hint(root: Path) -> str:
    """REBUILD_HINT naming ``--index-dir`` when the index is not the default ./index: the suggested command
    must repair *this* index, not build a new one in ./index."""
    if os.path.abspath(root) == os.path.abspath(DEFAULT_ROOT):
        return REBUILD_HINT
    return REBUILD_HINT.replace("PATH...`", f"PATH... --index-dir {shlex.quote(str(root))}`")


def _check_files(gen_dir: Path, manifest: dict[str, Any]) -> None:
    """Sizes and checksums against the manifest: truncation and same-size damage are refused at open."""
    root = gen_dir.parent
    if not gen_dir.is_dir():
        raise IndexError_(f"the index in {root} is missing {gen_dir.name}/; {rebuild_hint(root)}")
    actual = file_sizes(gen_dir)
    for name, size in manifest.get("files", {}).items():
        if actual.get(name) != size:
            got = "missing" if name not in actual else f"{actual[name]} bytes, expected {size}"
            raise IndexError_(f"the index in {root} is damaged ({gen_dir.name}/{name}: {got}); {rebuild_hint(root)}")
    for name, crc in manifest.get("checksums", {}).items():  # indexes written before checksums: none
        if crc32(gen_dir / name) != crc:
            raise IndexError_(
                f"the index in {root} is damaged ({gen_dir.name}/{name}: contents changed since it "
                f"was written); {rebuild_hint(root)}"
            )


class IndexSnapshot(Snapshot):
    """One generation of the embedded index, opened read-only: SQLite records, FAISS, bm25s and memory-mapped
    sentence vectors in its folder."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.manifest = manifest
        self.generation = str(manifest["generation"])
        gen_dir = root / self.generation
        try:
            _check_files(gen_dir, manifest)
            self._open(gen_dir, manifest)
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"the index in {root} is damaged ({exc}); {rebuild_hint(root)}") from exc

    def _open(self, gen_dir: Path, manifest: dict[str, Any]) -> None:
        self._records = RecordStore(gen_dir / "records.sqlite")
        self._vectors: np.ndarray = np.load(gen_dir / "vectors.npy", mmap_mode="r")
        if self._vectors.shape != (manifest["n_chunks"], manifest["dim"]):
            raise ValueError(f"vectors.npy has shape {self._vectors.shape}")
        self._dense = VectorIndex.load(gen_dir, self._vectors, VectorIndexSpec(**manifest["vector_index"]))
        self._lexical = LexicalIndex.load(gen_dir / "bm25")
        if self._records.count_chunks() != manifest["n_chunks"]:
            raise ValueError("chunk count differs from the manifest")
        self._sentences = SentenceData.load(gen_dir)
        if self._sentences is not None and (
            self._sentences.chunk_units.shape != (manifest["n_chunks"], 2)
            or self._sentences.vectors.shape != (manifest["sentences"]["n_units"], manifest["dim"])
        ):
            raise ValueError("sentence files differ from the manifest")

    # ------------------------------------------------------------ what the index is
    @property
    def has_sentences(self) -> bool:
        return self._sentences is not None

    def close(self) -> None:
        self._records.close()

    def check(self) -> None:
        """SQLite's own consistency check of the records."""
        self._records.check()

    # ------------------------------------------------------------ search
    def search_dense(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._dense.search(query_vector, k, rows)

    def search_lexical(self, question: str, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._lexical.search(question, k, rows)

    def chunk_vectors(self, rows: Sequence[int] | slice) -> np.ndarray:
        picked = self._vectors[rows] if isinstance(rows, slice) else self._vectors[np.asarray(rows, dtype=np.int64)]
        return np.asarray(picked, dtype=np.float32)

    def _sentence_vectors(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        assert self._sentences is not None
        return self._sentences.gather(rows)

    def chunk_sentences(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        if self._sentences is None:
            return np.zeros((0, 2), dtype=np.int64), np.zeros((0, 0), dtype=np.float16)
        return self._sentences.for_chunk(row)

    def known_sentence_vectors(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._sentences is None:
            return np.zeros(len(hashes), dtype=bool), np.zeros((0, 0), dtype=np.float16)
        return self._sentences.known_vectors(hashes)

    # ------------------------------------------------------------ records
    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        return self._records.chunks(rows)

    def rows_for_documents(self, doc_ids: Sequence[str]) -> np.ndarray:
        return self._records.rows_for_documents(doc_ids)

    def has_document(self, doc_id: str) -> bool:
        return self._records.has_document(doc_id)

    def document(self, doc_id: str) -> Document | None:
        return self._records.document(doc_id)

    def documents(self) -> Iterator[Document]:
        return self._records.documents()

    def document_infos(self) -> list[DocumentInfo]:
        return self._records.document_infos()

    def document_meta(self, doc_ids: Sequence[str]) -> dict[str, DocumentMeta]:
        return self._records.document_meta(doc_ids)

    def all_document_meta(self) -> list[DocumentMeta]:
        return self._records.all_document_meta()

    def count_documents(self) -> int:
        return self._records.count_documents()

    def count_chunks(self) -> int:
        return self._records.count_chunks()
