"""Dates as people write them → ISO ``YYYY-MM-DD``.

Shared by the cleaning rules (datelines), the record readers and the PDF reader, so every format agrees on
what counts as a date.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    _MONTHS[calendar.month_name[_i].lower()] = _i
    _MONTHS[calendar.month_abbr[_i].lower()] = _i
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO_DATE = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_MDY_DATE = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_DMY_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)


def iso_date(year: int, month: int, day: int) -> str | None:
    """ISO text for a real calendar day; None for impossible ones ("2026-02-30"), which are not dates."""
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_date(text: str) -> tuple[str, re.Match[str]] | None:
    """The first valid date in ``text`` as ISO, with the match (so callers can see what surrounds it)."""
    found: list[tuple[int, str, re.Match[str]]] = []
    for m in _ISO_DATE.finditer(text):
        iso = iso_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append((m.start(), iso, m))
            break
    for m in _MDY_DATE.finditer(text):
        iso = iso_date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        if iso:
            found.append((m.start(), iso, m))
            break
    for m in _DMY_DATE.finditer(text):
        iso = iso_date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
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
    hit = find_date(str(value))
    return hit[0] if hit else None
