"""Whole articles as sentences with their stored vectors: what overviews, lists and explanations read."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..answer.shapes import ArticleSentences, unit
from ..store import Snapshot

MAX_CACHED = 256


class ArticleCache:
    """Each document's sentences, read once per generation (generations never change)."""

    def __init__(self) -> None:
        self._articles: OrderedDict[tuple[str, str], ArticleSentences] = OrderedDict()  # (generation, doc_id)
        self._lock = threading.Lock()

    def of(self, snap: Snapshot, doc_ids: Sequence[str]) -> dict[str, ArticleSentences]:
        out: dict[str, ArticleSentences] = {}
        for doc_id in dict.fromkeys(doc_ids):
            key = (snap.generation, doc_id)
            with self._lock:
                art = self._articles.get(key)
                if art is not None:
                    self._articles.move_to_end(key)
            if art is None:
                art = _read_article(snap, doc_id)
                if art is None:
                    continue
                with self._lock:
                    self._articles[key] = art
                    while len(self._articles) > MAX_CACHED:
                        self._articles.popitem(last=False)
            out[doc_id] = art
        return out


def _read_article(snap: Snapshot, doc_id: str) -> ArticleSentences | None:
    doc = snap.document(doc_id)
    if doc is None:
        return None
    spans: dict[tuple[int, int], Any] = {}
    for row in sorted(int(r) for r in snap.rows_for_documents([doc_id])):
        offsets, vectors = snap.chunk_sentences(row)
        for i, (s, e) in enumerate(offsets):
            spans.setdefault((int(s), int(e)), vectors[i] if len(vectors) else None)
    order = sorted(spans)
    vecs = [spans[o] for o in order]
    matrix = unit(np.stack(vecs)) if vecs and all(v is not None for v in vecs) else np.zeros((0, 0))
    return ArticleSentences(doc, order, matrix)
