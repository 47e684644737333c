"""Files and folders → :class:`~articleqa.records.Document` records.

Everything downstream (chunk offsets, citation quotes) refers to ``Document.text``, so this module is
the one place where text is decoded, cleaned and stripped of page furniture. After that, the text is
never touched again.

Public API (relied on by other modules):

* :func:`load_paths` — a batch of files/folders → :class:`IngestResult` (documents + skipped files);
  one bad file never stops the batch.
* :func:`load_file` — one file → documents, or :class:`~articleqa.errors.InputError` saying what was
  wrong and what to do.
* :func:`document_from_text` — raw text → Document (``clean=False`` keeps the text byte-for-byte,
  for datasets whose answer offsets must stay valid).
* :func:`content_id` — the stable content hash used as ``doc_id``.
* :data:`SUPPORTED_EXTENSIONS`.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .errors import ArticleQAError, InputError
from .records import Document, Skipped

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "IngestResult",
    "clean_text",
    "content_id",
    "document_from_text",
    "load_file",
    "load_paths",
    "parse_date",
    "size_against_limit",
]

log = logging.getLogger(__name__)

#: File extensions (lower case, with dot) that :func:`load_file` understands.
SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    ".txt",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".json",
    ".jsonl",
    ".pdf",
)

_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".pdf": "pdf",
}

# Heuristic limits, named so the rules below read as sentences.
_HEADLINE_MAX_WORDS = 20
_FALLBACK_TITLE_CHARS = 60
_FURNITURE_MAX_WORDS = 8  # a widget/footer line ("0 Comments", "Newest Most Voted") is this short or less
_FURNITURE_MIN_LINES = 3  # ...and only a run of at least this many such lines is cut
_TOP_WIDGET_MAX_WORDS = 2  # "Share" / "Tweet" / "Email" lines above the headline
_META_SCAN_LINES = 6  # bylines and datelines are looked for in this many non-empty lines at the top
_BINARY_CONTROL_RATIO = 0.05


@dataclass
class IngestResult:
    """What a batch produced: the documents, and every file (or record) that was left out and why."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# ids and cleaning


def content_id(text: str) -> str:
    """Stable id from content alone, so re-adding the same article (under any file name) is a no-op."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_SPACE_LIKE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\ufeff\u200b\u00ad\u2060]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Normalise text once so offsets computed later are stable and quotes match what users see.

    NFC; CRLF/CR → LF; odd spaces → space; invisible and control characters dropped; trailing spaces
    stripped per line; runs of blank lines collapsed to one; leading/trailing whitespace stripped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _SPACE_LIKE.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)  # after removals, which can bring combining marks together
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# --------------------------------------------------------------------------------------------------
# dates

_MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    _MONTHS[calendar.month_name[_i].lower()] = _i
    _MONTHS[calendar.month_abbr[_i].lower()] = _i
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO_DATE = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_MDY_DATE = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_DMY_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _find_date(text: str) -> tuple[str, re.Match[str]] | None:
    """The first valid date in ``text`` as ISO, with the match (so callers can see what surrounds it)."""
    found: list[tuple[int, str, re.Match[str]]] = []
    for m in _ISO_DATE.finditer(text):
        iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append((m.start(), iso, m))
            break
    for m in _MDY_DATE.finditer(text):
        iso = _iso(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        if iso:
            found.append((m.start(), iso, m))
            break
    for m in _DMY_DATE.finditer(text):
        iso = _iso(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        if iso:
            found.append((m.start(), iso, m))
            break
    if not found:
        return None
    _, iso, m = min(found, key=lambda t: t[0])
    return iso, m


def parse_date(value: str | None) -> str | None:
    """ISO ``YYYY-MM-DD`` for "2026-01-05", "January 5, 2026", "5 Jan 2026" (and timestamps); else None."""
    if not value:
        return None
    hit = _find_date(str(value))
    return hit[0] if hit else None


# --------------------------------------------------------------------------------------------------
# bylines, datelines, headlines, furniture

_NAME_PARTICLES = frozenset(
    {"de", "da", "del", "della", "der", "di", "du", "la", "le", "van", "von", "bin", "al", "ibn"}
)
_NAME_TOKEN = re.compile(r"^[A-Z][\w'\u2019.-]*$|^[A-Z]\.$")
_BYLINE = re.compile(
    r"^(?:(?:written|reported|story|words|text)\s+)?by[:\s]\s*(?P<names>.+?)\s*$|^authors?:\s*(?P<names2>.+?)\s*$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:,\s*and\s+|,|\band\b|&)\s*", re.IGNORECASE)


def _looks_like_name(name: str) -> bool:
    tokens = name.split()
    if not 1 <= len(tokens) <= 5:
        return False
    capitalised = 0
    for tok in tokens:
        if tok.lower() in _NAME_PARTICLES:
            continue
        if not _NAME_TOKEN.match(tok):
            return False
        capitalised += 1
    return capitalised >= 1


def _byline_author(line: str) -> str | None:
    """ "By Jane Doe and John Smith" → "Jane Doe and John Smith"; None unless the line is only a byline."""
    m = _BYLINE.match(line.strip())
    if not m:
        return None
    names = (m.group("names") or m.group("names2") or "").strip().rstrip(".")
    names = re.sub(r"\s+", " ", names)
    if not names or len(names) > 120:
        return None
    if names.isupper():  # "BY JANE DOE" → "Jane Doe"
        names = " ".join(w.capitalize() if w.lower() != "and" else "and" for w in names.split())
    parts = [p for p in _NAME_SPLIT.split(names) if p]
    if not parts or not all(_looks_like_name(p) for p in parts):
        return None
    return names


_META_LABEL = re.compile(
    r"\b(?:last\s+updated|last\s+modified|updated|modified|edited|published|posted|date|dated|on|at|first)\b|"
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\b|"
    r"\b\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}\b)?|\b[ap]\.?m\.?(?=\W|$)|"
    # what news sites print beside a date: reading time ("4 min read") and relative times ("2 hours ago")
    r"\b\d+\s*-?\s*min(?:ute)?s?\s+read\b|\b\d+\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\b",
    re.IGNORECASE,
)
_META_PUNCT = re.compile(r"[\s:|,\u2022\u00b7\u2014\u2013/()\[\]]+|(?<!\w)-+|-+(?!\w)")


def _meta_line(line: str) -> tuple[str | None, str | None] | None:
    """A byline/dateline line near the top → (author, iso_date); None when the line is article text."""
    stripped = line.strip()
    if not stripped or len(stripped.split()) > 16:
        return None
    author = _byline_author(stripped)
    if author:
        return author, None
    hit = _find_date(stripped)
    if not hit:
        return None
    iso, m = hit
    rest = stripped[: m.start()] + " " + stripped[m.end() :]
    leftover = _META_PUNCT.sub(" ", _META_LABEL.sub(" ", rest)).strip()
    if not leftover:  # "Published: January 5, 2026", "Updated Mon 5 Jan 2026 10:30 GMT"
        return None, iso
    author = _byline_author(leftover)  # "By Jane Doe | January 5, 2026"
    if author:
        return author, iso
    if leftover.isupper() and len(leftover.split()) <= 4:  # "WASHINGTON, January 5, 2026"
        return None, iso
    return None


_INLINE_DATELINE = re.compile(r"^[A-Z][A-Z .,'\u2019()-]{1,40}?[,\s]\s*(?P<date>.{6,30}?)\s*[\u2014\u2013-]{1,2}\s")
# "MUSCAT, Oman (AP) — Jan. 5, 2026 — …": a capitalised place (and agency), a dash, the date, a dash.
_INLINE_DATELINE_DASHED = re.compile(
    r"^[A-Z]{2,}[A-Za-z .,'\u2019()-]{0,50}?\s[\u2014\u2013-]{1,2}\s+(?P<date>[^\n\u2014\u2013]{6,30}?)\s+[\u2014\u2013-]{1,2}\s"
)

def _closing_date(body: str) -> str | None:
    """The date of a closing dateline ("Published January 5, 2026" as the last line), which stays in the text
    (a reader may ask when it was published); None when the last line is prose or has no date."""
    lines = [line for line in body.split("\n") if line.strip()]
    if len(lines) < 2:
        return None
    hit = _meta_line(lines[-1])
    return hit[1] if hit else None


_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+\S")


def _is_sentence(line: str) -> bool:
    """Ends like prose and has more than one word: never page furniture."""
    return bool(_SENTENCE_END.search(line.strip())) and len(line.split()) >= 2


def _is_furniture(line: str) -> bool:
    """A short non-sentence, non-list line: the shape of share/comment widgets, not of prose."""
    stripped = line.strip()
    if _LIST_ITEM.match(stripped):
        return False
    return len(stripped.split()) <= _FURNITURE_MAX_WORDS and not _is_sentence(stripped)


def _strip_footer(lines: list[str]) -> tuple[list[str], str | None, int]:
    """Cut a trailing run of ≥3 furniture lines (after the last prose line); return a byline found in it.

    A single short closing line, or two, is kept: that is how real articles end. The whole text is never
    cut: at least one non-furniture line must stay above the run.
    """
    run: list[int] = []
    i = len(lines) - 1
    while i >= 0:
        if lines[i].strip():
            if not _is_furniture(lines[i]):
                break
            run.append(i)
        i -= 1
    if i < 0:
        return lines, None, 0
    if len(run) < _FURNITURE_MIN_LINES:
        # Too short to be a widget, but a lone "By Jane Doe" line at the end is still a byline.
        for j in run:
            author = _byline_author(lines[j])
            if author:
                return lines[:j] + lines[j + 1 :], author, 1
        return lines, None, 0
    author = next((a for a in (_byline_author(lines[j]) for j in reversed(run)) if a), None)
    return lines[: i + 1], author, len(run)


def _strip_top_widget(lines: list[str]) -> tuple[list[str], int]:
    """Cut a leading run of ≥3 one- or two-word lines ("Share", "Tweet", "Email") above the article.

    Conservative: bylines, dates and list items end the run, and something must remain below it.
    """
    idx = 0
    count = 0
    last = -1
    while idx < len(lines):
        line = lines[idx].strip()
        if line:
            if (
                len(line.split()) > _TOP_WIDGET_MAX_WORDS
                or _is_sentence(line)
                or _LIST_ITEM.match(line)
                or _meta_line(line)
            ):
                break
            count += 1
            last = idx
        idx += 1
    rest_has_text = any(line.strip() for line in lines[last + 1 :])
    if count < _FURNITURE_MIN_LINES or not rest_has_text:
        return lines, 0
    return lines[last + 1 :], count


def _looks_like_headline(line: str) -> bool:
    """Short, not ending like a sentence or clause: how titles are written."""
    stripped = line.strip()
    if not stripped or _LIST_ITEM.match(stripped):
        return False
    words = stripped.split()
    return len(words) <= _HEADLINE_MAX_WORDS and not re.search(r"[.?!,;:][\"'\u201d\u2019)]*$", stripped)


def _title_case_ratio(line: str) -> float:
    words = [w for w in re.findall(r"[^\W\d_][\w'\u2019-]*", line) if len(w) > 3]
    if not words:
        return 0.0
    return sum(w[0].isupper() for w in words) / len(words)


def _fallback_title(text: str) -> str:
    """First ~60 characters, cut at a word boundary, for texts without a headline."""
    flat = " ".join(text.split())
    if len(flat) <= _FALLBACK_TITLE_CHARS:
        return flat
    cut = flat[:_FALLBACK_TITLE_CHARS]
    if " " in cut[20:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-—") + "…"


def _norm_key(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())


def _first_nonblank(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if line.strip()), None)


# --------------------------------------------------------------------------------------------------
# document_from_text


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
    title = " ".join(title.split()) if title and title.strip() else None
    author = " ".join(author.split()) if author and author.strip() else None

    if not clean:
        if not text.strip():
            raise InputError(f"{source or 'text'} is empty; give it some text")
        return Document(
            doc_id=content_id(text),
            title=title or _fallback_title(text),
            text=text,
            source=source,
            author=author,
            published=published_iso,
            metadata=meta,
        )

    body = clean_text(text)
    if not body:
        raise InputError(f"{source or 'text'} is empty (no text after cleaning); give it some text")
    lines = body.split("\n")
    removed = 0

    lines, n = _strip_top_widget(lines)
    removed += n
    lines, footer_author, n = _strip_footer(lines)
    removed += n

    # Headline: the given title repeated on the first line, or a headline-shaped first paragraph
    # (standing alone, or Title Cased so a hard-wrapped first prose line is not mistaken for one).
    found_title: str | None = None
    first = _first_nonblank(lines)
    if first is not None and any(line.strip() for line in lines[first + 1 :]):
        head = lines[first].strip()
        if title:
            is_title_line = _norm_key(head) == _norm_key(title)
        else:
            nxt = first + 1
            stands_alone = nxt >= len(lines) or not lines[nxt].strip() or bool(_meta_line(lines[nxt]))
            continues = nxt < len(lines) and lines[nxt].lstrip()[:1].islower()
            is_title_line = (
                _looks_like_headline(head)
                and not _meta_line(head)
                and (stands_alone or (_title_case_ratio(head) >= 0.75 and not continues))
            )
        if is_title_line:
            found_title = head
            del lines[first]

    # Byline and dateline lines near the top (before the prose gets going).
    top_author: str | None = None
    top_date: str | None = None
    seen = 0
    i = 0
    while i < len(lines) and seen < _META_SCAN_LINES:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        seen += 1
        meta_hit = _meta_line(line)
        if meta_hit and (meta_hit[0] or meta_hit[1]) and any(x.strip() for x in lines[i + 1 :]):
            a, d = meta_hit
            if (a and top_author) or (d and top_date):
                break
            top_author = top_author or a
            top_date = top_date or d
            del lines[i]
            removed += 1
            continue
        if _is_sentence(line) and len(line.split()) > _HEADLINE_MAX_WORDS:
            break  # prose has started
        i += 1

    body = clean_text("\n".join(lines))
    for dateline in (_INLINE_DATELINE, _INLINE_DATELINE_DASHED):
        m = dateline.match(body) if not top_date else None
        if m:
            top_date = parse_date(m.group("date"))
    if not top_date:
        top_date = _closing_date(body)
    if not body:  # everything looked like furniture: keep the text rather than lose the document
        body = clean_text(text)
        found_title = None
        removed = 0
    if removed:
        meta["boilerplate_lines_removed"] = removed

    return Document(
        doc_id=content_id(body),
        title=title or found_title or _fallback_title(body),
        text=body,
        source=source,
        author=author or top_author or footer_author,
        published=published_iso or top_date,
        metadata=meta,
    )


# --------------------------------------------------------------------------------------------------
# reading bytes


def size_against_limit(n_bytes: int, max_file_mb: float) -> tuple[str, str]:
    """(size, limit) as text for a file over the limit, the size with as many decimals as it takes to read
    as over it ("50.0 MB, over the 50 MB limit" does not); exact byte counts when three decimals do not."""
    limit = max_file_mb * 1024 * 1024
    power = 1 if n_bytes < 1024**2 else 2 if n_bytes < 1024**3 else 3
    unit, scale = ("KB", "MB", "GB")[power - 1], 1024**power
    for decimals in (1, 2, 3) if n_bytes >= 1024 else ():
        shown = f"{n_bytes / scale:.{decimals}f}"
        if float(shown) * scale > limit:
            return f"{shown} {unit}", f"{max_file_mb:g} MB"
    return f"{n_bytes:,} bytes", f"{max_file_mb:g} MB ({int(limit):,} bytes)"


def _read_bytes(path: Path, max_file_mb: float) -> bytes:
    """Read a file after checking its size with stat, so a huge file is refused without reading it."""
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file; check the path") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot access ({exc.strerror or exc}); check permissions") from exc
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is a folder; pass it to load_paths (or the CLI) to read the files inside")
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
        raise InputError(f"{path} is not a regular file; copy the text into a file and add that")
    limit = max_file_mb * 1024 * 1024
    if st.st_size > limit:
        size, limit_text = size_against_limit(st.st_size, max_file_mb)
        raise InputError(
            f"{path} is {size}, over the {limit_text} limit; "
            "split it into smaller files or raise max_file_mb (ARTICLEQA_MAX_FILE_MB)"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check permissions") from exc


_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _decode(data: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """Decode text: BOM, then a declared charset, then UTF-8, cp1252, latin-1. Refuse binary and empty."""
    if not data.strip():
        raise InputError(f"{path} is empty; add some text or remove the file")
    text: str | None = None
    encoding = ""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc.replace("-sig", ""))
                encoding = enc
            except UnicodeDecodeError:
                text = None
            break
    if text is None:
        if b"\x00" in data:
            raise InputError(
                f"{path} looks binary (it contains NUL bytes), not like a {path.suffix or 'text'} file; "
                "convert it to plain text or remove it"
            )
        candidates = [c for c in (declared, "utf-8", "cp1252", "latin-1") if c]
        for enc in candidates:
            try:
                text = data.decode(enc)
                encoding = enc
                break
            except (UnicodeDecodeError, LookupError):
                continue
    if text is None:  # unreachable in practice: latin-1 decodes any byte string
        text, encoding = data.decode("latin-1"), "latin-1"
    sample = text[:65536]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if sample and controls / len(sample) > _BINARY_CONTROL_RATIO:
        raise InputError(
            f"{path} looks binary ({controls} control characters in the first {len(sample)}); "
            "convert it to plain text or remove it"
        )
    if not text.strip():
        raise InputError(f"{path} is empty (only whitespace); add some text or remove the file")
    return text, encoding


# --------------------------------------------------------------------------------------------------
# per-format readers. Each returns (documents, problems); a problem is (label, reason) for one bad
# record inside an otherwise usable file (JSONL lines, JSON list items).

Problems = list[tuple[str, str]]


def _read_plain(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    text, encoding = _decode(data, path)
    return [_plain_document(text, str(path), {"format": fmt, "encoding": encoding})], []


def _plain_document(text: str, source: str, meta: dict[str, Any]) -> Document:
    try:
        return document_from_text(text, source=source, metadata=meta)
    except InputError as exc:
        raise InputError(f"{source} is empty after cleaning; add some text or remove the file") from exc


_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<body>.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^(?P<indent> {0,3})(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MD_REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+")


def _markdown_inline(line: str) -> str:
    """Drop inline markdown syntax that gets in the way of reading (links, images, emphasis, code)."""
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", line)
    line = re.sub(r"<(https?://[^>\s]+)>", r"\1", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    line = re.sub(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])", r"\1", line)
    line = re.sub(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])", r"\1", line)
    line = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", line)
    line = re.sub(r"`([^`\n]+)`", r"\1", line)
    line = re.sub(r"^(\s*)>\s?", r"\1", line)
    return line


def _markdown_to_text(md: str) -> tuple[str, dict[str, str]]:
    """Light markdown → readable text; returns the text and front-matter/heading fields (title...)."""
    fields_: dict[str, str] = {}
    md = md.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    fm = _FRONT_MATTER.match(md)
    if fm:
        for raw in fm.group("body").split("\n"):
            key, sep, value = raw.partition(":")
            if sep and value.strip():
                fields_[key.strip().lower()] = value.strip().strip("\"'")
        md = md[fm.end() :]
    out: list[str] = []
    in_fence = False
    for line in md.split("\n"):
        if _MD_FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            out.append(line)
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            text = _markdown_inline(heading.group("text")).strip()
            fields_.setdefault("heading", text)
            out.extend(["", text, ""])
            continue
        if _MD_SETEXT.match(line) and out and out[-1].strip():  # "Title\n=====" (CommonMark setext)
            fields_.setdefault("heading", out[-1].strip())
            out.append("")
            continue
        if _MD_RULE.match(line) or _MD_REFDEF.match(line):
            out.append("")
            continue
        out.append(_markdown_inline(line))
    return "\n".join(out), fields_


def _read_markdown(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    raw, encoding = _decode(data, path)
    text, found = _markdown_to_text(raw)
    meta: dict[str, Any] = {"format": fmt, "encoding": encoding}
    for key in ("tags", "categories", "description"):
        if key in found:
            meta[key] = found[key]
    try:
        doc = document_from_text(
            text,
            source=str(path),
            title=found.get("title") or found.get("heading"),
            author=found.get("author"),
            published=found.get("date") or found.get("published"),
            url=found.get("url"),
            metadata=meta,
        )
    except InputError as exc:
        raise InputError(f"{path} has no text besides markdown syntax; add some text") from exc
    return [doc], []


def _paragraphs(text: str) -> str:
    """trafilatura puts one block per line; separate blocks by a blank line like the other formats,
    keeping runs of list items and table rows together."""
    out: list[str] = []
    prev = ""
    for line in (ln for ln in text.split("\n") if ln.strip()):
        if out:
            grouped = (_LIST_ITEM.match(prev) and _LIST_ITEM.match(line)) or (
                prev.lstrip().startswith("|") and line.lstrip().startswith("|")
            )
            out.append("\n" if grouped else "\n\n")
        out.append(line)
        prev = line
    return "".join(out)


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


def _read_html(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    try:
        import trafilatura  # slow to import, and only HTML needs it
    except ImportError as exc:  # a broken install, not a bad file: say how to fix the environment
        raise ArticleQAError(
            f"reading HTML needs trafilatura, which failed to import ({exc}); "
            "reinstall the project's dependencies (make run / pip install -e .)"
        ) from exc

    m = _META_CHARSET.search(data[:4096])
    declared = m.group(1).decode("ascii", "ignore").lower() if m else None
    if declared in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
        declared = "cp1252"  # what browsers do: such pages routinely contain cp1252 quotes
    html, encoding = _decode(data, path, declared=declared)
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
    text = _paragraphs(info.get("text") or "")
    # trafilatura's recall fallback returns menu items ("Home", "About") or a banner's two sentences for
    # pages without an article: text in which no line reads like prose, or too little of it, is no article.
    prose = [line for line in text.split("\n") if line.strip() and not _is_furniture(line)]
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
    meta: dict[str, Any] = {"format": fmt, "encoding": encoding, "extractor": "trafilatura"}
    for key in ("sitename", "hostname", "description", "language", "categories", "tags", "license"):
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


def _record_document(obj: Any, source: str, label: str, fmt: str) -> Document:
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


def _read_json(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    raw, _ = _decode(data, path)
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
            docs.append(_record_document(item, str(path), str(n), fmt))
        except InputError as exc:
            problems.append((label, f"record {n}: {exc}"))
    return docs, problems


def _read_jsonl(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    raw, _ = _decode(data, path)
    docs: list[Document] = []
    problems: Problems = []
    # split on "\n" only: str.splitlines() would also split inside records at U+2028, valid in JSON strings
    for lineno, line in enumerate(raw.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        label = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((label, f"invalid JSON on line {lineno} ({exc.msg} at column {exc.colno}); fix the line"))
            continue
        try:
            docs.append(_record_document(obj, str(path), str(lineno), fmt))
        except InputError as exc:
            problems.append((label, f"line {lineno}: {exc}"))
    return docs, problems


def _pdf_date(value: Any) -> str | None:
    """PDF dates look like "D:20260105093000Z"."""
    m = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", str(value or ""))
    return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _read_pdf(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
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


_READERS = {
    "txt": _read_plain,
    "markdown": _read_markdown,
    "html": _read_html,
    "json": _read_json,
    "jsonl": _read_jsonl,
    "pdf": _read_pdf,
}


def _unsupported(path: Path) -> InputError:
    ext = path.suffix or "(no extension)"
    return InputError(
        f"{path}: unsupported file type {ext}; supported: {', '.join(SUPPORTED_EXTENSIONS)} "
        "(convert it to one of these)"
    )


def _load(path: Path, max_file_mb: float) -> tuple[list[Document], Problems]:
    """Read one file into documents plus per-record problems; InputError if the file is unusable."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        if path.is_dir():
            raise InputError(f"{path} is a folder; pass it to load_paths (or the CLI) to read the files inside")
        raise _unsupported(path)
    data = _read_bytes(path, max_file_mb)
    if not data.strip():
        raise InputError(f"{path} is empty; add some text or remove the file")
    try:
        docs, problems = _READERS[fmt](path, data, fmt)
    except ArticleQAError:
        raise
    except Exception as exc:  # an unexpected parser failure is still just one bad file
        raise InputError(f"{path}: could not read ({type(exc).__name__}: {exc}); check the file") from exc
    if not docs:
        detail = "; ".join(reason for _, reason in problems[:3]) or "no records"
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        raise InputError(f"{path}: no usable records — {detail}{more}")
    return docs, problems


def load_file(path: Path, max_file_mb: float = 50.0) -> list[Document]:
    """Read one file into documents (JSON/JSONL may hold several); InputError if it cannot be used.

    Bad records inside an otherwise good JSON/JSONL file are logged and left out; use
    :func:`load_paths` to get them back as :class:`Skipped` entries.
    """
    docs, problems = _load(Path(path), max_file_mb)
    for label, reason in problems:
        log.warning("skipped %s: %s", label, reason)
    return docs


# --------------------------------------------------------------------------------------------------
# batches


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _walk(folder: Path, skipped: list[Skipped]) -> Iterator[Path]:
    """Files under ``folder`` in sorted order, skipping hidden files and folders (.git, .DS_Store...).

    A subfolder that cannot be listed is reported in ``skipped`` instead of silently ignored.
    """

    def unreadable(exc: OSError) -> None:
        skipped.append(Skipped(path=str(exc.filename or folder), reason=f"cannot list folder: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
        for name in sorted(files):
            if not _is_hidden(name):
                yield Path(root) / name


def load_paths(
    paths: Sequence[str | Path], max_file_mb: float = 50.0, on_file: Callable[[], None] | None = None
) -> IngestResult:
    """Read files and folders (recursively) into documents; every unusable file is reported, none is fatal.

    Folders are walked in sorted order; hidden entries are ignored and unsupported files inside folders are
    reported as skipped. The same file reached twice (e.g. a folder and a file in it) is read once. Documents
    with identical text share a ``doc_id``; deduplicating them is the index's job.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    result = IngestResult()
    seen: set[Path] = set()

    def add(file: Path) -> None:
        key = file.resolve() if file.exists() else file.absolute()
        if key in seen:
            return
        seen.add(key)
        if on_file is not None:
            on_file()
        try:
            docs, problems = _load(file, max_file_mb)
        except ArticleQAError as exc:
            result.skipped.append(Skipped(path=str(file), reason=_reason(exc, file)))
            return
        except Exception as exc:  # never let one file stop the batch
            log.exception("unexpected error reading %s", file)
            result.skipped.append(Skipped(path=str(file), reason=f"could not read: {type(exc).__name__}: {exc}"))
            return
        result.documents.extend(docs)
        result.skipped.extend(Skipped(path=label, reason=reason) for label, reason in problems)

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            result.skipped.append(Skipped(path=str(raw), reason="not found: no such file or folder; check the path"))
        elif path.is_dir():
            for file in _walk(path, result.skipped):
                add(file)
        else:
            add(path)
    return result


def _reason(exc: ArticleQAError, path: Path) -> str:
    """The error message without the leading path (Skipped already carries it)."""
    msg = str(exc)
    prefix = str(path)
    if msg.startswith(prefix):
        msg = msg[len(prefix) :].lstrip(" :")
    return msg or str(exc)
