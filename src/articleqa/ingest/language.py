"""Which language a document is written in, so a non-English one can be named at indexing time and in
answers: the reader and the embedding model were trained on English only, and answer such text badly (a
figure stated in a Spanish article is declined) without saying why.

Detection is py3langid (the maintained fork of langid.py: pure Python over numpy, its model shipped inside the
package, deterministic, 97 languages). Chosen over a stopword-ratio check because it also names the language
("Spanish", not just "not English") and copes with short paragraphs; over langdetect (unmaintained since 2021,
random unless seeded) and lingua (a compiled extension with large models). Its model takes a few seconds to
load, so it is loaded once, only when new documents are indexed, and reads a few samples of a long text.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..records import Document, DocumentMeta

META_KEY = "detected_language"  # ISO 639-1 code; apart from an HTML page's own declared "language"
MIN_WORDS = 20  # shorter texts are too little to tell reliably: left undetermined
MIN_CONFIDENCE = 0.8  # py3langid's normalised probability; below it the sample is undetermined
SAMPLE_CHARS = 2000
READER_LANGUAGE = "en"

# Names for the codes people are likeliest to meet; any other is shown as its code.
NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian",
    "vi": "Vietnamese", "zh": "Chinese",
}

_IDENTIFIER: Any = None
_LOCK = threading.Lock()


def _identifier() -> Any:
    global _IDENTIFIER
    with _LOCK:
        if _IDENTIFIER is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _IDENTIFIER


def language_name(code: str | None) -> str:
    return NAMES.get(code or "", code or "an unknown language")


def _samples(text: str) -> list[str]:
    """The start, middle and end of a long text (a 10 MB file is not read whole), or all of a short one."""
    if len(text) <= 3 * SAMPLE_CHARS:
        return [text]
    mid = len(text) // 2 - SAMPLE_CHARS // 2
    return [text[:SAMPLE_CHARS], text[mid : mid + SAMPLE_CHARS], text[-SAMPLE_CHARS:]]


def detect_language(text: str) -> str | None:
    """The text's language as an ISO 639-1 code; None when it is too short or no sample is clear."""
    if len(text.split()) < MIN_WORDS:
        return None
    votes: Counter[str] = Counter()
    for sample in _samples(text):
        code, confidence = _identifier().classify(sample)
        if confidence >= MIN_CONFIDENCE:
            votes[code] += 1
    return votes.most_common(1)[0][0] if votes else None


def tag_language(docs: list[Document]) -> list[Document]:
    """The documents with their detected language in the metadata (``detected_language``); copies, so a
    Document a caller passed in is left as it was."""
    out = []
    for doc in docs:
        code = detect_language(doc.text)
        out.append(doc if code is None else dataclasses.replace(doc, metadata={**doc.metadata, META_KEY: code}))
    return out


def not_english(metadata: dict[str, Any] | None) -> str | None:
    """The detected language when it is not English, else None (undetermined counts as English)."""
    code = (metadata or {}).get(META_KEY)
    return code if isinstance(code, str) and code != READER_LANGUAGE else None


def language_notice(metas: Iterable[DocumentMeta]) -> str | None:
    """What an answer says when the passages it was read from are not in English (it is still attempted)."""
    foreign = {m.doc_id: (m.title, code) for m in metas if (code := not_english(m.metadata))}
    if not foreign:
        return None
    shown = "; ".join(f"“{title}” is in {language_name(code)}" for title, code in list(foreign.values())[:3])
    return f"{shown}: the reader reads English, so this answer may be wrong or missing."
