"""JSON files (.json): one record, a list of records, or {"documents": [...]}; each record → Document.

A record is an object with a ``text`` field and optional title/author/date/url; every other field is kept as
metadata. Bad records are reported one by one instead of failing the file. JSONL reuses the record rules.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Document
from .common import Problems, decode
from .document import document_from_text

_RECORD_KEYS = ("text", "title", "author", "published", "url")
# Where exports and news APIs put the publication date (first one present wins).
_RECORD_DATE_KEYS = (
    "published", "date", "published_at", "publishedAt", "published_date", "publish_date", "publication_date",
    "datePublished", "pubDate", "pub_date",
)
_EPOCH_SECONDS = (1e8, 5e9)  # 1973..2128: a bare number in a date field in this range is a Unix time


def _record_date(obj: dict[str, Any]) -> str | None:
    """The record's publication date as given: text, or a Unix timestamp in seconds or milliseconds."""
    for key in _RECORD_DATE_KEYS:
        value = obj.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if value > _EPOCH_SECONDS[1] else value
            if _EPOCH_SECONDS[0] <= seconds <= _EPOCH_SECONDS[1]:
                return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
            continue
        if isinstance(value, str) and value.strip():
            return value
    return None


def record_document(obj: Any, source: str, label: str, fmt: str) -> Document:
    """One JSON object → Document; raises InputError naming what is missing."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object with a 'text' field, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str):
        if text is None:
            raise InputError("missing the 'text' field")
        raise InputError(f"'text' must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InputError("'text' is empty")

    def as_str(key: str) -> str | None:
        """A field as text: lists (several authors) joined, empty values as None."""
        value = obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, list):
            return ", ".join(str(v) for v in value if v)
        return str(value)

    meta: dict[str, Any] = {"format": fmt, "record": label}
    meta.update({k: v for k, v in obj.items() if k not in _RECORD_KEYS and k not in _RECORD_DATE_KEYS})
    return document_from_text(
        text,
        source=source,
        title=as_str("title"),
        author=as_str("author") or as_str("authors"),
        published=_record_date(obj),
        url=as_str("url"),
        metadata=meta,
    )


def read_json(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    """One JSON file → its records as Documents, plus a problem per unusable record; InputError when the
    file is not JSON or not shaped like documents (a SQuAD file gets a pointer to `articleqa eval`)."""
    raw, _ = decode(data, path)
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); fix it") from exc
    if isinstance(payload, dict) and "text" in payload:
        items: list[Any] = [payload]
    elif isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict) and isinstance(payload.get("documents"), list):
        items = payload["documents"]
    elif isinstance(payload, dict) and "data" in payload and "version" in payload:
        raise InputError(
            f"{path} looks like a SQuAD dataset, not documents; evaluate it with `articleqa eval --dataset {path}`"
        )
    else:
        raise InputError(
            f"{path}: expected an object with a 'text' field, a list of such objects, "
            'or {"documents": [...]}; reshape the JSON'
        )
    docs: list[Document] = []
    problems: Problems = []
    for n, item in enumerate(items):
        label = f"{path}[{n}]"
        try:
            docs.append(record_document(item, str(path), str(n), fmt))
        except InputError as exc:
            problems.append((label, f"record {n}: {exc}"))
    return docs, problems
