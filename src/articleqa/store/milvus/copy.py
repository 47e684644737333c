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
from .snapshot import CHUNK_FIELDS, ROWS_FILE, MilvusSnapshot

TEXT_BATCH = 200  # documents whose texts are read per query while copying
LONG_TEXTS_HELD = 64  # documents whose full texts are held while their long chunks are copied


@dataclass
class Kept:
    """The current generation minus the removed documents, in index order: what each kept chunk row and
    sentence unit becomes in the new generation (-1: dropped). Only these maps are held here; the rows
    themselves are streamed from the server when the new generation is written."""

    base: MilvusSnapshot | None = None
    documents: list[tuple[DocumentMeta, int, int]] = field(default_factory=list)
    row_map: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # old row → new, -1 dropped
    unit_map: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # old unit → new, -1 dropped

    @property
    def n_chunks(self) -> int:
        return int((self.row_map >= 0).sum())

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
        published = base.published
        docs = [d for d in records.all_meta(base.client, base.names.records, published.document_filter)
                if d[0].doc_id not in remove]
        n = published.rows
        doc_of, lo, hi = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        codes: dict[str, int] = {}
        for c in records.iterate(base.client, base.names.chunks, published.chunk_filter,
                                 ["row", "doc_id", "unit_lo", "unit_hi"]):
            r = int(c["row"])
            doc_of[r], lo[r], hi[r] = codes.setdefault(c["doc_id"], len(codes)), int(c["unit_lo"]), int(c["unit_hi"])
        keep = np.isin(doc_of, [codes[m.doc_id] for m, _n, _l in docs if m.doc_id in codes])
        row_map = np.full(n, -1, dtype=np.int64)
        row_map[keep] = np.arange(int(keep.sum()))
        unit_map = np.full(published.units, -1, dtype=np.int64)
        pos = 0
        kept_rows = np.flatnonzero(keep)
        for first, last in _document_runs(doc_of[kept_rows]):
            rows = kept_rows[first:last]
            u_lo, u_hi = int(lo[rows].min()), int(hi[rows].max())
            unit_map[u_lo:u_hi] = np.arange(pos, pos + u_hi - u_lo)
            pos += u_hi - u_lo
        return cls(base, docs, row_map, unit_map)


def _document_runs(doc_of: np.ndarray) -> Iterator[tuple[int, int]]:
    """[first, last) of each run of one document's chunks (a document's chunks are consecutive rows)."""
    if not len(doc_of):
        return
    edges = np.flatnonzero(np.diff(doc_of)) + 1
    yield from zip(np.r_[0, edges].tolist(), np.r_[edges, len(doc_of)].tolist(), strict=True)


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
    """The rows of each collection of the new generation, produced lazily; ``texts`` = chunk texts by row,
    filled as the chunk rows are produced. ``after`` = the (chunk rows, sentence units, documents) already
    published when these rows are appended to a generation (zero when a new generation is written)."""

    def __init__(self, kept: Kept, add: Sequence[NewDocument], after: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.kept = kept
        self.add = add
        self.row0, self.unit0, self.doc0 = after
        self.texts: list[str] = [""] * (kept.n_chunks + sum(len(nd.chunks) for nd in add))
        self._long_texts: dict[str, str] = {}

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

    def _long_text(self, doc_id: str) -> str:
        """A kept chunk longer than a VARCHAR piece is stored as its document's offsets: the text, read once."""
        if doc_id not in self._long_texts:
            if len(self._long_texts) >= LONG_TEXTS_HELD:
                self._long_texts.clear()
            self._long_texts[doc_id] = self._kept_texts([doc_id])[doc_id]
        return self._long_texts[doc_id]

    def chunks(self) -> Iterator[dict[str, Any]]:
        yield from self._kept_chunks()
        row, unit_base = self.row0 + self.kept.n_chunks, self.unit0 + self.kept.n_units
        for nd in self.add:
            for chunk, vec, (lo, hi) in zip(nd.chunks, nd.vectors, nd.chunk_units, strict=True):
                if len(chunk.text) > PIECE_CHARS and nd.document.text[chunk.start : chunk.end] != chunk.text:
                    raise IndexError_(f"chunk {chunk.chunk_id} is longer than {PIECE_CHARS} characters and not its "
                                      "document's text at its offsets; it cannot be stored in Milvus")
                self.texts[row - self.row0] = chunk.text
                yield chunk_row(row, vec, chunk.__dict__, nd.document, (unit_base + lo, unit_base + hi), chunk.text,
                                content_hash(chunk.text))
                row += 1
            unit_base += len(nd.units)

    def _kept_chunks(self) -> Iterator[dict[str, Any]]:
        """The kept chunk rows streamed from the server (in whatever order it sends them: each row carries its
        number), renumbered; a client holds one batch of vectors at a time, not the collection."""
        base = self.kept.base
        if base is None or not self.kept.n_chunks:
            return
        meta = {m.doc_id: m for m, _n, _l in self.kept.documents}
        row_map, umap = self.kept.row_map, self.kept.unit_map
        for c in records.iterate(base.client, base.names.chunks, base.published.chunk_filter,
                                 [*CHUNK_FIELDS, "content_hash", "vector"]):
            row = int(row_map[int(c["row"])])
            if row < 0:
                continue
            text = self._long_text(c["doc_id"])[c["start"] : c["end"]] if c["text_in_document"] else c["text"]
            lo, hi = int(c["unit_lo"]), int(c["unit_hi"])
            units = (int(umap[lo]), int(umap[lo]) + hi - lo) if hi > lo else (0, 0)
            self.texts[row] = text
            yield chunk_row(self.row0 + row, c["vector"], c, meta[c["doc_id"]], units, text, c["content_hash"])

    def sentences(self) -> Iterator[dict[str, Any]]:
        base, umap = self.kept.base, self.kept.unit_map
        if base is not None and len(umap) and (umap >= 0).any():
            for u in records.iterate(base.client, base.names.sents, base.published.unit_filter,
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


def published_texts(base: MilvusSnapshot, where: str) -> tuple[np.ndarray, list[str]]:
    """(rows, texts) of the chunks ``where`` selects, in row order: BM25's statistics cover the whole collection,
    so a commit rebuilds them from the texts (read from the server; the vectors stay where they are)."""
    by_row: dict[int, str] = {}
    long_chunks: list[dict[str, Any]] = []
    for c in records.iterate(base.client, base.names.chunks, where,
                             ["row", "doc_id", "text", "text_in_document", "start", "end"]):
        if c["text_in_document"]:
            long_chunks.append(c)
        else:
            by_row[int(c["row"])] = c["text"]
    long_texts = records.read_named(base.client, base.names.records, "text",
                                    sorted({c["doc_id"] for c in long_chunks})) if long_chunks else {}
    for c in long_chunks:
        by_row[int(c["row"])] = long_texts[c["doc_id"]][int(c["start"]) : int(c["end"])]
    rows = np.fromiter(sorted(by_row), dtype=np.int64, count=len(by_row))
    return rows, [by_row[int(r)] for r in rows]


def lexical_blob(texts: Sequence[str], rows: np.ndarray | None = None) -> bytes:
    """BM25 over the chunk texts in row order (client side, bm25s: the same terms and scores as the embedded
    store), its files packed into one tar for the records collection; ``rows``: each text's chunk row, kept
    beside them when they are not 0, 1, 2, … (rows removed in place leave gaps)."""
    with tempfile.TemporaryDirectory(prefix="articleqa-bm25-") as tmp:
        LexicalIndex.build(list(texts)).save(Path(tmp))
        if rows is not None and not np.array_equal(rows, np.arange(len(rows))):
            np.save(Path(tmp) / ROWS_FILE, np.asarray(rows, dtype=np.int64))
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path in sorted(Path(tmp).iterdir()):
                tar.add(path, arcname=path.name)
        return buffer.getvalue()
