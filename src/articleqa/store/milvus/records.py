"""Rows of the ``_records`` collection: document fields and texts, and named blobs (BM25 files, manifest),
each cut into VARCHAR-sized pieces and joined back in order, so any length round-trips byte for byte."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ...records import Document, DocumentMeta
from .schema import PLACEHOLDER_DIM, pieces

BLOB_PIECE = 60_000  # base64 is ASCII: one byte a character
PLACEHOLDER = [1.0] + [0.0] * (PLACEHOLDER_DIM - 1)
BATCH = 500  # keys per `in [...]` expression
BLOB_BATCH = 300  # blob pieces per answer: 300 × 60 kB stays well under gRPC's 64 MB


def _row(kind: str, name: str, seq: int, payload: str, position: int = 0) -> dict[str, Any]:
    return {"key": f"{kind}:{name}:{seq:06d}", "kind": kind, "name": name, "seq": seq, "position": position,
            "payload": payload, "placeholder": PLACEHOLDER}


def document_rows(doc: Document, n_chunks: int, position: int) -> Iterator[dict[str, Any]]:
    """The document's fields (JSON) and its text, each in pieces."""
    fields = {"doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "author": doc.author,
              "published": doc.published, "metadata": doc.metadata, "n_chunks": n_chunks, "length": len(doc.text)}
    for seq, piece in enumerate(pieces(json.dumps(fields, ensure_ascii=False))):
        yield _row("doc", doc.doc_id, seq, piece, position)
    for seq, piece in enumerate(pieces(doc.text)):
        yield _row("text", doc.doc_id, seq, piece, position)


def blob_rows(name: str, data: bytes) -> Iterator[dict[str, Any]]:
    encoded = base64.b64encode(data).decode("ascii")
    for seq, i in enumerate(range(0, max(len(encoded), 1), BLOB_PIECE)):
        yield _row("blob", name, seq, encoded[i : i + BLOB_PIECE])


def _quote(values: Iterable[str]) -> str:
    return "[" + ",".join(json.dumps(v) for v in values) + "]"


def _joined(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    parts: dict[str, list[tuple[int, str]]] = {}
    for r in rows:
        parts.setdefault(r["name"], []).append((int(r["seq"]), r["payload"]))
    return {name: "".join(p for _s, p in sorted(ps)) for name, ps in parts.items()}


def read_named(
    client: Any, collection: str, kind: str, names: Sequence[str], consistency: str = "Strong"
) -> dict[str, str]:
    """name → its pieces joined, for the names that exist."""
    out: dict[str, str] = {}
    unique = list(dict.fromkeys(names))
    for i in range(0, len(unique), BATCH):
        part = unique[i : i + BATCH]
        rows = client.query(collection, filter=f'kind == "{kind}" and name in {_quote(part)}',
                            output_fields=["name", "seq", "payload"], consistency_level=consistency)
        out.update(_joined(rows))
    return out


def read_blob(client: Any, collection: str, name: str) -> bytes | None:
    """A blob read piece range by piece range: a large one (BM25 of 100k chunks is ~80 MB encoded) is more than
    gRPC's 64 MB message limit in one answer."""
    where = f'kind == "blob" and name == {json.dumps(name)}'
    seqs = sorted(int(r["seq"]) for r in client.query(collection, filter=where, output_fields=["seq"],
                                                      consistency_level="Strong"))
    if not seqs:
        return None
    parts: list[tuple[int, str]] = []
    for i in range(0, len(seqs), BLOB_BATCH):
        part = seqs[i : i + BLOB_BATCH]
        rows = client.query(collection, filter=f"{where} and seq in [{','.join(map(str, part))}]",
                            output_fields=["seq", "payload"], consistency_level="Strong")
        parts.extend((int(r["seq"]), r["payload"]) for r in rows)
    if [s for s, _p in sorted(parts)] != list(range(len(seqs))):
        raise ValueError(f"blob {name!r} has missing pieces")
    return base64.b64decode("".join(p for _s, p in sorted(parts)))


def iterate(client: Any, collection: str, filter_: str, fields: list[str], batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every row matching ``filter_`` (a query iterator: no result-window limit)."""
    it = client.query_iterator(collection, batch_size=batch, filter=filter_, output_fields=fields)
    try:
        while rows := it.next():
            yield from rows
    finally:
        it.close()


def parse_meta(payload: str) -> tuple[DocumentMeta, int, int]:
    """(meta, n_chunks, text length) from a document's joined fields."""
    f = json.loads(payload)
    meta = DocumentMeta(f["doc_id"], f["title"], f["source"], f["author"], f["published"], f.get("metadata") or {})
    return meta, int(f["n_chunks"]), int(f["length"])


def all_meta(client: Any, collection: str, published: str) -> list[tuple[DocumentMeta, int, int]]:
    """Every published document's (meta, n_chunks, length), in index order; ``published`` is the commit's
    expression on positions and names (later positions are an append not yet committed, or one that died)."""
    rows = list(iterate(client, collection, f'kind == "doc" and {published}', ["name", "seq", "position", "payload"]))
    position = {r["name"]: int(r["position"]) for r in rows}
    joined = _joined(rows)
    return [parse_meta(joined[name]) for name in sorted(joined, key=lambda n: position[n])]



def verify_texts(client: Any, collection: str, docs: Sequence[Document]) -> None:
    """Read the stored texts back: citations are checked against them at their offsets, so a text the server
    changed (an encoding, a length limit) must fail the write, not a later quote."""
    from ...errors import IndexError_

    for i in range(0, len(docs), 200):
        part = docs[i : i + 200]
        stored = read_named(client, collection, "text", [d.doc_id for d in part])
        for d in part:
            if stored.get(d.doc_id) != d.text:
                raise IndexError_(f"Milvus returned a different text for document {d.doc_id} than was written; "
                                  "nothing was published")
