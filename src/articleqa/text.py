"""Word-level text normalisation shared by BM25, question analysis and filters: one accent fold, one stemmer."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any


def fold_accents(text: str) -> str:
    """Compatibility-decompose (NFKD) and drop combining marks: "Málaga" → "Malaga", "ﬁnal" → "final".

    Users type names without their accents, and articles spell them either way; matching should not care.
    ASCII text (most of it) is returned as is."""
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def english_stemmer() -> Any:
    """PyStemmer's English stemmer, or None: stemming helps recall but is optional."""
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:
        return None
