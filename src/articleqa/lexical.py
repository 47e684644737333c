"""BM25 over chunk texts with bm25s (sparse matrices, saved beside the vectors, memory-mapped on load)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # stemming helps recall but is optional
        return None


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


class LexicalIndex:
    """A narrow wrapper so the rest of the code never depends on bm25s' call shapes."""

    def __init__(self, model: Any, n_docs: int) -> None:
        self._model = model
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25()
        if texts:
            model.index(tokenize(texts), show_progress=False)
        return cls(model, len(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self.n_docs:
            self._model.save(str(directory), show_progress=False)
        (directory / "n_docs.txt").write_text(str(self.n_docs))

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        n_docs = int((directory / "n_docs.txt").read_text())
        if n_docs == 0:
            return cls(None, 0)
        model = bm25s.BM25.load(str(directory), mmap=True, show_progress=False, verbosity=0)
        return cls(model, n_docs)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk row (zeros when no query term is in the vocabulary)."""
        if not self.n_docs:
            return np.zeros(0, dtype=np.float32)
        tokens = tokenize([query])[0]
        vocab = self._model.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, scores), optionally only among ``rows``; rows with score 0 are left out."""
        scores = self.scores(query)
        if scores.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if rows is not None:
            sub = scores[rows]
            order = np.argsort(-sub, kind="stable")[:k]
            top_rows, top_scores = rows[order], sub[order]
        else:
            k = min(k, scores.size)
            part = np.argpartition(-scores, k - 1)[:k]
            order = part[np.argsort(-scores[part], kind="stable")]
            top_rows, top_scores = order, scores[order]
        keep = top_scores > 0
        return top_rows[keep].astype(np.int64), top_scores[keep]
