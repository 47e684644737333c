"""The Document builder every reader ends in: text plus what the file said about it → Document.

One builder means one place that decides ``doc_id``, title, author and date precedence, whatever the format.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..errors import InputError
from ..records import Document
from .cleaning import clean_text, fallback_title, strip_article
from .dates import parse_date


def content_id(text: str) -> str:
    """Stable id from content alone, so re-adding the same article (under any file name) is a no-op."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def document_from_text(
    text: str,
    *,
    source: str = "",
    title: str | None = None,
    author: str | None = None,
    published: str | None = None,
    url: str | None = None,
    metadata: dict[str, Any] | None = None,
    clean: bool = True,
) -> Document:
    """Build a Document from raw text; with ``clean`` also find title/byline/date and drop furniture.

    ``clean=False`` keeps ``text`` exactly as given (datasets whose answer offsets index into it); only
    missing titles are derived. Explicit ``title``/``author``/``published`` always win over detection.
    Raises InputError when there is no text.
    """
    meta: dict[str, Any] = dict(metadata or {})
    if url:
        meta["url"] = url
    published_iso = parse_date(published) if published else None
    if published and not published_iso:
        meta.setdefault("published_raw", str(published))
    title = _squeezed(title)
    author = _squeezed(author)

    if not clean:
        if not text.strip():
            raise InputError(f"{source or 'text'} is empty; give it some text")
        return Document(
            doc_id=content_id(text),
            title=title or fallback_title(text),
            text=text,
            source=source,
            author=author,
            published=published_iso,
            metadata=meta,
        )

    body = clean_text(text)
    if not body:
        raise InputError(f"{source or 'text'} is empty (no text after cleaning); give it some text")
    article = strip_article(body, title)
    if article.lines_removed:
        meta["boilerplate_lines_removed"] = article.lines_removed
    if article.field_lines:
        # Where the headline, byline and dateline stand in the text: quoted when asked about the article.
        meta["field_lines"] = {name: [s, e] for name, (s, e) in article.field_lines.items()}
    if not (title or article.title):
        meta["title_derived"] = True  # no headline anywhere: the title is the text's opening words
    return Document(
        doc_id=content_id(article.text),
        title=title or article.title or fallback_title(article.text),
        text=article.text,
        source=source,
        author=author or article.author,
        published=published_iso or article.published,
        metadata=meta,
    )


def _squeezed(value: str | None) -> str | None:
    """Whitespace runs → one space; blank → None, so an empty field never beats a detected one."""
    return " ".join(value.split()) if value and value.strip() else None
