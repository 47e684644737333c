"""PDF files (.pdf): the text layer of every page, and the title/author/date the file's metadata states.

pypdf is imported lazily, like trafilatura: most corpora have no PDFs.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Document
from .common import Problems
from .dates import iso_date
from .document import document_from_text


def _pdf_date(value: Any) -> str | None:
    """PDF dates look like "D:20260105093000Z"."""
    m = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", str(value or ""))
    return iso_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def read_pdf(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    """One PDF → one Document of its pages' text; InputError for damaged, protected or scanned (image-only) files."""
    from pypdf import PdfReader  # lazily, like trafilatura: most corpora have no PDFs

    if not data.strip():
        raise InputError(f"{path} is empty; remove it or replace it with the real PDF")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{path} is password-protected; save an unprotected copy and add that")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except InputError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files
        raise InputError(f"{path} is not a readable PDF ({exc or type(exc).__name__}); re-export or repair it") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise InputError(
            f"{path} has no text layer (it is probably a scanned image); "
            "run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`) and add the OCR'd PDF"
        )

    def info_str(key: str) -> str | None:
        """A metadata field as stripped text; empty or missing as None."""
        value = info.get(key)
        value = str(value).strip() if value else ""
        return value or None

    title = info_str("/Title")
    if title and (re.search(r"\.(docx?|pdf|tex|odt|rtf)$", title, re.IGNORECASE) or title.lower() == "untitled"):
        title = None
    meta: dict[str, Any] = {"format": fmt, "pages": len(pages)}
    doc = document_from_text(
        text,
        source=str(path),
        title=title,
        author=info_str("/Author"),
        published=_pdf_date(info.get("/CreationDate")) if info else None,
        metadata=meta,
    )
    return [doc], []

