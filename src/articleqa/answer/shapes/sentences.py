"""An article's sentences as the shapes read them: offsets into the stored text and their stored vectors."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...nlp import content_terms
from ...records import Document

# A sentence worth quoting in a summary: a few words and a sentence end (not "SHARE THIS:" or "0 Comments").
_MIN_WORDS = 6
_ENDS = re.compile(r"[.!?][\"'”’)]*$")


@dataclass
class ArticleSentences:
    """One article and its prose sentences in text order; ``vectors`` row i belongs to ``spans`` i (unit
    length, float32), or has no rows when the index stores no sentence vectors."""

    document: Document
    spans: list[tuple[int, int]]
    vectors: np.ndarray

    def text(self, i: int) -> str:
        s, e = self.spans[i]
        return self.document.text[s:e]

    def prose(self) -> list[int]:
        """Indices of the sentences that read as prose: enough words, a sentence end."""
        out = []
        for i in range(len(self.spans)):
            t = self.text(i).strip()
            if len(t.split()) >= _MIN_WORDS and _ENDS.search(t):
                out.append(i)
        return out

    def similarity(self) -> np.ndarray:
        """Sentence-by-sentence cosine similarity: stored vectors, else content-word overlap (cosine of counts)."""
        if len(self.vectors) == len(self.spans) and len(self.spans):
            return self.vectors @ self.vectors.T
        return bag_similarity([self.text(i) for i in range(len(self.spans))])


def bag_similarity(texts: list[str]) -> np.ndarray:
    """Cosine similarity of content-word counts: the fallback when no sentence vectors are stored."""
    vocab: dict[str, int] = {}
    rows = [[vocab.setdefault(t, len(vocab)) for t in content_terms(x)] for x in texts]
    m = np.zeros((len(texts), max(1, len(vocab))), dtype=np.float32)
    for i, ids in enumerate(rows):
        for j in ids:
            m[i, j] += 1.0
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m = m / np.where(norms == 0, 1.0, norms)
    return m @ m.T


def unit(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    if not v.size:
        return v.reshape(0, 0)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms == 0, 1.0, norms)
