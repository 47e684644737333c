"""What a new generation holds: the kept part of the current one (copied server to server through this
process, rows renumbered in the same order as the embedded store) followed by the new documents."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import IndexError_
from ...records import Document, DocumentMeta, NewDocument
from ..files import content_hash
from ..lexical import LexicalIndex
from . import records
from .records import blob_rows, document_rows
from .schema import META_CHARS, PIECE_CHARS
from .snapshot import CHUNK_FIELDS, MilvusSnapshot

TEXT_BATCH = 200  # documents whose texts are read per query while copying


@dataclass
class Kept:
    """The current generation minus the removed documents, in index order."""

    base: MilvusSnapshot | None = None
    documents: list[tuple[DocumentMeta, int, int]] = field(default_factory=list)
    chunks: list[dict[str, Any]] = field(default_factory=list)  # old chunk rows (with vectors), by old row
    unit_map: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # old unit → new, -1 dropped

    @property
    def n_chunks(self) -> int:
        return len(self.chunks)

    @property
    def n_documents(self) -> int:
        return len(self.documents)

    @property
    def n_units(self) -> int:
        return int((self.unit_map >= 0).sum())

    @classmethod
    def read(cls, base: MilvusSnapshot | None, remove: set[str]) -> Kept:
        if base is None:
            return cls()
        docs = [d for d in records.all_meta(base.client, base.names.records, base.n_documents)
                if d[0].doc_id not in remove]
        keep_ids = {m.doc_id for m, _n, _l in docs}
        chunks = sorted((c for c in records.iterate(base.client, base.names.chunks, f"row < {base.n_chunks}",
                                                    [*CHUNK_FIELDS, "content_hash", "vector"]) if c["doc_id"] in keep_ids),
                        key=lambda c: int(c["row"]))
        unit_map = np.full(base.n_units, -1, dtype=np.int64)
        pos = 0
        for lo, hi in _document_unit_ranges(chunks):
            unit_map[lo:hi] = np.arange(pos, pos + hi - lo)
            pos += hi - lo
        return cls(base, docs, chunks, unit_map)


def _document_unit_ranges(chunks: Sequence[dict[str, Any]]) -> Iterator[tuple[int, int]]:
    """Per kept document (its chunks are consecutive rows), the units its chunks cover."""
    start = 0
    for i in range(1, len(chunks) + 1):
        if i == len(chunks) or chunks[i]["doc_id"] != chunks[start]["doc_id"]:
            part = chunks[start:i]
            yield min(int(c["unit_lo"]) for c in part), max(int(c["unit_hi"]) for c in part)
            start = i


def _short(value: str | None) -> str:
    return (value or "")[:META_CHARS]


def chunk_row(row: int, vector: Any, chunk: Any, doc: DocumentMeta | Document, units: tuple[int, int],
              text: str, hash_: str) -> dict[str, Any]:
    long = len(text) > PIECE_CHARS
    return {"row": row, "vector": np.asarray(vector, dtype=np.float32).tolist(), "chunk_id": chunk["chunk_id"],
            "doc_id": chunk["doc_id"], "text": "" if long else text, "text_in_document": long,
            "start": int(chunk["start"]), "end": int(chunk["end"]), "n_tokens": int(chunk["n_tokens"]),
            "content_hash": hash_, "source": _short(doc.source), "author": _short(doc.author),
            "published": (doc.published or "")[:32], "unit_lo": units[0], "unit_hi": units[1]}


class NewRows:
    """The rows of each collection of the new generation, produced lazily; ``texts`` = chunk texts by row.
    ``after`` = the (chunk rows, sentence units, documents) already published when these rows are appended to a
    generation (zero when a new generation is written)."""

    def __init__(self, kept: Kept, add: Sequence[NewDocument], after: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.kept = kept
        self.add = add
        self.row0, self.unit0, self.doc0 = after
        self.texts: list[str] = []
        self._doc_text: dict[str, str] = {}

    def _kept_texts(self, doc_ids: Sequence[str]) -> dict[str, str]:
        assert self.kept.base is not None
        return records.read_named(self.kept.base.client, self.kept.base.names.records, "text", doc_ids)

    def records(self) -> Iterator[dict[str, Any]]:
        docs = self.kept.documents
        for i in range(0, len(docs), TEXT_BATCH):
            part = docs[i : i + TEXT_BATCH]
            texts = self._kept_texts([m.doc_id for m, _n, _l in part])
            for j, (m, n, _length) in enumerate(part):
                doc = Document(m.doc_id, m.title, texts[m.doc_id], m.source, m.author, m.published, dict(m.metadata))
                yield from document_rows(doc, n, i + j)
        for j, nd in enumerate(self.add):
            yield from document_rows(nd.document, len(nd.chunks), self.doc0 + len(docs) + j)

    def chunks(self) -> Iterator[dict[str, Any]]:
        meta = {m.doc_id: m for m, _n, _l in self.kept.documents}
        long_docs = sorted({c["doc_id"] for c in self.kept.chunks if c["text_in_document"]})
        long_texts = self._kept_texts(long_docs) if long_docs else {}
        umap = self.kept.unit_map
        for row, c in enumerate(self.kept.chunks):
            text = long_texts[c["doc_id"]][c["start"] : c["end"]] if c["text_in_document"] else c["text"]
            lo, hi = int(c["unit_lo"]), int(c["unit_hi"])
            units = (int(umap[lo]), int(umap[lo]) + hi - lo) if hi > lo else (0, 0)
            self.texts.append(text)
            yield chunk_row(row, c["vector"], c, meta[c["doc_id"]], units, text, c["content_hash"])
        row, unit_base = self.row0 + len(self.kept.chunks), self.unit0 + self.kept.n_units
        for nd in self.add:
            for chunk, vec, (lo, hi) in zip(nd.chunks, nd.vectors, nd.chunk_units, strict=True):
                if len(chunk.text) > PIECE_CHARS and nd.document.text[chunk.start : chunk.end] != chunk.text:
                    raise IndexError_(f"chunk {chunk.chunk_id} is longer than {PIECE_CHARS} characters and not its "
                                      "document's text at its offsets; it cannot be stored in Milvus")
                self.texts.append(chunk.text)
                yield chunk_row(row, vec, chunk.__dict__, nd.document, (unit_base + lo, unit_base + hi), chunk.text,
                                content_hash(chunk.text))
                row += 1
            unit_base += len(nd.units)

    def sentences(self) -> Iterator[dict[str, Any]]:
        base, umap = self.kept.base, self.kept.unit_map
        if base is not None and len(umap) and (umap >= 0).any():
            for u in records.iterate(base.client, base.names.sents, f"unit < {base.n_units}",
                                     ["unit", "vector", "start", "end", "hash"]):
                new = int(umap[int(u["unit"])])
                if new >= 0:
                    yield {**u, "unit": new}
        pos = self.unit0 + self.kept.n_units
        for nd in self.add:
            hashes = np.asarray(nd.unit_hashes, dtype=np.uint64).view(np.int64)
            vecs = np.asarray(nd.unit_vectors, dtype=np.float32)
            for i, (s, e) in enumerate(nd.units):
                yield {"unit": pos + i, "vector": vecs[i].tolist(), "start": int(s), "end": int(e),
                       "hash": int(hashes[i])}
            pos += len(nd.units)

    @staticmethod
    def blob(name: str, data: bytes) -> Iterator[dict[str, Any]]:
        return blob_rows(name, data)

    @staticmethod
    def json(value: dict[str, Any]) -> bytes:
        return json.dumps(value, indent=2).encode("utf-8")


def new_rows(kept: Kept, add: Sequence[NewDocument]) -> NewRows:
    return NewRows(kept, add)


def published_texts(base: MilvusSnapshot) -> list[str]:
    """Every published chunk's text in row order: BM25's statistics cover the whole collection, so an append
    rebuilds them from the texts (read from the server; the vectors stay where they are)."""
    texts: list[str] = [""] * base.n_chunks
    long_chunks: list[dict[str, Any]] = []
    for c in records.iterate(base.client, base.names.chunks, f"row < {base.n_chunks}",
                             ["row", "doc_id", "text", "text_in_document", "start", "end"]):
        if c["text_in_document"]:
            long_chunks.append(c)
        else:
            texts[int(c["row"])] = c["text"]
    long_texts = records.read_named(base.client, base.names.records, "text",
                                    sorted({c["doc_id"] for c in long_chunks})) if long_chunks else {}
    for c in long_chunks:
        texts[int(c["row"])] = long_texts[c["doc_id"]][int(c["start"]) : int(c["end"])]
    return texts


def lexical_blob(texts: Sequence[str]) -> bytes:
    """BM25 over the chunk texts in row order (client side, bm25s: the same terms and scores as the embedded
    store), its files packed into one tar for the records collection."""
    with tempfile.TemporaryDirectory(prefix="articleqa-bm25-") as tmp:
        LexicalIndex.build(list(texts)).save(Path(tmp))
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path in sorted(Path(tmp).iterdir()):
                tar.add(path, arcname=path.name)
        return buffer.getvalue()
