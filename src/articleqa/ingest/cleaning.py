"""Cleaning rules: how raw text becomes the article text that every offset refers to.

Kept apart from the readers so each rule (normalisation, page furniture, headline, byline, dateline) is
stated once and applies to every format alike. :func:`strip_article` runs them in order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .bylines import INLINE_DATELINE, INLINE_DATELINE_DASHED, byline_author, closing_date, meta_line
from .dates import parse_date

# Heuristic limits, named so the rules below read as sentences.
_HEADLINE_MAX_WORDS = 20
_FALLBACK_TITLE_CHARS = 60
_FURNITURE_MAX_WORDS = 8  # a widget/footer line ("0 Comments", "Newest Most Voted") is this short or less
_FURNITURE_MIN_LINES = 3  # ...and only a run of at least this many such lines is cut
_TOP_WIDGET_MAX_WORDS = 2  # "Share" / "Tweet" / "Email" lines above the headline
_META_SCAN_LINES = 6  # bylines and datelines are looked for in this many non-empty lines at the top

# --------------------------------------------------------------------------------------------------
# normalisation

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
# bylines, datelines, headlines, furniture

_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+\S")


def _is_sentence(line: str) -> bool:
    """Ends like prose and has more than one word: never page furniture."""
    return bool(_SENTENCE_END.search(line.strip())) and len(line.split()) >= 2


def is_furniture(line: str) -> bool:
    """A short non-sentence, non-list line: the shape of share/comment widgets, not of prose."""
    stripped = line.strip()
    if LIST_ITEM.match(stripped):
        return False
    return len(stripped.split()) <= _FURNITURE_MAX_WORDS and not _is_sentence(stripped)


def _strip_footer(lines: list[str]) -> tuple[list[str], str | None, int, str | None]:
    """Cut a trailing run of ≥3 furniture lines (after the last prose line); return a byline found in it.

    Returns (lines kept, author, lines cut, the byline line cut with the run — to keep it alone). A single
    short closing line, or two, is kept: that is how real articles end; a lone "By Jane Doe" among them is
    taken as the byline and stays where it is. The whole text is never cut: at least one non-furniture
    line must stay above the run.
    """
    run: list[int] = []
    i = len(lines) - 1
    while i >= 0:
        if lines[i].strip():
            if not is_furniture(lines[i]):
                break
            run.append(i)
        i -= 1
    if i < 0:
        return lines, None, 0, None
    if len(run) < _FURNITURE_MIN_LINES:
        return lines, next((a for a in (byline_author(lines[j]) for j in run) if a), None), 0, None
    byline = next((j for j in reversed(run) if byline_author(lines[j])), None)
    if byline is None:
        return lines[: i + 1], None, len(run), None
    return lines[: i + 1], byline_author(lines[byline]), len(run), lines[byline].strip()


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
                or LIST_ITEM.match(line)
                or meta_line(line)
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
    if not stripped or LIST_ITEM.match(stripped):
        return False
    words = stripped.split()
    return len(words) <= _HEADLINE_MAX_WORDS and not re.search(r"[.?!,;:][\"'\u201d\u2019)]*$", stripped)


def _title_case_ratio(line: str) -> float:
    """Share of longer words that start upper case: near 1 for Title Cased headlines, low for prose."""
    words = [w for w in re.findall(r"[^\W\d_][\w'\u2019-]*", line) if len(w) > 3]
    if not words:
        return 0.0
    return sum(w[0].isupper() for w in words) / len(words)


def fallback_title(text: str) -> str:
    """First ~60 characters, cut at a word boundary, for texts without a headline."""
    flat = " ".join(text.split())
    if len(flat) <= _FALLBACK_TITLE_CHARS:
        return flat
    cut = flat[:_FALLBACK_TITLE_CHARS]
    if " " in cut[20:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-—") + "…"


def _norm_key(s: str) -> str:
    """Case- and punctuation-blind form, so a given title matches its repetition in the text."""
    return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())


def _first_nonblank(lines: list[str]) -> int | None:
    """Index of the first line with text (where a headline would be); None for blank text."""
    return next((i for i, line in enumerate(lines) if line.strip()), None)


# --------------------------------------------------------------------------------------------------
# the rules in order


@dataclass
class Article:
    """What the cleaning rules made of a text: the article text and the fields found in what they cut.

    ``field_lines``: field ("title", "author", "published") → (start, end) in ``text`` of the line that states
    it. Those lines stay in the text so an answer about the article can quote them, and are no article prose:
    chunking leaves whole such lines out (:func:`articleqa.records.data_lines`)."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    lines_removed: int = 0
    field_lines: dict[str, tuple[int, int]] = field(default_factory=dict)


def strip_article(body: str, title: str | None) -> Article:
    """Cut page furniture, keep headline, byline and dateline lines apart from the prose, keeping what they said.

    ``body`` is already :func:`clean_text`-ed. A given ``title`` is looked for as the first line instead of
    guessing a headline. When every line looks like furniture, the text is kept whole: losing a document is
    worse than keeping a widget. A byline found inside a cut footer widget is kept as the last line.
    """
    lines = body.split("\n")
    lines, widget_lines = _strip_top_widget(lines)
    lines, footer_author, footer_lines, footer_byline = _strip_footer(lines)
    stated: dict[int, list[str]] = {}  # line index → the fields that line states
    found_title: str | None = None
    head = _headline_at(lines, title)
    if head is not None:
        found_title = lines[head].strip()
        stated[head] = ["title"]
    top_author, top_date, meta_fields = _top_meta(lines, head)
    stated.update(meta_fields)
    prose = clean_text("\n".join(line for i, line in enumerate(lines) if i not in stated))
    if not prose:  # everything looked like furniture: keep the text rather than lose the document
        return Article(body, None, top_author or footer_author, top_date, 0)
    top_date = top_date or _text_date(prose)
    kept = [*lines, "", footer_byline] if footer_byline else lines
    closing_byline = _closing_byline_index(kept) if footer_author else None
    if closing_byline is not None and not top_author:
        stated[closing_byline] = ["author"]
    text = clean_text("\n".join(kept))
    removed = widget_lines + footer_lines - (1 if footer_byline else 0)
    return Article(text, found_title, top_author or footer_author, top_date, removed,
                   _field_lines(text, kept, stated))


def _closing_byline_index(lines: list[str]) -> int | None:
    """The index of a byline among the last lines (after the last prose line), if there is one."""
    for j in range(len(lines) - 1, -1, -1):
        if not lines[j].strip():
            continue
        if byline_author(lines[j]):
            return j
        if not is_furniture(lines[j]):
            return None
    return None


def _field_lines(text: str, lines: list[str], stated: dict[int, list[str]]) -> dict[str, tuple[int, int]]:
    """Where each stated field's line now lies in ``text`` (found in order: the lines are kept in order)."""
    spans: dict[str, tuple[int, int]] = {}
    cursor = 0
    for i in sorted(stated):
        line = lines[i].strip()
        at = text.find(line, cursor)
        if not line or at < 0:
            continue
        cursor = at + len(line)
        for name in stated[i]:
            spans.setdefault(name, (at, cursor))
    closing = _closing_line(text)
    if closing is not None and "published" not in spans:
        spans["published"] = closing
    return spans


def _closing_line(text: str) -> tuple[int, int] | None:
    """The span of a closing dateline line ("Published January 5, 2026"), when the text ends with one."""
    if closing_date(text) is None:
        return None
    start = text.rstrip().rfind("\n") + 1
    return start, len(text.rstrip())


def _headline_at(lines: list[str], title: str | None) -> int | None:
    """Index of the headline line: the given title repeated on the first line, or a headline-shaped first
    paragraph (standing alone, or Title Cased so a hard-wrapped first prose line is not mistaken for one).

    None when there is no such line, or nothing would be left below it.
    """
    first = _first_nonblank(lines)
    if first is None or not any(line.strip() for line in lines[first + 1 :]):
        return None
    head = lines[first].strip()
    if title:
        return first if _norm_key(head) == _norm_key(title) else None
    nxt = first + 1
    stands_alone = nxt >= len(lines) or not lines[nxt].strip() or bool(meta_line(lines[nxt]))
    continues = nxt < len(lines) and lines[nxt].lstrip()[:1].islower()
    is_title_line = (
        _looks_like_headline(head)
        and not meta_line(head)
        and (stands_alone or (_title_case_ratio(head) >= 0.75 and not continues))
    )
    return first if is_title_line else None


def _top_meta(lines: list[str], head: int | None) -> tuple[str | None, str | None, dict[int, list[str]]]:
    """Byline and dateline lines near the top, before the prose gets going (the headline line aside).

    Returns (author, iso_date, {line index: fields it states}). A second byline or dateline ends the search: it
    belongs to something else (a quoted piece, an update note).
    """
    top_author: str | None = None
    top_date: str | None = None
    found: dict[int, list[str]] = {}
    seen = 0
    for i, line in enumerate(lines):
        if seen >= _META_SCAN_LINES:
            break
        if not line.strip() or i == head:
            continue
        seen += 1
        meta_hit = meta_line(line)
        if meta_hit and (meta_hit[0] or meta_hit[1]) and any(x.strip() for x in lines[i + 1 :]):
            a, d = meta_hit
            if (a and top_author) or (d and top_date):
                break
            top_author = top_author or a
            top_date = top_date or d
            found[i] = [name for name, value in (("author", a), ("published", d)) if value]
            continue
        if _is_sentence(line) and len(line.split()) > _HEADLINE_MAX_WORDS:
            break  # prose has started
    return top_author, top_date, found


def _text_date(body: str) -> str | None:
    """The date a dateline inside the text states: an opening "PLACE, date —" or a closing "Published …"
    line (both stay in the text)."""
    for dateline in (INLINE_DATELINE, INLINE_DATELINE_DASHED):
        m = dateline.match(body)
        if m:
            found = parse_date(m.group("date"))
            if found:
                return found
    return closing_date(body)
