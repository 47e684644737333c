"""Document and chunk records in SQLite: on disk, read lazily, never one big JSON loaded at start."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..records import Chunk, Document, DocumentInfo, DocumentMeta

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, author TEXT, published TEXT,
    metadata TEXT NOT NULL, text TEXT NOT NULL, n_chunks INTEGER NOT NULL, position INTEGER NOT NULL
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, doc_id TEXT NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, n_tokens INTEGER NOT NULL, text TEXT NOT NULL, content_hash TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE INDEX chunks_hash ON chunks(content_hash);
"""


class RecordWriter:
    """Writes a brand-new store file (a new index generation), then is closed and never changed."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(str(path))
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.executescript(SCHEMA)
        self._doc_position = 0

    def add_document(self, doc: Document, n_chunks: int) -> None:
        self._conn.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
            (
                doc.doc_id, doc.title, doc.source, doc.author, doc.published,
                json.dumps(doc.metadata, ensure_ascii=False), doc.text, n_chunks, self._doc_position,
            ),
        )
        self._doc_position += 1

    def add_chunks(self, rows: Iterable[tuple[int, Chunk, str]]) -> None:
        self._conn.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
            ((row, c.chunk_id, c.doc_id, c.start, c.end, c.n_tokens, c.text, h) for row, c, h in rows),
        )

    def close(self) -> None:
        self._conn.commit()
        self._conn.close()


class RecordStore:
    """Read-only view of one generation's records; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        uri = f"file:{path}?mode=ro&immutable=1"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def check(self) -> None:
        """Fail early on a truncated or tampered file (SQLite's own consistency check)."""
        result = self._query("PRAGMA quick_check")
        if not result or result[0][0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check failed: {result[:3]}")

    def count_documents(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM documents")[0][0])

    def count_chunks(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM chunks")[0][0])

    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        """Chunks for vector rows, in the order asked."""
        if not len(rows):
            return []
        wanted = [int(r) for r in rows]
        found: dict[int, Chunk] = {}
        for i in range(0, len(wanted), 900):
            part = wanted[i : i + 900]
            marks = ",".join("?" * len(part))
            for row, chunk_id, doc_id, start, end, n_tokens, text in self._query(
                f'SELECT row, chunk_id, doc_id, start, "end", n_tokens, text FROM chunks WHERE row IN ({marks})',
                part,
            ):
                found[row] = Chunk(chunk_id, doc_id, text, start, end, n_tokens)
        return [found[r] for r in wanted if r in found]

    def rows_for_documents(self, doc_ids: Sequence[str]) -> np.ndarray:
        """Chunk rows of these documents, sorted. Asked in batches: a filter (a date range, say) can select
        more documents than SQLite takes parameters in one statement."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return np.zeros(0, dtype=np.int64)
        found: list[int] = []
        for i in range(0, len(ids), 900):
            part = ids[i : i + 900]
            marks = ",".join("?" * len(part))
            found.extend(r[0] for r in self._query(f"SELECT row FROM chunks WHERE doc_id IN ({marks})", part))
        return np.sort(np.fromiter(found, dtype=np.int64, count=len(found)))

    def iter_chunks(self, exclude_doc_ids: Iterable[str] = ()) -> Iterator[tuple[int, Chunk, str]]:
        excluded = set(exclude_doc_ids)
        with self._lock:
            cursor = self._conn.execute(
                'SELECT row, chunk_id, doc_id, start, "end", n_tokens, text, content_hash FROM chunks ORDER BY row'
            )
            batch = cursor.fetchmany(5000)
            rows = []
            while batch:
                rows.extend(batch)
                batch = cursor.fetchmany(5000)
        for row, chunk_id, doc_id, start, end, n_tokens, text, h in rows:
            if doc_id not in excluded:
                yield row, Chunk(chunk_id, doc_id, text, start, end, n_tokens), h

    def has_document(self, doc_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)))

    def document(self, doc_id: str) -> Document | None:
        rows = self._query(
            "SELECT doc_id, title, source, author, published, metadata, text FROM documents WHERE doc_id = ?",
            (doc_id,),
        )
        if not rows:
            return None
        d = rows[0]
        return Document(d[0], d[1], d[6], d[2], d[3], d[4], json.loads(d[5]))

    def documents(self) -> Iterator[Document]:
        for d in self._query(
            "SELECT doc_id, title, source, author, published, metadata, text FROM documents ORDER BY position"
        ):
            yield Document(d[0], d[1], d[6], d[2], d[3], d[4], json.loads(d[5]))

    def document_infos(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(d[0], d[1], d[2], d[3], d[4], int(d[5]), int(d[6]), d[7])
            for d in self._query(
                "SELECT doc_id, title, source, author, published, n_chunks, length(text), "
                "json_extract(metadata, '$.detected_language') FROM documents ORDER BY position"
            )
        ]

    def all_document_meta(self) -> list[DocumentMeta]:
        """Every document's fields without the text, in index order: what source/author/date filters read."""
        return [
            DocumentMeta(d[0], d[1], d[2], d[3], d[4], json.loads(d[5]))
            for d in self._query(
                "SELECT doc_id, title, source, author, published, metadata FROM documents ORDER BY position"
            )
        ]

    def document_meta(self, doc_ids: Sequence[str]) -> dict[str, DocumentMeta]:
        """Fields per doc id, for citations and passages."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return {
            d[0]: DocumentMeta(d[0], d[1], d[2], d[3], d[4], json.loads(d[5]))
            for d in self._query(
                f"SELECT doc_id, title, source, author, published, metadata FROM documents WHERE doc_id IN ({marks})",
                ids,
            )
        }
