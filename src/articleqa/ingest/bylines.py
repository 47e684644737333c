"""Bylines and datelines: which lines at an article's top or bottom name its author or its date.

Split from :mod:`.cleaning`, which applies these rules in order with the others."""

from __future__ import annotations

import re

from .dates import find_date

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
    """One to five capitalised words (particles like "de", "van" aside): a person, not a phrase."""
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


def byline_author(line: str) -> str | None:
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


def meta_line(line: str) -> tuple[str | None, str | None] | None:
    """A byline/dateline line near the top → (author, iso_date); None when the line is article text."""
    stripped = line.strip()
    if not stripped or len(stripped.split()) > 16:
        return None
    author = byline_author(stripped)
    if author:
        return author, None
    hit = find_date(stripped)
    if not hit:
        return None
    iso, m = hit
    rest = stripped[: m.start()] + " " + stripped[m.end() :]
    leftover = _META_PUNCT.sub(" ", _META_LABEL.sub(" ", rest)).strip()
    if not leftover:  # "Published: January 5, 2026", "Updated Mon 5 Jan 2026 10:30 GMT"
        return None, iso
    author = byline_author(leftover)  # "By Jane Doe | January 5, 2026"
    if author:
        return author, iso
    if leftover.isupper() and len(leftover.split()) <= 4:  # "WASHINGTON, January 5, 2026"
        return None, iso
    return None


INLINE_DATELINE = re.compile(r"^[A-Z][A-Z .,'\u2019()-]{1,40}?[,\s]\s*(?P<date>.{6,30}?)\s*[\u2014\u2013-]{1,2}\s")
# "MUSCAT, Oman (AP) — Jan. 5, 2026 — …": a capitalised place (and agency), a dash, the date, a dash.
INLINE_DATELINE_DASHED = re.compile(
    r"^[A-Z]{2,}[A-Za-z .,'\u2019()-]{0,50}?\s[\u2014\u2013-]{1,2}\s+(?P<date>[^\n\u2014\u2013]{6,30}?)\s+[\u2014\u2013-]{1,2}\s"
)


def closing_date(body: str) -> str | None:
    """The date of a closing dateline ("Published January 5, 2026" as the last line), which stays in the text
    (a reader may ask when it was published); None when the last line is prose or has no date."""
    lines = [line for line in body.split("\n") if line.strip()]
    if len(lines) < 2:
        return None
    hit = meta_line(lines[-1])
    return hit[1] if hit else None
