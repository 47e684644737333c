"""One generation on a Milvus server, opened read-only: the :class:`~articleqa.store.contract.Snapshot` of the
Milvus backend.

Dense search runs on the server (a ``row in [...]`` expression keeps a filtered question inside its documents
during the search, not after it); BM25 runs here over the generation's stored BM25 files; sentence vectors,
chunks and documents are fetched by key and kept in small per-generation caches."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import IndexError_
from ...records import Chunk, Document, DocumentInfo, DocumentMeta
from ..contract import Snapshot
from ..lexical import LexicalIndex
from . import records
from .commits import Commit, Published
from .schema import GenerationNames, MilvusIndexSpec
from .target import MilvusTarget

BATCH = 1000  # keys per `in [...]` expression
# Reads of a published generation: "Strong" waits for the server's time tick (200-400 ms a call here); the
# writer checked with a Strong read that every row is visible before it swapped the alias, so a bounded-staleness
# read sees them too. A key lookup that comes back short is asked again with Strong (a lagging replica).
READ = "Bounded"
QUERY_WINDOW = 16_384  # Milvus' largest result window for one query
CACHE_ROWS = 50_000
CHUNK_FIELDS = ["row", "chunk_id", "doc_id", "text", "text_in_document", "start", "end", "n_tokens",
                "unit_lo", "unit_hi"]
EMPTY_ROWS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


def ints(values: Sequence[int] | np.ndarray) -> str:
    return "[" + ",".join(str(int(v)) for v in values) + "]"


def exact_scores(vectors: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """The server picks the candidates; their scores are computed here with FAISS' own inner product, so they
    equal the embedded store's to the last bit (Milvus' SIMD sums differ in the 8th digit, enough to move a
    confidence) and fusion ranks the same candidates the same way."""
    if not len(vectors):
        return np.zeros(0, dtype=np.float32)
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors))
    scores, ids = index.search(np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32), len(vectors))
    out = np.empty(len(vectors), dtype=np.float32)
    out[ids[0]] = scores[0]
    return out


def count_rows(client: Any, collection: str, filter_: str = "") -> int:
    """Rows the server holds (matching ``filter_``), read Strong (waits until every acknowledged insert is
    visible)."""
    rows = client.query(collection, filter=filter_, output_fields=["count(*)"], consistency_level="Strong")
    return int(rows[0]["count(*)"])


ROWS_FILE = "rows.npy"  # in a BM25 blob whose positions are not the chunk rows (rows removed in place)


def unpack_lexical(data: bytes) -> tuple[LexicalIndex, np.ndarray | None]:
    """BM25 and, when its positions are not the chunk rows, each position's row. Into memory, through a folder
    that is gone before this returns: a killed client leaves no files behind."""
    with tempfile.TemporaryDirectory(prefix="articleqa-bm25-") as tmp, \
            tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(tmp, filter="data")
        rows_file = Path(tmp) / ROWS_FILE
        rows = np.load(rows_file) if rows_file.is_file() else None
        return LexicalIndex.load(Path(tmp), mmap=False), rows


class MilvusSnapshot(Snapshot):
    """One commit of a generation. What it shows never changes — later commits add rows past its bounds, which
    every read here excludes, and hide rows from their own readers; rows it shows are deleted only by the write
    after the one that removed them — so readers may cache."""

    def __init__(self, client: Any, target: MilvusTarget, names: GenerationNames, commit: Commit | None = None,
                 *, appendable: bool = False) -> None:
        self.client = client
        self.target = target
        self.names = names
        self.commit = commit or Commit()
        # What answer caches key on: it changes with every commit, not only with every generation.
        self.generation = names.prefix if self.commit.number == 0 else f"{names.prefix}@{self.commit.number:06d}"
        self.appendable = appendable  # the generation has a commits collection (older ones do not)
        blob = records.read_blob(client, names.records, self.commit.manifest_blob)
        if blob is None:
            raise IndexError_(f"the Milvus index {target.uri} has no manifest in {names.records}; rebuild it with "
                              f"`articleqa index --rebuild PATH... --store {target.uri}`")
        self.manifest: dict[str, Any] = json.loads(blob)
        self.spec = MilvusIndexSpec.from_dict(self.manifest["vector_index"])
        self.published = Published.of(self.manifest)
        bm25 = records.read_blob(client, names.records, self.commit.bm25_blob)
        if bm25 is None:
            raise IndexError_(f"the Milvus index {target.uri} is missing its BM25 files; rebuild it")
        self._lexical, self._lexical_rows = unpack_lexical(bm25)
        self._chunks: dict[int, dict[str, Any]] = {}
        self._units: dict[int, tuple[int, int, np.ndarray]] = {}
        self._meta: dict[str, tuple[DocumentMeta, int, int]] | None = None

    # ------------------------------------------------------------ what the index is
    @property
    def n_units(self) -> int:
        return int(self.manifest["sentences"]["n_units"])

    @property
    def has_sentences(self) -> bool:
        return True

    def close(self) -> None:
        """Nothing to release: the BM25 arrays live in memory and the server connection belongs to the store."""

    def check(self) -> None:
        """Row counts on the server equal the manifest's (a generation is complete or was never swapped in)."""
        for name, where, want in ((self.names.chunks, self.published.chunk_filter, self.n_chunks),
                                  (self.names.sents, self.published.unit_filter, self.n_units)):
            got = count_rows(self.client, name, where)
            if got != want:
                raise IndexError_(f"{name} holds {got} rows, its manifest says {want}")

    def _query(self, collection: str, filter_: str, fields: list[str], expect: int) -> list[dict[str, Any]]:
        """Rows by key, bounded-staleness first; Strong when fewer than ``expect`` came back."""
        rows = self.client.query(collection, filter=filter_, output_fields=fields, consistency_level=READ)
        if len(rows) < expect:
            rows = self.client.query(collection, filter=filter_, output_fields=fields, consistency_level="Strong")
        return rows

    # ------------------------------------------------------------ search
    def search_dense(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k chunk rows by inner product on the server; ``rows`` becomes a filter applied inside the search."""
        if k <= 0 or self.n_chunks == 0 or (rows is not None and rows.size == 0):
            return EMPTY_ROWS
        hits = self.client.search(
            self.names.chunks, data=[np.asarray(query_vector, dtype=np.float32).tolist()],
            limit=min(k, self.n_chunks, 16_384),
            filter=f"row in {ints(rows)}" if rows is not None else self.published.chunk_filter,
            output_fields=[*CHUNK_FIELDS, "vector"], search_params={"metric_type": "IP", "params": dict(self.spec.search)},
            consistency_level=READ,
        )[0]
        found = np.fromiter((int(h["id"]) for h in hits), dtype=np.int64, count=len(hits))
        self._remember([{**h["entity"], "row": int(h["id"])} for h in hits])  # the passages' records, no extra call
        vectors = np.asarray([h["entity"]["vector"] for h in hits], dtype=np.float32)
        return found, exact_scores(vectors, query_vector)

    def search_lexical(self, question: str, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        mapping = self._lexical_rows
        if mapping is None:
            return self._lexical.search(question, k, rows)
        positions = None
        if rows is not None:  # rows → BM25 positions (every published row has one)
            rows = np.asarray(rows, dtype=np.int64)
            at = np.clip(np.searchsorted(mapping, rows), 0, max(len(mapping) - 1, 0))
            positions = at[(len(mapping) > 0) & (mapping[at] == rows)] if len(mapping) else at[:0]
        found, scores = self._lexical.search(question, k, positions)
        return mapping[found], scores

    def live_rows(self) -> np.ndarray:
        """Every published chunk row, in order (rows removed in place leave gaps)."""
        if self._lexical_rows is not None:
            return self._lexical_rows
        return np.arange(self.n_chunks, dtype=np.int64)

    def chunk_vectors(self, rows: Sequence[int] | slice) -> np.ndarray:
        wanted = self.live_rows()[rows].tolist() if isinstance(rows, slice) else [int(r) for r in rows]
        if not wanted:
            return np.zeros((0, int(self.manifest["dim"])), dtype=np.float32)
        got = {int(c["row"]): c["vector"] for c in self._chunk_rows(wanted, vectors=True)}
        return np.asarray([got[r] for r in wanted], dtype=np.float32)

    # ------------------------------------------------------------ sentences
    def _remember(self, rows: Sequence[dict[str, Any]]) -> None:
        if len(self._chunks) + len(rows) > CACHE_ROWS:
            self._chunks.clear()
        for r in rows:
            self._chunks[int(r["row"])] = {**self._chunks.get(int(r["row"]), {}), **r}

    def _chunk_rows(self, rows: Sequence[int], vectors: bool = False) -> list[dict[str, Any]]:
        """Chunk records for rows (with their vectors when asked), cached: the dense search already brought its
        candidates', so a question usually asks the server only for the rows BM25 alone found."""
        wanted = [int(r) for r in rows]
        missing = [r for r in dict.fromkeys(wanted) if r not in self._chunks or (vectors and "vector" not in self._chunks[r])]
        fields = [*CHUNK_FIELDS, "vector"] if vectors else CHUNK_FIELDS
        for i in range(0, len(missing), BATCH):
            part = missing[i : i + BATCH]
            self._remember(self._query(self.names.chunks, f"row in {ints(part)}", fields, len(part)))
        return [self._chunks[r] for r in wanted if r in self._chunks]

    def _unit_rows(self, units: Sequence[int]) -> dict[int, tuple[int, int, np.ndarray]]:
        missing = [u for u in dict.fromkeys(units) if u not in self._units]
        if len(self._units) + len(missing) > CACHE_ROWS:
            self._units.clear()
        for i in range(0, len(missing), BATCH):
            part = missing[i : i + BATCH]
            for r in self._query(self.names.sents, f"unit in {ints(part)}", ["unit", "start", "end", "vector"],
                                 len(part)):
                vec = np.asarray(r["vector"], dtype=np.float32).astype(np.float16)
                self._units[int(r["unit"])] = (int(r["start"]), int(r["end"]), vec)
        return {u: self._units[u] for u in units if u in self._units}

    def _sentences_of(self, rows: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        chunk_rows = {int(c["row"]): c for c in self._chunk_rows(rows)}
        ranges = [(int(chunk_rows[int(r)]["unit_lo"]), int(chunk_rows[int(r)]["unit_hi"])) for r in rows]
        units = self._unit_rows([u for lo, hi in ranges for u in range(lo, hi)])
        dim = int(self.manifest["dim"])
        out = []
        for lo, hi in ranges:
            spans = np.array([[units[u][0], units[u][1]] for u in range(lo, hi)], dtype=np.int64).reshape(-1, 2)
            vecs = np.stack([units[u][2] for u in range(lo, hi)]) if hi > lo else np.zeros((0, dim), np.float16)
            out.append((spans, vecs))
        return out

    def _sentence_vectors(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        per_chunk = [vecs for _spans, vecs in self._sentences_of(rows)]
        lens = np.array([len(v) for v in per_chunk], dtype=np.int64)
        if not lens.any():
            return np.zeros((0, int(self.manifest["dim"])), dtype=np.float32), lens
        return np.concatenate([np.asarray(v, dtype=np.float32) for v in per_chunk if len(v)]), lens

    def chunk_sentences(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        return self._sentences_of([row])[0]

    def known_sentence_vectors(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask of sentence keys this generation holds, their float16 vectors), asked by key on the server."""
        keys = np.asarray(hashes, dtype=np.uint64).view(np.int64)
        found: dict[int, np.ndarray] = {}
        unique = list(dict.fromkeys(int(k) for k in keys))
        for i in range(0, len(unique), BATCH):
            for r in self.client.query(self.names.sents,
                                       filter=f"hash in {ints(unique[i : i + BATCH])} and {self.published.unit_filter}",
                                       output_fields=["hash", "vector"], consistency_level="Strong"):  # writes only
                found.setdefault(int(r["hash"]), np.asarray(r["vector"], dtype=np.float32).astype(np.float16))
        mask = np.fromiter((int(k) in found for k in keys), dtype=bool, count=len(keys))
        if not mask.any():
            return mask, np.zeros((0, 0), dtype=np.float16)
        return mask, np.stack([found[int(k)] for k in keys[mask]])

    # ------------------------------------------------------------ records
    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        got = self._chunk_rows(rows)
        long_docs = {c["doc_id"] for c in got if c["text_in_document"]}
        texts = records.read_named(self.client, self.names.records, "text", sorted(long_docs)) if long_docs else {}
        return [Chunk(c["chunk_id"], c["doc_id"],
                      texts[c["doc_id"]][c["start"] : c["end"]] if c["text_in_document"] else c["text"],
                      int(c["start"]), int(c["end"]), int(c["n_tokens"])) for c in got]

    def rows_for_documents(self, doc_ids: Sequence[str]) -> np.ndarray:
        ids = list(dict.fromkeys(doc_ids))
        found: list[int] = []
        for i in range(0, len(ids), BATCH):
            where = ("doc_id in [" + ",".join(json.dumps(d) for d in ids[i : i + BATCH]) + "] and "
                     + self.published.chunk_filter)
            # One query answers the usual filter; an iterator (several calls) only when it may hold more rows.
            rows = self.client.query(self.names.chunks, filter=where, output_fields=["row"], limit=QUERY_WINDOW,
                                     consistency_level=READ)
            if len(rows) >= QUERY_WINDOW:
                rows = list(records.iterate(self.client, self.names.chunks, where, ["row"]))
            found.extend(int(r["row"]) for r in rows)
        return np.sort(np.asarray(found, dtype=np.int64))

    def _all(self) -> dict[str, tuple[DocumentMeta, int, int]]:
        if self._meta is None:
            self._meta = {m.doc_id: (m, n, length)
                          for m, n, length in records.all_meta(self.client, self.names.records,
                                                               self.published.document_filter)}
        return self._meta

    def has_document(self, doc_id: str) -> bool:
        return doc_id in self._all()

    def document(self, doc_id: str) -> Document | None:
        entry = self._all().get(doc_id)
        if entry is None:
            return None
        m, _n, length = entry
        text = records.read_named(self.client, self.names.records, "text", [doc_id], READ).get(doc_id, "")
        if len(text) != length:  # a piece not yet visible on this replica: never return a shortened text
            text = records.read_named(self.client, self.names.records, "text", [doc_id]).get(doc_id, "")
        return Document(m.doc_id, m.title, text, m.source, m.author, m.published, dict(m.metadata))

    def documents(self) -> Iterator[Document]:
        for doc_id in list(self._all()):
            doc = self.document(doc_id)
            if doc is not None:
                yield doc

    def document_infos(self) -> list[DocumentInfo]:
        return [DocumentInfo(m.doc_id, m.title, m.source, m.author, m.published, n, length,
                             (m.metadata or {}).get("detected_language"))
                for m, n, length in self._all().values()]

    def document_meta(self, doc_ids: Sequence[str]) -> dict[str, DocumentMeta]:
        everything = self._all()
        return {d: everything[d][0] for d in dict.fromkeys(doc_ids) if d in everything}

    def all_document_meta(self) -> list[DocumentMeta]:
        return [m for m, _n, _l in self._all().values()]

    def count_documents(self) -> int:
        return len(self._all())

    def count_chunks(self) -> int:
        return count_rows(self.client, self.names.chunks, self.published.chunk_filter)
