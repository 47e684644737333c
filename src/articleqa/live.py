"""The live index: a store and its newest complete generation, which any process may replace at any time.

Readers hold a generation for a whole question (generations never change once written), so a question never
mixes two of them; the next question sees the newest. See docs/architecture.md."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .records import Document
from .store import Snapshot, Store


class LiveIndex:
    """The store, and the snapshot of its newest generation, reopened when its manifest changes."""

    def __init__(self, store: Store, where: str) -> None:
        self.store = store
        self.where = where  # the folder or the Milvus URI, for messages
        self._snapshot: Snapshot | None = None
        self._stamp: tuple[int, int] = (0, 0)
        self._lock = threading.Lock()

    def current(self) -> Snapshot | None:
        """The newest complete generation (None: nothing indexed yet)."""
        stamp = self.store.manifest_stamp()
        if self._snapshot is not None and stamp == self._stamp:
            return self._snapshot
        with self._lock:
            stamp = self.store.manifest_stamp()
            if self._snapshot is None or stamp != self._stamp:
                if not self.store.exists():
                    return None
                self._snapshot = self.store.open_snapshot()
                self._stamp = stamp
            return self._snapshot


def stored_documents(snap: Snapshot | None) -> Callable[[str], Document | None]:
    """Stored documents by id, each read once: what citations are verified against."""
    docs: dict[str, Document | None] = {}

    def doc_of(doc_id: str) -> Document | None:
        if doc_id not in docs:
            docs[doc_id] = snap.document(doc_id) if snap is not None else None
        return docs[doc_id]

    return doc_of


def document_texts(snap: Snapshot | None) -> Callable[[str], str | None]:
    """Stored document texts by id, each read once."""
    doc_of = stored_documents(snap)
    return lambda doc_id: doc.text if (doc := doc_of(doc_id)) is not None else None
