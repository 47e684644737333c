"""BM25 over chunk texts with bm25s (sparse matrices, saved beside the vectors, memory-mapped on load).

Texts and queries are accent-folded before tokenising ("Málaga" and "Malaga" are one term), the same way on
both sides; an index records that it was built so (``articleqa-tokenizer.json``), and older indexes, built
without folding, are queried the way they were built until the next write rebuilds their BM25.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..text import english_stemmer, fold_accents

log = logging.getLogger(__name__)

TOKENIZER_FILE = "articleqa-tokenizer.json"


def _bm25s() -> Any:
    """bm25s, imported with its logger quieted: it sets itself to DEBUG on import, so "DEBUG:bm25s:Building
    index from tokens" reached the terminal whenever anything had configured logging."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def tokenize(texts: Sequence[str], *, fold: bool = True) -> list[list[str]]:
    """Lower-cased, stemmed BM25 terms without stopwords; ``fold``: accent-folded (see :func:`fold_accents`)."""
    texts = [fold_accents(t) for t in texts] if fold else list(texts)
    return _bm25s().tokenize(texts, stopwords="en", stemmer=english_stemmer(), return_ids=False, show_progress=False)


def _numbered(docs: list[list[str]]) -> tuple[list[list[int]], dict[str, int]]:
    """Token ids numbered in order of first appearance. bm25s numbers a set of the tokens, whose order changes with
    Python's hash seed, so two builds of the same texts wrote different files."""
    vocab: dict[str, int] = {}
    return [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in docs], vocab


class LexicalIndex:
    """A narrow wrapper so the rest of the code never depends on bm25s' call shapes."""

    def __init__(self, model: Any, n_docs: int, *, fold: bool = True) -> None:
        self._model = model
        self.n_docs = n_docs
        self.fold = fold  # queries are tokenised the way the texts were

    @classmethod
    def build(cls, texts: Sequence[str], *, fold: bool = True) -> LexicalIndex:
        model = _bm25s().BM25()
        if texts:
            model.index(_numbered(tokenize(texts, fold=fold)), show_progress=False)
        return cls(model, len(texts), fold=fold)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self.n_docs:
            self._model.save(str(directory), show_progress=False)
        (directory / TOKENIZER_FILE).write_text(json.dumps({"fold_accents": self.fold}))
        (directory / "n_docs.txt").write_text(str(self.n_docs))

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> LexicalIndex:
        """``mmap=False`` reads the arrays into memory, so the folder may be deleted right after."""
        n_docs = int((directory / "n_docs.txt").read_text())
        settings = directory / TOKENIZER_FILE
        # Indexes written before accent folding have no such file: their vocabulary keeps the accents.
        fold = bool(json.loads(settings.read_text()).get("fold_accents")) if settings.is_file() else False
        if n_docs == 0:
            return cls(None, 0, fold=fold)
        model = _bm25s().BM25.load(str(directory), mmap=mmap, show_progress=False, verbosity=0)
        return cls(model, n_docs, fold=fold)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk row (zeros when no query term is in the vocabulary)."""
        if not self.n_docs:
            return np.zeros(0, dtype=np.float32)
        tokens = tokenize([query], fold=self.fold)[0]
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
