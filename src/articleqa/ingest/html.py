"""HTML pages (.html, .htm): trafilatura finds the article in the page; pages without one are refused.

trafilatura is imported lazily: it is slow to import and only HTML needs it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import ArticleQAError, InputError
from ..records import Document
from .cleaning import LIST_ITEM, is_furniture
from .common import Problems, decode
from .document import document_from_text

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w:.-]+)", re.IGNORECASE)

# Parts of a page that are never its article, whatever their wording: overlays (cookie/consent and sign-up
# dialogs) and navigation landmarks. trafilatura skips them next to an article, but on a page with nothing
# else its recall fallback returns them as the text.
_NOT_ARTICLE_XPATH = [
    "//dialog",
    "//*[@role='dialog' or @role='alertdialog' or @role='navigation']",
    "//*[@aria-modal='true']",
]
# Main text shorter than this (words in prose lines) is a banner, an error stub or a link list, not an
# article: "Cookie settings. Accept all." is 4. The shortest news briefs run to several sentences.
_HTML_MIN_ARTICLE_WORDS = 12
# Page fields kept in the Document's metadata, when the page states them.
_PAGE_FIELDS = ("sitename", "hostname", "description", "language", "categories", "tags", "license")


def read_html(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    """One page → one Document: the article's text and the title, author, date and URL the page states."""
    trafilatura = _trafilatura()
    html, encoding = decode(data, path, declared=_declared_charset(data))
    info = _extract(trafilatura, html, path)
    text = _paragraphs(info.get("text") or "")
    _check_is_article(text, path)
    meta: dict[str, Any] = {"format": fmt, "encoding": encoding, "extractor": "trafilatura"}
    for key in _PAGE_FIELDS:
        value = info.get(key)
        if value:
            meta[key] = value
    doc = document_from_text(
        text,
        source=str(path),
        title=info.get("title") or None,
        author=info.get("author") or None,
        published=info.get("date") or None,
        url=info.get("url") or None,
        metadata=meta,
    )
    return [doc], []


def _trafilatura() -> ModuleType:
    """The trafilatura module; a failed import is a broken install, not a bad file: say how to fix it."""
    try:
        import trafilatura  # slow to import, and only HTML needs it
    except ImportError as exc:  # a broken install, not a bad file: say how to fix the environment
        raise ArticleQAError(
            f"reading HTML needs trafilatura, which failed to import ({exc}); "
            "reinstall the project's dependencies (make run / pip install -e .)"
        ) from exc
    return trafilatura


def _declared_charset(data: bytes) -> str | None:
    """The charset a <meta> tag declares near the top, read the way browsers read it."""
    m = _META_CHARSET.search(data[:4096])
    declared = m.group(1).decode("ascii", "ignore").lower() if m else None
    if declared in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
        declared = "cp1252"  # what browsers do: such pages routinely contain cp1252 quotes
    return declared


def _extract(trafilatura: ModuleType, html: str, path: Path) -> dict[str, Any]:
    """trafilatura's main text and metadata as a dict (empty when it found nothing); InputError if it fails."""
    try:
        extracted = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            fast=False,
            # Only dates the page states in its markup; htmldate's extensive search guesses (e.g. from a
            # copyright year), and a wrong date is worse than none.
            date_extraction_params={
                "original_date": True,
                "extensive_search": False,
                "max_date": date.today().isoformat(),
            },
            prune_xpath=_NOT_ARTICLE_XPATH,
        )
    except Exception as exc:  # trafilatura raises ValueError and lxml errors on broken input
        raise InputError(f"{path}: could not parse HTML ({exc or type(exc).__name__}); check the file") from exc
    info: dict[str, Any] = extracted.as_dict() if extracted is not None else {}
    return info


def _paragraphs(text: str) -> str:
    """trafilatura puts one block per line; separate blocks by a blank line like the other formats,
    keeping runs of list items and table rows together."""
    out: list[str] = []
    prev = ""
    for line in (ln for ln in text.split("\n") if ln.strip()):
        if out:
            grouped = (LIST_ITEM.match(prev) and LIST_ITEM.match(line)) or (
                prev.lstrip().startswith("|") and line.lstrip().startswith("|")
            )
            out.append("\n" if grouped else "\n\n")
        out.append(line)
        prev = line
    return "".join(out)


def _check_is_article(text: str, path: Path) -> None:
    """Refuse pages without an article.

    trafilatura's recall fallback returns menu items ("Home", "About") or a banner's two sentences for
    pages without an article: text in which no line reads like prose, or too little of it, is no article.
    """
    prose = [line for line in text.split("\n") if line.strip() and not is_furniture(line)]
    if not prose:
        raise InputError(
            f"{path}: no article text found in the HTML (only navigation, dialogs or markup); "
            "save the article page itself, or paste its text into a .txt file"
        )
    n_words = sum(len(line.split()) for line in prose)
    if n_words < _HTML_MIN_ARTICLE_WORDS:
        sample = " ".join(" ".join(prose).split())
        sample = sample if len(sample) <= 60 else sample[:59].rstrip() + "…"
        raise InputError(
            f"{path}: too little article text in the HTML ({n_words} word{'s' if n_words != 1 else ''}: “{sample}”; "
            f"an article has at least {_HTML_MIN_ARTICLE_WORDS}), so it looks like a banner or menu page; "
            "save the article page itself, or paste its text into a .txt file"
        )
