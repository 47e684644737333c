"""Quotes → HTML with <mark> around the answer, everything else escaped. A pure function of its inputs.

Article and user text is never trusted: besides the HTML specials (``& < > " '``) every character that
Markdown, GitHub-flavoured autolinks or a client-side template could give a meaning to is written as a
numeric character reference, so the output shows the same text whether it is rendered as HTML, as
Markdown-with-HTML, or substituted into a ``${value}``/``{{value}}`` template. ``html.unescape`` gives the
text back exactly.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

# HTML specials, then Markdown (emphasis, links, images, code, headings, lists, tables, strike-through,
# escapes), autolinks ("http:", "a@b") and template syntax ("${…}", "{{…}}"): one pass, so nothing is
# escaped twice.
_EXTRA = "\\`*_{}[]()#+-!|~$:@="
_TABLE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#39;"}
_TABLE.update({ord(ch): f"&#{ord(ch)};" for ch in _EXTRA})
_TAGS = {"mark", "strong", "em", "span"}


def escape(text: str) -> str:
    """``text`` as inert HTML: HTML specials and Markdown/template-significant characters as entities."""
    return text.translate(_TABLE)


def merge_spans(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Clip spans to [0, length], drop empty ones, merge overlapping or touching ones; sorted."""
    clean: list[tuple[int, int]] = []
    for start, end in sorted((max(0, int(s)), min(length, int(e))) for s, e in spans):
        if end <= start:
            continue
        if clean and start <= clean[-1][1]:
            clean[-1] = (clean[-1][0], max(clean[-1][1], end))
        else:
            clean.append((start, end))
    return clean


def highlight(text: str, spans: Sequence[tuple[int, int]], *, tag: str = "mark", css_class: str | None = None) -> str:
    """Escape ``text`` and wrap each (start, end) span (offsets into ``text``) in <tag>.

    Overlapping or out-of-range spans are merged or clipped; the only markup in the output is ours.
    """
    if tag not in _TAGS:
        raise ValueError(f"unsupported tag {tag!r}")
    attr = f' class="{html.escape(css_class, quote=True)}"' if css_class else ""
    out: list[str] = []
    pos = 0
    for start, end in merge_spans(spans, len(text)):
        out.append(escape(text[pos:start]))
        out.append(f"<{tag}{attr}>{escape(text[start:end])}</{tag}>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)
