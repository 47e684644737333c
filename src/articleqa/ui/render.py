"""Records (Answer, Citation, Document, …) → the HTML the web UI shows; plain functions, no Gradio.

Every piece of article or user text goes through ``highlight.escape``/``highlight.highlight``, so the only
markup in what these functions return is our own; that is what lets the chat keep Gradio's sanitizer on and
still show our marks and quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from ..answer.about import metadata_note
from ..answer.citations import quote_is_verbatim
from ..highlight import escape, highlight
from ..records import Answer, Citation, Document

# On a phone the Sources panel and the article viewer sit below the question box and the filters, out of
# sight: each reply points there (the CSS shows this link on narrow screens only).
JUMP_TO_SOURCES = '<a class="aqa-jump" href="#aqa-sources">Sources and the whole article are below ↓</a>'
PENDING_HTML = '<div class="aqa-pending">Searching the articles…</div>'
SOURCES_EMPTY = '<div class="aqa-empty">Sources for the latest answer appear here.</div>'
VIEWER_EMPTY = '<div class="aqa-empty">Click <b>Open article</b> on a source to read the whole article here.</div>'


def _answer_span(c: Citation) -> list[tuple[int, int]]:
    """The short answer inside the quote, as offsets into the quote (empty when it is not there)."""
    if c.answer_start is None or c.answer_end is None:
        return []
    return [(c.answer_start - c.start, c.answer_end - c.start)]


def _excerpt(text: str, limit: int = 320) -> str:
    """A stand-in passage shortened at a word, so a whole chunk does not swamp a not-found reply."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + " …"


def shown_citations(answer: Answer, limit: int = 2) -> list[Citation]:
    """The answer's citations; for an answer without any, its closest passages (at most ``limit``, none that
    overlaps one already listed) as numbered stand-ins."""
    if answer.citations:
        return list(answer.citations)
    out: list[Citation] = []
    for p in answer.passages:
        if len(out) >= limit:
            break
        ch = p.chunk
        if any(c.doc_id == ch.doc_id and c.start < ch.end and ch.start < c.end for c in out):
            continue
        out.append(Citation(len(out) + 1, ch.doc_id, p.title, p.source, ch.text, ch.start, ch.end, p.score))
    return out


def render_confidence(answer: Answer) -> str:
    """A high / medium / low badge; the calibrated number on hover."""
    label = answer.confidence_label
    return (f'<span class="aqa-conf aqa-conf-{label}" title="confidence {answer.confidence:.2f}: the chance '
            f'this short answer is right, as measured on held-out questions">{label} confidence</span>')


def _title_suffix(c: Citation, many_docs: bool) -> str:
    """The article's title after a quote, only when the quotes come from more than one article."""
    return f' <span class="aqa-src-title">— {escape(c.title)}</span>' if many_docs and c.title else ""


def _quote_block(c: Citation, many: bool) -> str:
    """A citation under the answer: the quote with the answer marked, or the metadata it came from."""
    if c.kind == "metadata":
        return (f'<blockquote class="aqa-metadata">{escape(metadata_note(c))}{_cite_marks([c])}'
                f"{_title_suffix(c, many)}</blockquote>")
    return f"<blockquote>{highlight(c.quote, _answer_span(c))}{_cite_marks([c])}{_title_suffix(c, many)}</blockquote>"


def _cite_marks(citations: Sequence[Citation]) -> str:
    return "".join(f'<sup class="aqa-cite">[{c.n}]</sup>' for c in citations)


def _meta_lines(answer: Answer, scope: str) -> str:
    """What was searched for (a follow-up is rewritten) and within which filters."""
    meta = ""
    if answer.rewritten_question:
        meta = f'<p class="aqa-meta-line">Searched for: {escape(answer.rewritten_question)}</p>'
    if scope:
        meta += f'<p class="aqa-meta-line">Only documents with {escape(scope)}</p>'
    if answer.generated_by:
        meta += (f'<p class="aqa-meta-line">Written by {escape(answer.generated_by)} from the quotes below; '
                 "each [n] is quote n</p>")
    if answer.notice:
        meta += f'<p class="aqa-notice">{escape(answer.notice)}</p>'
    return meta


_MARKER = re.compile(r"\[(\d+)\]")


def _written_text(answer: Answer) -> str:
    """A written answer's own [n] markers as the chat's citation marks (each n is a verified quote)."""
    known = {c.n for c in answer.citations}
    parts, last = [], 0
    for m in _MARKER.finditer(answer.text):  # markers first: escape() turns brackets into entities
        parts.append(escape(answer.text[last : m.start()]))
        if int(m.group(1)) in known:
            parts.append(f'<sup class="aqa-cite">[{m.group(1)}]</sup>')
        last = m.end()
    parts.append(escape(answer.text[last:]))
    return "".join(parts)


def _written_block(answer: Answer) -> str:
    """The written answer as it is shown: a short answer paragraph, or for a written list or summary its
    "- " lines as a list (anything before them as a lead line)."""
    html = _written_text(answer)
    lines = [ln.strip() for ln in html.split("\n") if ln.strip()]
    if answer.kind in {"list", "overview"} and sum(ln.startswith("- ") for ln in lines) >= 2:
        lead = " ".join(ln for ln in lines if not ln.startswith("- "))
        items = "".join(f"<li>{ln[2:]}</li>" for ln in lines if ln.startswith("- "))
        return (f'<p class="aqa-short">{lead}</p>' if lead else "") + f'<ul class="aqa-items">{items}</ul>'
    return f'<p class="aqa-short">{html}</p>'


def render_streaming(text: str) -> str:
    """The written answer while it arrives: plain text (its quotes are checked only when it is complete)."""
    return f'<div class="aqa-answer aqa-writing"><p class="aqa-short">{escape(text)}<span class="aqa-caret">▍</span></p></div>'


def _render_not_found(answer: Answer, meta: str) -> str:
    """A distinct box, so the closest passages it still shows are never read as an answer."""
    parts = [
        '<div class="aqa-notfound">',
        '<div class="aqa-nf-head">Not in the articles</div>',
        f"<p>{escape(answer.text)}</p>",
        meta,
    ]
    closest = shown_citations(answer)
    many = len({c.doc_id for c in closest}) > 1
    if closest:
        parts.append('<p class="aqa-meta-line">Closest passages (not an answer):</p>')
    for c in closest:
        parts.append(f"<blockquote>{escape(_excerpt(c.quote))}{_cite_marks([c])}{_title_suffix(c, many)}</blockquote>")
    if closest:
        parts.append(JUMP_TO_SOURCES)
    parts.append("</div>")
    return "".join(parts)


def _render_shaped(answer: Answer, meta: str) -> str:
    """A list as a list, an overview as headline + quoted sentences (one block per article), an explanation as its
    clause; each piece with its citation mark, the quotes below."""
    parts = ['<div class="aqa-answer aqa-shape-' + escape(answer.kind) + '">']
    if answer.kind == "explanation":
        first = answer.parts[0]
        parts.append(f'<p class="aqa-short">{escape(first.text)}{_cite_marks([c for c in answer.citations if c.n in first.cites])} '
                     f"{render_confidence(answer)}</p>")
    else:
        items: list[str] = []
        for p in answer.parts:
            marks = _cite_marks([c for c in answer.citations if c.n in p.cites])
            if p.heading:
                if items:
                    parts.append("<ul class=\"aqa-items\">" + "".join(items) + "</ul>")
                    items = []
                parts.append(f'<p class="aqa-headline"><b>{escape(p.text)}</b>{marks}</p>')
            else:
                items.append(f"<li>{escape(p.text)}{marks}</li>")
        if items:
            parts.append("<ul class=\"aqa-items\">" + "".join(items) + "</ul>")
        if answer.kind == "list":
            parts.append(f"<p>{render_confidence(answer)}</p>")
    parts.append(meta)
    if answer.kind != "overview":  # an overview's sentences are its quotes; the Sources panel shows them in context
        many = len({c.doc_id for c in answer.citations}) > 1
        for c in answer.citations:
            parts.append(_quote_block(c, many))
    parts.append("</div>")
    return "".join(parts)


def render_answer(answer: Answer, scope: str = "") -> str:
    """One chat reply: short answer first, then each quote as a block quote with the answer phrase marked.

    Unanswerable questions get a distinct box that still shows the closest passages. ``scope`` describes the
    filters the search was restricted to, so a narrow answer is never mistaken for the whole library's.
    """
    meta = _meta_lines(answer, scope)
    if not answer.answerable:
        return _render_not_found(answer, meta)
    if answer.kind in {"list", "explanation", "overview"} and answer.parts and not answer.generated_by:
        return _render_shaped(answer, meta)
    short = (_written_block(answer) if answer.generated_by
             else f'<p class="aqa-short">{escape(answer.text)}{_cite_marks(answer.citations[:1])} '
                  f"{render_confidence(answer)}</p>")
    parts = ['<div class="aqa-answer">', short, meta]
    many = len({c.doc_id for c in answer.citations}) > 1
    for c in answer.citations:
        parts.append(_quote_block(c, many))
    parts.append(JUMP_TO_SOURCES)
    parts.append("</div>")
    return "".join(parts)


def render_error(message: str) -> str:
    """An error in the chat, as a sentence: messages shared with the CLI ("articleqa: error: the question is
    empty; …") start in lower case there, and read as a sentence here."""
    message = message.strip()
    return f'<div class="aqa-error">{escape(message[:1].upper() + message[1:])}</div>'


# Deliberately not chunking.split_sentences (spaCy): that splitter keeps "U.S." and a closing ” inside their
# sentence and never lets a sentence run past a line end, so the context shown around a quote would change
# (more text at paragraph ends, fewer cuts at abbreviations). This rule is what the panel has always shown.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*")


def context_window(text: str, start: int, end: int, sentences: int = 1, max_chars: int = 400) -> tuple[int, int]:
    """Offsets of [start, end) widened by up to ``sentences`` whole sentences each side (at most ``max_chars``)."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    lo = max(0, start - max_chars)
    before = [m.end() for m in _SENTENCE_END.finditer(text, lo, start) if m.end() <= start]
    if len(before) > sentences:
        left = before[-sentences - 1]
    elif lo == 0:
        left = 0
    else:
        left = before[0] if before else start
    hi = min(len(text), end + max_chars)
    after = [m.start() + 1 for m in _SENTENCE_END.finditer(text, end, hi)]
    if len(after) >= sentences:
        right = after[sentences - 1]
    elif hi == len(text):
        right = len(text)
    else:
        right = after[-1] if after else end
    return min(left, start), max(right, end)


def short_source(source: str) -> str:
    """A file's name (a URL whole): the full path is long and says little; it stays in the hover title."""
    if "://" in source:
        return source
    return PurePosixPath(source.replace("\\", "/")).name or source


def _byline(author: str | None, published: str | None, source: str) -> str:
    bits = []
    if author:
        bits.append(f"By {escape(author)}")
    bits.append(escape(published) if published else "date unknown")
    if source:
        bits.append(f'<span title="{escape(source)}">{escape(short_source(source))}</span>')
    return " · ".join(bits)


def _source_body(answer: Answer, c: Citation, text: str | None) -> str:
    """A card's quote: inside its surrounding sentences when the stored text still holds it at its offsets."""
    if not answer.citations:
        return escape(_excerpt(c.quote, 360))
    if c.kind == "metadata":
        return f'<span class="aqa-metadata">{escape(metadata_note(c))}</span>'
    if text is not None and quote_is_verbatim(text, c.start, c.end, c.quote):
        left, right = context_window(text, c.start, c.end)
        inner = highlight(c.quote, _answer_span(c))
        body = f'{escape(text[left:c.start])}<span class="aqa-q">{inner}</span>{escape(text[c.end:right])}'
        return ("… " if left > 0 else "") + body + (" …" if right < len(text) else "")
    return highlight(c.quote, _answer_span(c))


def _source_head(c: Citation, repeat: bool, author: str | None, published: str | None) -> str:
    """Number and headline; a second card from the same article does not repeat its headline and byline."""
    if repeat:
        return (f'<div class="aqa-source-head"><span class="aqa-n">{c.n}</span>'
                f'<span class="aqa-same">same article: {escape(c.title or "Untitled")}</span></div>')
    return (f'<div class="aqa-source-head"><span class="aqa-n">{c.n}</span>'
            f'<span class="aqa-title">{escape(c.title or "Untitled")}</span></div>'
            f'<div class="aqa-byline">{_byline(author, published, c.source)}</div>')


def render_sources(answer: Answer | None, docs: dict[str, Document] | None = None) -> str:
    """The sources panel: each citation with title, byline, and its quote inside the surrounding sentences.

    ``docs`` (by doc_id) supplies the surrounding text and any byline a stand-in citation lacks.
    """
    if answer is None:
        return SOURCES_EMPTY
    docs = docs or {}
    cites = shown_citations(answer)
    if not cites:
        return '<div class="aqa-empty">Nothing in the library is close to this question.</div>'
    label = "Sources" if answer.answerable and answer.citations else "Closest passages"
    parts = [f'<div class="aqa-panel-title">{label} for “{escape(answer.question)}”</div>']
    seen: set[str] = set()
    for c in cites:
        repeat = c.doc_id in seen
        seen.add(c.doc_id)
        doc = docs.get(c.doc_id)
        author = c.author or (doc.author if doc else None)
        published = c.published or (doc.published if doc else None)
        parts.append(
            '<div class="aqa-source">'
            f"{_source_head(c, repeat, author, published)}"
            f'<div class="aqa-context">{_source_body(answer, c, doc.text if doc is not None else None)}</div>'
            f'<button type="button" class="aqa-open" data-cite="{c.n}">Open article [{c.n}]</button>'
            "</div>"
        )
    return "".join(parts)


def render_article(doc: Document, citation: Citation | None = None) -> str:
    """The whole article, escaped, with the cited quote marked (id ``aqa-target``) and its answer phrase inside."""
    text = doc.text
    head = (
        '<div class="aqa-article-head">'
        f"<h3>{escape(doc.title or 'Untitled')}</h3>"
        f'<div class="aqa-byline">{_byline(doc.author, doc.published, doc.source)}</div>'
        "</div>"
    )
    if citation is None or not (0 <= citation.start < citation.end <= len(text)):
        return f'{head}<div class="aqa-article">{escape(text)}</div>'
    s, e = citation.start, citation.end
    spans = _answer_span(citation)
    inner = highlight(text[s:e], spans, css_class="aqa-answer")
    body = f'{escape(text[:s])}<mark class="aqa-target" id="aqa-target">{inner}</mark>{escape(text[e:])}'
    return f'{head}<div class="aqa-article">{body}</div>'


def render_info(info: dict[str, Any]) -> str:
    return (
        '<div class="aqa-info">'
        f"<span>Model<br><b>{escape(str(info.get('model', '?')))}</b></span>"
        f"<span>Documents<br><b>{escape(str(info.get('n_documents', 0)))}</b></span>"
        f"<span>Chunks<br><b>{escape(str(info.get('n_chunks', 0)))}</b></span>"
        + (f"<span>Updated<br><b>{escape(str(info['updated']))}</b></span>" if info.get("updated") else "")
        + "</div>"
    )


def render_status(
    lines_ok: list[str], lines_bad: list[str], head: str, progress: tuple[int, int] | None = None
) -> str:
    """The library's status box; ``progress`` = (files done, files in all) draws a moving progress bar.

    The lines are HTML already (callers escape the file names and reasons in them); ``head`` is plain text.
    """
    parts = [f'<div class="aqa-status"><b>{escape(head)}</b>']
    if progress is not None:
        done, total = progress
        pct = 100.0 * done / max(total, 1)
        parts.append(
            f'<div class="aqa-progress" role="progressbar" aria-valuenow="{done}" aria-valuemax="{total}">'
            f'<div class="aqa-bar" style="width:{pct:.0f}%"></div><div class="aqa-busy"></div></div>'
        )
    if lines_ok:
        parts.append('<ul class="aqa-status-ok">' + "".join(f"<li>{x}</li>" for x in lines_ok) + "</ul>")
    if lines_bad:
        parts.append('<ul class="aqa-status-bad">' + "".join(f"<li>{x}</li>" for x in lines_bad) + "</ul>")
    parts.append("</div>")
    return "".join(parts)
