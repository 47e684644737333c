"""Filters on document records (source, author, publication date) resolved to doc ids *before* ranking.

Retrieval already restricts dense and BM25 search to a set of documents (``doc_ids``); a filter is turned
into that set here, from the stored records, so a filtered question ranks only the matching documents'
passages instead of dropping results after top-k (which could leave nothing to answer from).

Matching rules (what a user typing a filter expects):

* source: the document's stored source (file path or URL), or its page URL / host / site name from the
  metadata, contains the value, ignoring case and accents; a value that is a path also matches by file name
  (``/tmp/a/story.txt`` finds a document indexed from ``articles/story.txt``).
* author: case- and accent-insensitive substring of the stored author.
* dates: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; both bounds inclusive, a partial date meaning its whole
  period (``before="2026-03"`` = on or before 2026-03-31). A document whose date is unknown is left out.

Several values of one filter are alternatives (any source given); different filters must all hold. Every
value must match some document: a value that matches nothing is almost always a typo, and answering
"the articles don't say" would hide it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from .errors import InputError
from .records import DocumentMeta
from .text import fold_accents

LIST_HINT = "`articleqa docs --json` lists each document's source, author and date"
DATE_FORMATS = "YYYY-MM-DD, YYYY-MM or YYYY"
# What a date filter says when no indexed document has a date at all (the bundled articles give none: their
# text names weekdays and months, never a year): the filter is not wrong, the library has nothing to match.
NO_DATES = ("none of the indexed articles has a publication date, so a date filter leaves nothing to search; "
            "search without one (dates come from a dateline, a page's date, or a JSON \"published\" field)")

_FULL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")

DateLike = str | date | None


def _period(value: str) -> tuple[date, date] | None:
    """The inclusive day range an ISO date, month or year names; None when ``value`` is none of them."""
    value = value.strip()
    try:
        if m := _FULL.match(value):
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return day, day
        if m := _MONTH.match(value):
            year, month = int(m.group(1)), int(m.group(2))
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if m := _YEAR.match(value):
            year = int(m.group(1))
            return date(year, 1, 1), date(year, 12, 31)
    except ValueError:  # month 13, February 30, year 0
        return None
    return None


def date_bound(value: DateLike, *, upper: bool, name: str) -> str | None:
    """An inclusive bound (ISO day) from a user's date; ``upper`` takes the end of a partial date's period.

    ``name`` is how the caller calls the option (``--after``, ``published_after``), so the error names it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    period = _period(text)
    if period is None:
        raise InputError(f"{name} {text!r} is not a date; use {DATE_FORMATS} (e.g. 2026-01-31)")
    return (period[1] if upper else period[0]).isoformat()


def stored_period(published: str | None) -> tuple[str, str] | None:
    """A stored ``published`` value as an inclusive ISO range; None when the date is unknown or unreadable."""
    if not published:
        return None
    period = _period(published)
    if period is None:
        from .ingest import parse_date  # records written by hand may hold "January 5, 2026"

        iso = parse_date(published)
        period = _period(iso) if iso else None
    return (period[0].isoformat(), period[1].isoformat()) if period else None


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form for matching ("Núñez" finds "nunez")."""
    return " ".join(fold_accents(text).casefold().split())


def _path_form(text: str) -> str:
    return fold(text).replace("\\", "/").removeprefix("file://").rstrip("/")


@dataclass(frozen=True)
class DocFields:
    """What filters read of one document (no text), with its names already folded for matching."""

    doc_id: str
    source: str
    author: str | None
    published: str | None
    aliases: tuple[str, ...] = ()  # page URL, host and site name from the metadata

    @classmethod
    def from_record(
        cls, doc_id: str, source: str, author: str | None, published: str | None, metadata: dict[str, Any]
    ) -> DocFields:
        aliases = tuple(str(metadata[k]) for k in ("url", "hostname", "sitename") if metadata.get(k))
        return cls(doc_id, source or "", author, published, aliases)

    @classmethod
    def from_meta(cls, meta: DocumentMeta) -> DocFields:
        return cls.from_record(meta.doc_id, meta.source, meta.author, meta.published, meta.metadata)

    @cached_property
    def source_forms(self) -> tuple[str, ...]:
        return tuple(_path_form(s) for s in (self.source, *self.aliases) if s)

    @cached_property
    def file_names(self) -> frozenset[str]:
        return frozenset(PurePosixPath(n).name for n in self.source_forms if "://" not in n)

    @cached_property
    def author_form(self) -> str:
        return fold(self.author) if self.author else ""

    @cached_property
    def period(self) -> tuple[str, str] | None:
        return stored_period(self.published)


def source_matches(wanted: str, doc: DocFields) -> bool:
    """The source rule (module docstring): substring of any source name, or the same file name."""
    w = _path_form(wanted)
    if not w:
        return False
    if any(w in n for n in doc.source_forms):
        return True
    # A path given another way (absolute, ./relative, another folder): compare file names.
    return "/" in w and "://" not in w and PurePosixPath(w).name in doc.file_names


def author_matches(wanted: str, doc: DocFields) -> bool:
    w = fold(wanted)
    return bool(w) and w in doc.author_form


def _values(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """One string or several, blanks dropped: ``sources="reuters"`` means one source, not its letters."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(" ".join(str(v).split()) for v in items if v is not None and str(v).strip()))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Filters:
    """Source/author/date filters of one question; ``after``/``before`` are inclusive ISO days."""

    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    after: str | None = None
    before: str | None = None

    @classmethod
    def of(
        cls,
        sources: str | Iterable[str] | None = None,
        authors: str | Iterable[str] | None = None,
        published_after: DateLike = None,
        published_before: DateLike = None,
        *,
        after_name: str = "published_after",
        before_name: str = "published_before",
    ) -> Filters:
        """Normalise what a caller gave; InputError for a bad date or an empty range."""
        after = date_bound(published_after, upper=False, name=after_name)
        before = date_bound(published_before, upper=True, name=before_name)
        if after and before and after > before:
            raise InputError(
                f"{after_name} ({after}) is later than {before_name} ({before}), so no date fits; swap them"
            )
        return cls(_values(sources), _values(authors), after, before)

    @property
    def active(self) -> bool:
        return bool(self.sources or self.authors or self.after or self.before)

    def key(self) -> tuple[Any, ...]:
        """Hashable and order-insensitive within one filter: part of the answer cache key."""
        return (tuple(sorted(map(fold, self.sources))), tuple(sorted(map(fold, self.authors))), self.after, self.before)

    def _date_text(self) -> str:
        if self.after and self.before:
            return f"published {self.after} to {self.before}"
        return f"published on or after {self.after}" if self.after else f"published on or before {self.before}"

    def describe(self) -> str:
        """For people: 'source “reuters”; author “Jane Doe”; published 2026-01-01 to 2026-03-31'."""
        parts = []
        if self.sources:
            parts.append("source " + " or ".join(f"“{s}”" for s in self.sources))
        if self.authors:
            parts.append("author " + " or ".join(f"“{a}”" for a in self.authors))
        if self.after or self.before:
            parts.append(self._date_text())
        return "; ".join(parts)

    def _in_range(self, doc: DocFields) -> bool:
        if not (self.after or self.before):
            return True
        period = doc.period
        if period is None:  # unknown date: a date filter cannot vouch for it
            return False
        return (self.after is None or period[0] >= self.after) and (self.before is None or period[1] <= self.before)

    def select(self, docs: Sequence[DocFields]) -> list[str]:
        """Ids of the documents that pass every filter, in ``docs`` order.

        InputError when a value, or the filters together, match no document, naming which."""
        groups: list[tuple[str, set[str]]] = []  # one per filter; its values are alternatives
        if self.sources:
            groups.append(_group(
                "source", self.sources, docs, source_matches,
                "compared with each document's file path, file name or URL, ignoring case",
            ))
        if self.authors:
            groups.append(_group("author", self.authors, docs, author_matches, "any part of the name, any case"))
        if self.after or self.before:
            in_range = {d.doc_id for d in docs if self._in_range(d)}
            if not in_range and not any(d.period for d in docs):
                raise InputError(NO_DATES)
            if not in_range:
                raise InputError(
                    f"no document was {self._date_text()} (documents whose date is unknown are left out by a date "
                    f"filter); {LIST_HINT}"
                )
            groups.append((self._date_text(), in_range))
        if not groups:
            return [d.doc_id for d in docs]
        allowed = set.intersection(*(ids for _label, ids in groups))
        if not allowed:
            each = ", ".join(f"{label} ({_plural(len(ids), 'document')})" for label, ids in groups)
            raise InputError(f"no document matches all the filters together: {each}; loosen one of them; {LIST_HINT}")
        return [d.doc_id for d in docs if d.doc_id in allowed]


def _group(
    what: str, values: Sequence[str], docs: Sequence[DocFields], match: Callable[[str, DocFields], bool], rule: str
) -> tuple[str, set[str]]:
    """(label, ids matching any value); InputError naming the first value that matches no document."""
    ids: set[str] = set()
    for value in values:
        found = {d.doc_id for d in docs if match(value, d)}
        if not found:
            raise InputError(f"no document matches {what} {value!r} ({rule}); {LIST_HINT}")
        ids |= found
    return f"{what} " + " or ".join(map(repr, values)), ids
