"""MilvusStore: the same reader/writer interface as the embedded IndexStore, on a Milvus server.

Atomicity, two ways. Adding and removing documents are *commits* to the current generation (``commits``): new
rows are numbered past the published bounds and removed documents are hidden, both invisible to readers until
one commit row publishes them (the removed rows are deleted by the next write: a reader of the previous commit
may still be reading them); nothing already stored is copied. Removing more than MAX_REMOVED_IN_PLACE
documents at once, replacing the index, or growing past what the generation's vector index was chosen for
builds a complete new generation (four collections, see ``schema``) and only then points the alias
``{collection}`` at it: Milvus swaps an alias in one metadata operation. A writer killed at any moment leaves
the last commit of the current generation answering; the next writer deletes the rows, or drops the
collections, the dead one left. The previous generation and the previous commit's files are kept.
One writer at a time: a lock inside the process; writers on several machines must be serialised by the caller
(Milvus has no lock to take: two commits at once would write the same row numbers)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ...errors import IndexError_
from ...records import NewDocument
from ..contract import Store
from ..files import crash_point
from ..generations import FORMAT_VERSION, removed_list
from .commits import Commit, Published, Removed, latest, superseded_blobs
from .copy import Kept, NewRows, lexical_blob, published_texts
from .records import iterate, verify_texts
from .schema import GenerationNames, choose_index, create_generation
from .snapshot import MilvusSnapshot, count_rows
from .target import MilvusTarget, connect

_LOCKS: dict[str, threading.Lock] = {}
INSERT_BYTES = 8 << 20  # rows per insert call kept under Milvus' 64 MB message limit with room to spare


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def insert_all(client: Any, collection: str, rows: Iterator[dict[str, Any]]) -> int:
    """Insert in batches of about INSERT_BYTES; the number of rows."""
    batch: list[dict[str, Any]] = []
    size = total = 0
    for row in rows:
        batch.append(row)
        size += sum(len(v) * (4 if isinstance(v, list) else 1) if isinstance(v, (str, list)) else 8 for v in row.values())
        if size >= INSERT_BYTES:
            client.insert(collection, batch)
            total, batch, size = total + len(batch), [], 0
    if batch:
        client.insert(collection, batch)
        total += len(batch)
    return total


MAX_REMOVED_IN_PLACE = 100  # more removals at once: one expression per removed document is too long a filter


def can_commit(base: MilvusSnapshot | None, current: GenerationNames | None, add: Sequence[NewDocument],
               remove: set[str], n_added: int) -> bool:
    """A commit to the generation that is current, whose vector index still suits the size it may reach (IVF
    lists chosen for at least a quarter of it: a growing collection is rewritten each time it quadruples), and
    at most MAX_REMOVED_IN_PLACE removals; anything else writes a new generation."""
    if base is None or current is None or not base.appendable or base.names != current:
        return False
    if len(remove) > MAX_REMOVED_IN_PLACE or remove & {nd.document.doc_id for nd in add}:
        return False
    wanted = choose_index(base.n_chunks + n_added)
    if wanted.kind != base.spec.kind:
        return False
    return wanted.kind != "ivf" or 2 * int(base.spec.build.get("nlist", 0)) >= int(wanted.build["nlist"])


class MilvusStore(Store[MilvusSnapshot]):
    """The Milvus backend: reads the current generation named by the alias and writes the next one."""

    def __init__(self, target: MilvusTarget, *, crash_at: str = "") -> None:
        self.target = target
        self.crash_at = crash_at
        self.client = connect(target)
        self.root = target.uri  # what messages name, like the embedded store's folder
        self._snapshot: MilvusSnapshot | None = None
        self._appendable: dict[str, bool] = {}  # generation → it has a commits collection (older ones do not)
        self._written: dict[str, int] = {}  # generation → the commit this process published last (read-your-writes)
        self._writing = False

    # ------------------------------------------------------------ reading
    def current(self) -> GenerationNames | None:
        """The generation the alias points at (None: no index yet)."""
        try:
            described = self.client.describe_alias(self.target.collection)
        except Exception as exc:
            if "not found" not in str(exc).lower():
                raise IndexError_(f"Milvus at {self.target.uri} did not answer ({str(exc)[:200]})") from exc
            if self.client.has_collection(self.target.collection):
                raise IndexError_(
                    f"{self.target.uri}: {self.target.collection!r} is a collection articleqa did not write; "
                    f"pick another collection name in --store"
                ) from None
            return None
        return GenerationNames.from_chunks(str(described["collection_name"]))

    def exists(self) -> bool:
        return self.current() is not None

    def manifest(self) -> dict[str, Any]:
        return self.open_snapshot().manifest

    def _published(self) -> tuple[GenerationNames, Commit, bool] | None:
        """The current generation, its newest commit, and whether it takes appends."""
        names = self.current()
        if names is None:
            return None
        if names.prefix not in self._appendable:
            self._appendable[names.prefix] = bool(self.client.has_collection(names.commits))
        appendable = self._appendable[names.prefix]
        commit = latest(self.client, names, "Strong" if self._writing else "Bounded") if appendable else Commit()
        written = self._written.get(names.prefix, 0)  # a bounded-staleness read may not show our own commit yet
        return names, (Commit(written) if written > commit.number else commit), appendable

    def manifest_stamp(self) -> tuple[int, int]:
        """Changes whenever any process swaps in a new generation or commits an append."""
        published = self._published()
        return (published[0].number, published[1].number) if published else (0, 0)

    def open_snapshot(self) -> MilvusSnapshot:
        published = self._published()
        if published is None:
            raise IndexError_(
                f"no index in {self.target.uri}; build one with `articleqa index PATH... --store {self.target.uri}`"
            )
        names, commit, appendable = published
        snap = self._snapshot
        if snap is None or snap.names != names or snap.commit != commit:  # a commit never changes: reuse
            self._snapshot = MilvusSnapshot(self.client, self.target, names, commit, appendable=appendable)
        assert self._snapshot is not None
        return self._snapshot

    # ------------------------------------------------------------ writing
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """While held, the newest commit is read Strong: a writer's base must be the last commit, even one another
        process made a moment ago (a bounded-staleness read could return the one before, and the write would
        then refuse to commit on top of it)."""
        with _LOCKS.setdefault(self.target.uri, threading.Lock()):
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    def _generations(self) -> list[GenerationNames]:
        prefix = f"{self.target.collection}__g"
        found = {name.rsplit("_", 1)[0] for name in self.client.list_collections() if name.startswith(prefix)}
        return sorted((GenerationNames(p) for p in found if p[len(prefix):].isdigit()), key=lambda g: g.number)

    def _drop(self, keep: set[str]) -> None:
        for gen in self._generations():
            if gen.prefix not in keep:
                for name in gen.all:
                    if self.client.has_collection(name):
                        self.client.drop_collection(name)

    def write(
        self, add: Sequence[NewDocument], remove: set[str], *, model: str, dim: int, base: MilvusSnapshot | None,
        sources: Sequence[str] = (), progress: Callable[[str], None] | None = None, encoder: str | None = None,
        removed_by_user: Mapping[str, Mapping[str, str]] | None = None,
    ) -> dict[str, Any]:
        """base − remove + add: committed to the current generation when it can be (see can_commit), else
        written as the next generation and swapped in (see :meth:`articleqa.store.contract.Store.write`)."""
        say = progress or (lambda _msg: None)
        current = self.current()
        # Generations above the current one are writes that died before their swap: never visible, drop them.
        self._drop({g.prefix for g in self._generations() if current is None or g.number <= current.number})
        if can_commit(base, current, add, remove, sum(len(nd.chunks) for nd in add)):
            assert base is not None and current is not None
            manifest = self._commit(add, remove, base, model=model, dim=dim, sources=sources, say=say,
                                    encoder=encoder, removed_by_user=removed_by_user)
            self._drop({current.prefix})  # the generation before: a reader may have held it until this write
            return manifest
        number = max([g.number for g in self._generations()] + [0]) + 1
        names = GenerationNames.of(self.target.collection, number)
        kept = Kept.read(base, remove)
        n_chunks = kept.n_chunks + sum(len(nd.chunks) for nd in add)
        spec = choose_index(n_chunks)
        create_generation(self.client, names, dim, spec)
        say("writing records")
        rows = NewRows(kept, add)
        n_records = insert_all(self.client, names.records, rows.records())
        verify_texts(self.client, names.records, [nd.document for nd in add])
        self._crash("after-records")
        say("writing vectors")
        insert_all(self.client, names.chunks, rows.chunks())
        n_units = insert_all(self.client, names.sents, rows.sentences())
        self._crash("after-vectors")
        say("building search indexes")
        n_records += insert_all(self.client, names.records, rows.blob("bm25", lexical_blob(rows.texts)))
        self._seal(names, spec.kind)
        self._crash("after-indexes")
        manifest = {
            "format_version": FORMAT_VERSION, "store": "milvus", "uri": self.target.uri,
            "generation": names.prefix, "generation_number": number, "model": model,
            "encoder": encoder or (base.manifest.get("encoder") if base else None), "dim": dim,
            "n_documents": kept.n_documents + len(add), "n_chunks": n_chunks, "vector_index": spec.to_dict(),
            "sentences": {"n_units": n_units, "dtype": "float16 (stored as float32)"},
            "collections": dict(zip(("chunks", "sentences", "records", "commits"), names.all, strict=True)),
            "updated": _now(), "created": base.manifest.get("created") if base else _now(),
            "sources": sorted(set(base.manifest.get("sources", []) if base else []) | set(sources)),
            "removed_by_user": removed_list(base.manifest if base else None, removed_by_user),
        }
        n_records += insert_all(self.client, names.records, rows.blob("manifest", rows.json(manifest)))
        self._wait_visible(names, {names.chunks: n_chunks, names.sents: n_units, names.records: n_records})
        self._crash("before-manifest")
        self._swap(names, exists=current is not None)
        self._crash("after-manifest")
        self._drop({names.prefix, *([base.names.prefix] if base is not None else []),
                    *([current.prefix] if current is not None else [])})
        return manifest

    def _commit(
        self, add: Sequence[NewDocument], remove: set[str], base: MilvusSnapshot, *, model: str, dim: int,
        sources: Sequence[str], say: Callable[[str], None], encoder: str | None,
        removed_by_user: Mapping[str, Mapping[str, str]] | None = None,
    ) -> dict[str, Any]:
        """A commit to the current generation: new rows numbered after the published ones, removed documents
        hidden (their rows are deleted by the next write), the rebuilt BM25 files and a manifest under the
        commit's names, every row checked visible, then the commit row. Nothing already stored is copied."""
        names = base.names
        if latest(self.client, names, "Strong") != base.commit:
            raise IndexError_(f"{self.target.uri} changed while this write was prepared (another writer committed); "
                              "run it again")
        commit = Commit(base.commit.number + 1)
        self._delete_unpublished(base)
        removed = self._removed(base, remove)
        records_before = count_rows(self.client, names.records)
        start = base.published
        rows = NewRows(Kept(), add, (start.rows, start.units, start.positions))
        say("writing records")
        n_records = insert_all(self.client, names.records, rows.records())
        verify_texts(self.client, names.records, [nd.document for nd in add])
        self._crash("after-records")
        say("writing vectors")
        new_chunks = insert_all(self.client, names.chunks, rows.chunks())
        new_units = insert_all(self.client, names.sents, rows.sentences())
        self._crash("after-vectors")
        say("building search indexes")
        published = Published(start.rows + new_chunks, start.units + new_units, start.positions + len(add),
                              tuple(removed))
        kept_rows, texts = published_texts(base, Published(start.rows, start.units, start.positions,
                                                           tuple(removed)).chunk_filter)
        lexical_rows = np.concatenate([kept_rows, np.arange(start.rows, published.rows, dtype=np.int64)])
        n_records += insert_all(self.client, names.records,
                                rows.blob(commit.bm25_blob, lexical_blob([*texts, *rows.texts], lexical_rows)))
        self._seal(names, base.spec.kind)
        self._crash("after-indexes")
        gone_chunks = sum(r.rows[1] - r.rows[0] for r in removed)
        gone_units = sum(r.units[1] - r.units[0] for r in removed)
        manifest = {
            **base.manifest, "model": model, "dim": dim, "encoder": encoder or base.manifest.get("encoder"),
            "n_documents": base.n_documents - len(removed) + len(add),
            "n_chunks": base.n_chunks - gone_chunks + new_chunks, "commit": commit.number,
            "sentences": {**base.manifest["sentences"], "n_units": base.n_units - gone_units + new_units},
            "bounds": published.bounds(), "removed": [r.to_dict() for r in removed],
            "updated": _now(), "sources": sorted(set(base.manifest.get("sources", [])) | set(sources)),
            "removed_by_user": removed_list(base.manifest, removed_by_user),
        }
        n_records += insert_all(self.client, names.records, rows.blob(commit.manifest_blob, rows.json(manifest)))
        # The removed documents' rows are still there (hidden from this commit's readers, not the last one's).
        self._wait_visible(names, {names.chunks: base.n_chunks + new_chunks, names.sents: base.n_units + new_units,
                                   names.records: records_before + n_records})
        self._crash("before-manifest")
        self.client.insert(names.commits, [commit.row()])
        if latest(self.client, names, "Strong") != commit:  # a Strong read: from here on every reader sees it
            raise IndexError_(f"{names.commits} does not show commit {commit.number} after writing it")
        self._written[names.prefix] = commit.number
        self._crash("after-manifest")
        self.client.delete(names.records, filter=superseded_blobs(commit))
        self.client.delete(names.commits, filter=f"commit < {commit.number - 1}")
        return manifest

    def _removed(self, base: MilvusSnapshot, remove: set[str]) -> list[Removed]:
        """Where each document to remove lies: its chunk rows, sentence units and position (each contiguous)."""
        if not remove:
            return []
        spans: dict[str, list[int]] = {}
        quoted = "[" + ",".join(json.dumps(d) for d in sorted(remove)) + "]"
        for c in iterate(self.client, base.names.chunks, f"doc_id in {quoted} and {base.published.chunk_filter}",
                         ["row", "doc_id", "unit_lo", "unit_hi"]):
            lo_row, hi_row, lo_unit, hi_unit = spans.setdefault(c["doc_id"], [1 << 62, -1, 1 << 62, -1])
            spans[c["doc_id"]] = [min(lo_row, int(c["row"])), max(hi_row, int(c["row"]) + 1),
                                  min(lo_unit, int(c["unit_lo"])), max(hi_unit, int(c["unit_hi"]))]
        positions = {r["name"]: int(r["position"]) for r in iterate(
            self.client, base.names.records, f'kind == "doc" and seq == 0 and name in {quoted} and '
            f"{base.published.document_filter}", ["name", "position"])}
        out = []
        for doc_id in sorted(remove):
            if doc_id not in positions:
                continue  # not in this commit: nothing to hide
            lo_row, hi_row, lo_unit, hi_unit = spans.get(doc_id, [0, 0, 0, 0])
            out.append(Removed(doc_id, (lo_row, hi_row), (lo_unit, max(lo_unit, hi_unit)), positions[doc_id]))
        return out

    def _delete_unpublished(self, base: MilvusSnapshot) -> None:
        """What a write that died before its commit left (rows past the published bounds, its files) and the
        rows of documents the published commit removed (a reader of the commit before may have held them)."""
        names, p = base.names, base.published
        self.client.delete(names.chunks, filter=f"row >= {p.rows}")
        self.client.delete(names.sents, filter=f"unit >= {p.units}")
        self.client.delete(names.records, filter=f'(kind == "doc" or kind == "text") and position >= {p.positions}')
        self.client.delete(names.records, filter=superseded_blobs(base.commit))
        for r in p.removed:
            if r.rows[1] > r.rows[0]:
                self.client.delete(names.chunks, filter=f"row >= {r.rows[0]} and row < {r.rows[1]}")
            if r.units[1] > r.units[0]:
                self.client.delete(names.sents, filter=f"unit >= {r.units[0]} and unit < {r.units[1]}")
            self.client.delete(names.records, filter=self._removed_records(r))
        # The next commit no longer hides these documents: their records must really be gone (the chunk and
        # sentence rows are checked by the totals before the commit).
        for r in p.removed:
            if count_rows(self.client, names.records, self._removed_records(r)):
                raise IndexError_(f"{names.records} still holds removed document {r.doc_id} after deleting it; "
                                  "nothing was published, run the write again")

    @staticmethod
    def _removed_records(r: Removed) -> str:
        return f'(kind == "doc" or kind == "text") and name == {json.dumps(r.doc_id)} and position == {r.position}'

    def _wait_visible(self, names: GenerationNames, expected: dict[str, int]) -> None:
        """A Strong count of every collection: all rows are visible before the swap publishes them (readers then
        read with bounded staleness), and a count that differs stops the write with nothing published."""
        for collection, want in expected.items():
            got = count_rows(self.client, collection)
            if got != want:
                raise IndexError_(f"{collection} holds {got} rows after the write, not {want}; nothing was published")

    def _seal(self, names: GenerationNames, kind: str) -> None:
        """ANN indexes are built on sealed segments: flush and wait for them before the swap."""
        if kind == "flat":
            return
        self.client.flush(names.chunks)
        wait_for_index(self.client, names.chunks)

    def _swap(self, names: GenerationNames, *, exists: bool) -> None:
        if exists:
            self.client.alter_alias(names.chunks, self.target.collection)
        else:
            self.client.create_alias(names.chunks, self.target.collection)

    def _crash(self, name: str) -> None:
        crash_point(name, self.crash_at)

    def drop_everything(self) -> None:
        """Remove the alias and every generation (tests, bench)."""
        with contextlib.suppress(Exception):
            self.client.drop_alias(self.target.collection)
        self._drop(set())
        self._snapshot, self._appendable, self._written = None, {}, {}


INDEX_STALL_S = 900.0


def wait_for_index(client: Any, collection: str, *, stall_s: float = INDEX_STALL_S, poll_s: float = 1.0,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
    """Until the server has indexed every row. Gives up only when the pending count stops falling for ``stall_s``:
    a fixed limit fails large writes (1M rows took ≈ 40 min of index building on a loaded 2-core machine)."""
    best: int | None = None
    since = clock()
    while True:
        info = client.describe_index(collection, "vector")
        pending = int(info.get("pending_index_rows", 0))
        if info.get("state") == "Finished" and pending == 0:
            return
        if best is None or pending < best:
            best, since = pending, clock()
        elif clock() - since > stall_s:
            raise IndexError_(f"Milvus made no indexing progress on {collection} for {stall_s:.0f} s "
                              f"({pending:,} rows pending, state {info.get('state')!r}); nothing was published")
        sleep(poll_s)
