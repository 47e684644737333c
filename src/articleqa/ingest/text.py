"""Plain-text files (.txt): decoded, then cleaned like every other format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Document
from .common import Problems, decode
from .document import document_from_text


def read_plain(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    """One text file → one Document, with the encoding it was read in recorded."""
    text, encoding = decode(data, path)
    return [_plain_document(text, str(path), {"format": fmt, "encoding": encoding})], []


def _plain_document(text: str, source: str, meta: dict[str, Any]) -> Document:
    """The builder's "empty" error reworded for a file: the fix is to the file, not to the text argument."""
    try:
        return document_from_text(text, source=source, metadata=meta)
    except InputError as exc:
        raise InputError(f"{source} is empty after cleaning; add some text or remove the file") from exc
