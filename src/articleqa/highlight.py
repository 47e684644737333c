"""Quotes → HTML with <mark> around the answer, everything else escaped. A pure function of its inputs."""

from __future__ import annotations

import html
from collections.abc import Sequence


def highlight(text: str, spans: Sequence[tuple[int, int]], *, tag: str = "mark", css_class: str | None = None) -> str:
    """Escape ``text`` and wrap each (start, end) span (offsets into ``text``) in <tag>.

    Overlapping or out-of-range spans are merged or clipped; the only markup in the output is ours.
    """
    if tag not in {"mark", "strong", "em", "span"}:
        raise ValueError(f"unsupported tag {tag!r}")
    attr = f' class="{html.escape(css_class, quote=True)}"' if css_class else ""
    clean: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if end <= start:
            continue
        if clean and start <= clean[-1][1]:
            clean[-1] = (clean[-1][0], max(clean[-1][1], end))
        else:
            clean.append((start, end))
    out: list[str] = []
    pos = 0
    for start, end in clean:
        out.append(html.escape(text[pos:start], quote=True))
        out.append(f"<{tag}{attr}>{html.escape(text[start:end], quote=True)}</{tag}>")
        pos = end
    out.append(html.escape(text[pos:], quote=True))
    return "".join(out)
