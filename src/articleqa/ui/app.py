"""The Gradio app: chat with highlighted, cited quotes, a sources panel, an article viewer and a library.

Talks only to the Assistant. Every piece of article or user text reaches the browser through
``highlight.escape``/``highlight.highlight``; the only markup in what we render is our own. The chat
is rendered with ``render_markdown=False`` (our HTML, not Markdown) and Gradio's sanitizer left on.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

import gradio as gr

from .assistant import Assistant
from .errors import ArticleQAError
from .filters import LIST_HINT, Filters
from .highlight import escape, highlight
from .ingest import size_against_limit
from .question import clean_question
from .records import Answer, Citation, Document, DocumentInfo

log = logging.getLogger(__name__)
# Indexing runs here, off the event loop and off the chat's threads; one writer at a time anyway (index lock).
_WORKER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="articleqa-index")

EXAMPLES = ["Where are the talks held?", "Who urged them?"]
ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".pdf")
HISTORY_TURNS = 3  # earlier questions passed to assistant.ask for follow-ups
MAX_QUESTION_CHARS = 2000  # a question is a sentence or two; longer text is refused with a message, never cut
PENDING_HTML = '<div class="aqa-pending">Searching the articles…</div>'
SOURCES_EMPTY = '<div class="aqa-empty">Sources for the latest answer appear here.</div>'
VIEWER_EMPTY = '<div class="aqa-empty">Click <b>Open article</b> on a source to read the whole article here.</div>'
LIBRARY_HINT = "the Library tab lists each document's source, author and date"  # instead of the CLI hint

# ---------------------------------------------------------------------------------------------- CSS / JS
CSS = """
.aqa-answer, .aqa-notfound, .aqa-error { font-size: 15px; line-height: 1.5; }
.aqa-short { font-size: 1.15em; font-weight: 650; margin: 0 0 .4em 0; }
.aqa-meta-line { color: var(--body-text-color-subdued); font-size: .82em; margin: 0 0 .5em 0; }
.aqa-answer blockquote, .aqa-notfound blockquote, .aqa-context {
  margin: .45em 0; padding: .35em .8em; border-left: 3px solid #c9a227; background: rgba(201,162,39,.07);
  font-family: Georgia, 'Times New Roman', serif; border-radius: 0 6px 6px 0;
}
.aqa-answer mark, .aqa-notfound mark, .aqa-source mark, .aqa-article mark {
  background: #ffe066; color: #1a1a1a; padding: 0 .12em; border-radius: 3px;
}
.aqa-cite { font-size: .75em; font-weight: 700; color: #8a6d00; vertical-align: super; margin-left: .15em; }
.aqa-src-title { font-size: .8em; color: var(--body-text-color-subdued); font-family: var(--font); }
.aqa-notfound { border: 1px dashed #b4b4b4; background: rgba(128,128,128,.08); border-radius: 8px; padding: .6em .8em; }
.aqa-notfound .aqa-nf-head { font-weight: 700; color: #9a3412; margin-bottom: .2em; }
.aqa-notfound blockquote { border-left-color: #b4b4b4; background: transparent; color: var(--body-text-color); opacity: .85; }
.aqa-error { border: 1px solid #dc2626; border-radius: 8px; padding: .5em .8em; color: #b91c1c; }
.aqa-pending { color: var(--body-text-color-subdued); font-style: italic; }
.aqa-empty { color: var(--body-text-color-subdued); font-style: italic; padding: .6em 0; }
.aqa-panel-title { font-weight: 700; font-size: .95em; margin: .2em 0 .4em 0; }
.aqa-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .55em .75em; margin-bottom: .6em; }
.aqa-source-head { display: flex; gap: .5em; align-items: baseline; }
.aqa-n { background: #c9a227; color: #fff; border-radius: 999px; padding: 0 .5em; font-size: .8em; font-weight: 700; }
.aqa-title { font-weight: 700; font-family: Georgia, 'Times New Roman', serif; font-size: 1.05em; }
.aqa-same { color: var(--body-text-color-subdued); font-size: .85em; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.aqa-source-head { min-width: 0; }
.aqa-source .aqa-context { margin-top: .35em; }
.aqa-byline { color: var(--body-text-color-subdued); font-size: .82em; margin: .15em 0 .3em 0; word-break: break-all; }
.aqa-context { font-size: .93em; }
.aqa-context .aqa-q { background: rgba(255,224,102,.35); }
.aqa-open { margin-top: .35em; border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .15em .6em;
  background: var(--button-secondary-background-fill); cursor: pointer; font-size: .85em; }
.aqa-open:hover { border-color: #c9a227; }
.aqa-article-head { margin: .8em 0 .5em 0; }
.aqa-article-head h3 { margin: 0 0 .15em 0; font-family: Georgia, 'Times New Roman', serif; font-weight: 700; }
.aqa-article { white-space: pre-wrap; font-family: Georgia, 'Times New Roman', serif; font-size: 15px; line-height: 1.6;
  max-height: 60vh; overflow-y: auto; padding: .5em .8em; border: 1px solid var(--border-color-primary); border-radius: 8px; }
.aqa-article mark.aqa-target { background: rgba(255,224,102,.55); }
.aqa-article mark.aqa-answer { background: #ffc400; font-weight: 600; }
.aqa-examples button { flex: 0 0 auto !important; }
#aqa-filters { gap: .5em; }
.aqa-status-ok { color: #15803d; } .aqa-status-bad { color: #b91c1c; }
.aqa-status ul { margin: .2em 0 .2em 1.2em; max-height: 18em; overflow-y: auto; }  /* head stays in view */
.aqa-progress { position: relative; height: 8px; margin: .5em 0; border-radius: 4px; overflow: hidden;
  background: var(--border-color-primary); }
.aqa-bar { position: absolute; left: 0; top: 0; bottom: 0; background: #c9a227; }
.aqa-busy { position: absolute; top: 0; bottom: 0; width: 30%; left: -30%; background: rgba(201,162,39,.55);
  animation: aqa-slide 1s linear infinite; }
@keyframes aqa-slide { from { left: -30%; } to { left: 100%; } }
.aqa-info { display: flex; gap: 1.5em; flex-wrap: wrap; font-size: .95em; }
.aqa-info b { font-size: 1.2em; }
.aqa-conf { font-size: .72em; font-weight: 600; border-radius: 999px; padding: .05em .55em; margin-left: .4em;
  vertical-align: middle; cursor: help; border: 1px solid currentColor; }
/* Narrow screens: the chat is as tall as what it holds (up to most of the screen), so the sources follow it. */
@media (max-width: 640px) {
  #aqa-chat { height: auto !important; min-height: 8em; max-height: 75vh; }
  #aqa-chat .placeholder { padding-top: 1.8em; }  /* clear of the "Conversation" label */
}
.aqa-conf-high { color: #15803d; } .aqa-conf-medium { color: #a16207; } .aqa-conf-low { color: #b91c1c; }
"""

SOURCES_JS = """
element.addEventListener('click', function (event) {
  const button = event.target.closest('[data-cite]');
  if (button) { trigger('click', {cite: button.getAttribute('data-cite')}); }
});
"""

VIEWER_JS = """
function aqaScroll() {
  const target = element.querySelector('#aqa-target');
  if (target) { target.scrollIntoView({block: 'center', behavior: 'smooth'}); }
}
watch('value', function () { requestAnimationFrame(aqaScroll); setTimeout(aqaScroll, 250); });
"""


# ---------------------------------------------------------------------------------------------- rendering
def _answer_span(c: Citation) -> list[tuple[int, int]]:
    """The short answer inside the quote, as offsets into the quote (empty when it is not there)."""
    if c.answer_start is None or c.answer_end is None:
        return []
    return [(c.answer_start - c.start, c.answer_end - c.start)]


def _excerpt(text: str, limit: int = 320) -> str:
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
    return f' <span class="aqa-src-title">— {escape(c.title)}</span>' if many_docs and c.title else ""


def _cite_marks(citations: Sequence[Citation]) -> str:
    return "".join(f'<sup class="aqa-cite">[{c.n}]</sup>' for c in citations)


def render_answer(answer: Answer, scope: str = "") -> str:
    """One chat reply: short answer first, then each quote as a block quote with the answer phrase marked.

    Unanswerable questions get a distinct box that still shows the closest passages. ``scope`` describes the
    filters the search was restricted to, so a narrow answer is never mistaken for the whole library's.
    """
    meta = ""
    if answer.rewritten_question:
        meta = f'<p class="aqa-meta-line">Searched for: {escape(answer.rewritten_question)}</p>'
    if scope:
        meta += f'<p class="aqa-meta-line">Only documents with {escape(scope)}</p>'
    if not answer.answerable:
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
        parts.append("</div>")
        return "".join(parts)
    parts = [
        '<div class="aqa-answer">',
        f'<p class="aqa-short">{escape(answer.text)}{_cite_marks(answer.citations[:1])} {render_confidence(answer)}</p>',
        meta,
    ]
    many = len({c.doc_id for c in answer.citations}) > 1
    for c in answer.citations:
        parts.append(
            f"<blockquote>{highlight(c.quote, _answer_span(c))}{_cite_marks([c])}{_title_suffix(c, many)}</blockquote>"
        )
    parts.append("</div>")
    return "".join(parts)


def render_error(message: str) -> str:
    return f'<div class="aqa-error">{escape(message)}</div>'


def question_too_long(question: str) -> str | None:
    """What to tell the user about an over-long question (None when it is fine): the browser used to cut it
    at the limit without a word, and the answer was then to a question nobody asked."""
    if len(question) <= MAX_QUESTION_CHARS:
        return None
    return (f"Your question is {len(question):,} characters long; a question can have at most "
            f"{MAX_QUESTION_CHARS:,}. Shorten it (it is still in the box) and ask again.")


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


def _byline(author: str | None, published: str | None, source: str) -> str:
    bits = []
    if author:
        bits.append(f"By {escape(author)}")
    bits.append(escape(published) if published else "date unknown")
    if source:
        bits.append(f'<span title="{escape(source)}">{escape(_short_source(source))}</span>')
    return " · ".join(bits)


def _short_source(source: str) -> str:
    if "://" in source:
        return source
    return PurePosixPath(source.replace("\\", "/")).name or source


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
        text = doc.text if doc is not None else None
        author = c.author or (doc.author if doc else None)
        published = c.published or (doc.published if doc else None)
        if not answer.citations:
            body = escape(_excerpt(c.quote, 360))
        elif text is not None and text[c.start : c.end] == c.quote:
            left, right = context_window(text, c.start, c.end)
            inner = highlight(c.quote, _answer_span(c))
            body = f'{escape(text[left:c.start])}<span class="aqa-q">{inner}</span>{escape(text[c.end:right])}'
            body = ("… " if left > 0 else "") + body + (" …" if right < len(text) else "")
        else:
            body = highlight(c.quote, _answer_span(c))
        if repeat:  # same article as a card above: no need to repeat its headline and byline
            head = (f'<div class="aqa-source-head"><span class="aqa-n">{c.n}</span>'
                    f'<span class="aqa-same">same article: {escape(c.title or "Untitled")}</span></div>')
        else:
            head = (f'<div class="aqa-source-head"><span class="aqa-n">{c.n}</span>'
                    f'<span class="aqa-title">{escape(c.title or "Untitled")}</span></div>'
                    f'<div class="aqa-byline">{_byline(author, published, c.source)}</div>')
        parts.append(
            '<div class="aqa-source">'
            f"{head}"
            f'<div class="aqa-context">{body}</div>'
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


def document_rows(docs: Sequence[DocumentInfo]) -> list[list[Any]]:
    return [
        [d.title, d.author or "", d.published or "", d.n_chunks, _short_source(d.source), d.doc_id] for d in docs
    ]


def document_choices(docs: Sequence[DocumentInfo]) -> list[tuple[str, str]]:
    return [(f"{d.title} ({d.doc_id[:8]})", d.doc_id) for d in docs]


def filter_choices(docs: Sequence[DocumentInfo]) -> tuple[list[str], list[str]]:
    """(sources, authors) offered by the filter row: file names (or URLs) and authors of the library, each
    once; any other text can be typed, and matches as the filters' rules say (part of a path, any case)."""
    sources = sorted({_short_source(d.source) for d in docs if d.source}, key=str.casefold)
    authors = sorted({d.author for d in docs if d.author}, key=str.casefold)
    return sources, authors


def _filter_values(value: str | Sequence[str] | None) -> list[str]:
    """A dropdown's chips as they are (an author may be "Doe, Jane"), or typed text where commas separate
    several values."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item).strip() for item in value or [] if str(item).strip()]


def ui_filters(
    sources: str | Sequence[str] | None, authors: str | Sequence[str] | None, after: str | None, before: str | None
) -> tuple[dict[str, Any], str]:
    """The filter row's values as ``Assistant.ask`` keyword arguments, and their description for the reply.

    A bad date is an InputError naming the box it was typed in."""
    filters = Filters.of(_filter_values(sources), _filter_values(authors), after or None, before or None,
                         after_name="Published after", before_name="Published before")
    kwargs = {"sources": list(filters.sources) or None, "authors": list(filters.authors) or None,
              "published_after": filters.after, "published_before": filters.before}
    return kwargs, filters.describe()


# ---------------------------------------------------------------------------------------------- uploads
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str) -> str:
    """A plain file name from whatever the browser sent: no directories, no '..', no control characters."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" .")[:100] or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def stage_upload(src: str | Path, upload_dir: Path, original_name: str | None = None) -> Path:
    """Copy an uploaded file into its own fresh folder under ``upload_dir``; never a path outside it."""
    root = upload_dir.resolve()
    folder = root / secrets.token_hex(6)
    folder.mkdir(parents=True, exist_ok=False)
    dest = (folder / safe_filename(original_name or Path(src).name)).resolve()
    if dest.parent != folder.resolve() or root not in dest.parents:
        raise ValueError(f"refusing upload name {original_name!r}")
    shutil.copyfile(src, dest)
    return dest


def upload_problem(path: Path, max_mb: float) -> str | None:
    """Why an uploaded file cannot be indexed (wrong type, too large, unreadable), or None."""
    if path.suffix.lower() not in ALLOWED_SUFFIXES:
        return f"not a supported file type (use {' '.join(ALLOWED_SUFFIXES)})"
    try:
        n_bytes = path.stat().st_size
    except OSError:
        return "the upload could not be read; try again"
    if n_bytes > max_mb * 1024 * 1024:
        size, limit = size_against_limit(n_bytes, max_mb)
        return f"{size} is larger than the {limit} limit (ARTICLEQA_MAX_FILE_MB)"
    return None


def _file_path(item: Any) -> str:
    if isinstance(item, str | Path):
        return str(item)
    if isinstance(item, dict):
        return str(item.get("path") or item.get("name"))
    return str(getattr(item, "path", None) or getattr(item, "name", item))


def _status(
    lines_ok: list[str], lines_bad: list[str], head: str, progress: tuple[int, int] | None = None
) -> str:
    """The library's status box; ``progress`` = (files done, files in all) draws a moving progress bar."""
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


def _confirm_buttons(shown: bool) -> tuple[Any, Any, Any]:
    """(Remove document, Confirm remove, Cancel): the first alone, or the other two while a removal waits."""
    return gr.update(visible=not shown), gr.update(visible=shown), gr.update(visible=shown)


# ---------------------------------------------------------------------------------------------- the app
def _new_session() -> dict[str, Any]:
    return {"questions": [], "answers": [], "msg_answer": [], "selected": None}


def build_app(assistant: Assistant, *, upload_dir: str | Path | None = None) -> gr.Blocks:
    """The whole web UI as a ``gr.Blocks`` (launch it with :func:`launch` or ``.launch()``)."""
    # Uploaded originals are kept beside the index (its folder is git-ignored and never cleared by a rebuild),
    # so a document's source stays a real file; a read-only index folder falls back to a temporary one.
    uploads = Path(upload_dir) if upload_dir else assistant.index_dir / "uploads"
    try:
        uploads.mkdir(parents=True, exist_ok=True)
    except OSError:
        uploads = Path(tempfile.mkdtemp(prefix="articleqa-uploads-"))
    max_mb = float(assistant.settings.max_file_mb)

    # ------------------------------------------------------------------ helpers
    def docs_for(answer: Answer) -> dict[str, Document]:
        out: dict[str, Document] = {}
        for c in shown_citations(answer):
            if c.doc_id not in out:
                with contextlib.suppress(ArticleQAError):
                    out[c.doc_id] = assistant.document(c.doc_id)
        return out

    def sources_for(session: dict[str, Any], idx: int | None) -> str:
        if idx is None or not (0 <= idx < len(session["answers"])):
            return SOURCES_EMPTY
        answer = Answer.from_dict(session["answers"][idx])
        return render_sources(answer, docs_for(answer))

    def library_state() -> tuple[list[list[Any]], Any, str]:
        docs = assistant.documents()
        return (
            document_rows(docs),
            gr.update(choices=document_choices(docs), value=None),
            render_info(assistant.info()),
        )

    # ------------------------------------------------------------------ chat
    def respond(
        question: str, chat: list[dict[str, Any]] | None, session: dict[str, Any] | None,
        only_sources: Sequence[str] | str | None = None, only_authors: Sequence[str] | str | None = None,
        after: str | None = None, before: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        chat = list(chat or [])
        session = session or _new_session()
        question = clean_question(question)
        if not question:
            yield gr.update(), chat, session, gr.update(), gr.update()
            return
        too_long = question_too_long(question)
        if too_long:
            chat.append({"role": "assistant", "content": render_error(too_long)})
            session["msg_answer"].append(None)
            yield gr.update(), chat, session, gr.update(), gr.update()
            return
        chat.append({"role": "user", "content": escape(question)})
        chat.append({"role": "assistant", "content": PENDING_HTML})
        session["msg_answer"].extend([None, None])
        yield "", chat, session, gr.update(), gr.update()
        history = session["questions"][-HISTORY_TURNS:]
        try:
            scope, scope_text = ui_filters(only_sources, only_authors, after, before)
            answer = assistant.ask(question, history=history or None, **scope)
        except ArticleQAError as exc:
            chat[-1] = {"role": "assistant", "content": render_error(str(exc).replace(LIST_HINT, LIBRARY_HINT))}
            yield "", chat, session, gr.update(), gr.update()
            return
        except Exception as exc:  # keep the chat alive; the log has the traceback
            log.exception("question failed: %r", question)
            chat[-1] = {"role": "assistant", "content": render_error(f"Something went wrong ({type(exc).__name__}).")}
            yield "", chat, session, gr.update(), gr.update()
            return
        session["questions"].append(question)
        session["answers"].append(answer.to_dict())
        idx = len(session["answers"]) - 1
        session["msg_answer"][-1] = idx
        session["selected"] = idx
        chat[-1] = {"role": "assistant", "content": render_answer(answer, scope_text)}
        yield "", chat, session, render_sources(answer, docs_for(answer)), VIEWER_EMPTY

    def select_message(session: dict[str, Any], evt: gr.SelectData) -> tuple[Any, ...]:
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        try:
            idx = session["msg_answer"][int(index)]
        except (TypeError, ValueError, IndexError, KeyError):
            idx = None
        if idx is None:
            return session, gr.update(), gr.update()
        session["selected"] = idx
        return session, sources_for(session, idx), VIEWER_EMPTY

    def open_citation(session: dict[str, Any], evt: gr.EventData) -> str:
        data = getattr(evt, "_data", None) or {}
        idx = session.get("selected") if session else None
        if idx is None or not (0 <= idx < len(session["answers"])):
            return VIEWER_EMPTY
        answer = Answer.from_dict(session["answers"][idx])
        try:
            n = int(data.get("cite"))
        except (TypeError, ValueError):
            return VIEWER_EMPTY
        citation = next((c for c in shown_citations(answer) if c.n == n), None)
        if citation is None:
            return VIEWER_EMPTY
        try:
            doc = assistant.document(citation.doc_id)
        except ArticleQAError:
            return render_error("That article is no longer in the library.")
        return render_article(doc, citation)

    def reset() -> tuple[Any, ...]:
        return [], _new_session(), SOURCES_EMPTY, VIEWER_EMPTY, ""

    # ------------------------------------------------------------------ library
    def index_files(files: Any) -> Iterator[tuple[Any, ...]]:
        """Stage the uploads, then index them all with one ``Assistant.add`` call (one index generation for
        the whole batch, as the CLI does) in a worker thread, yielding a live status; each file's outcome
        (added, already there, skipped and why) is reported under its own name."""
        items = files if isinstance(files, list) else [files] if files else []
        if not items:
            yield (_status([], ["Choose one or more files first."], "Nothing to index."), *library_state(), None)
            return
        ok: list[str] = []
        bad: list[str] = []
        staged: list[tuple[Path, str]] = []
        for item in items:
            path = Path(_file_path(item))
            name = safe_filename(path.name)
            problem = upload_problem(path, max_mb)
            if problem:
                bad.append(f"{escape(name)}: {escape(problem)}")
                continue
            staged.append((stage_upload(path, uploads, path.name), name))
        total = len(staged)
        if not staged:
            yield (_status(ok, bad, f"Indexed 0 of {len(items)} file(s)."), *library_state(), None)
            return
        started = time.perf_counter()
        future = _WORKER.submit(assistant.add, [str(path) for path, _ in staged])
        while True:
            head = (f"Indexing {total} of {len(items)} file{'' if len(items) == 1 else 's'}"
                    f"{': ' + staged[0][1] if total == 1 else ''} … {time.perf_counter() - started:.0f} s")
            yield (_status(ok, bad, head, progress=(0, total)), gr.update(), gr.update(), gr.update(), gr.update())
            try:
                future.result(timeout=1.0)
                break
            except TimeoutError:
                continue
            except Exception:
                break
        try:
            report = future.result()
        except Exception as exc:
            if isinstance(exc, ArticleQAError):
                reason = escape(str(exc))
            else:
                log.exception("indexing %d uploaded file(s) failed", total)
                reason = f"indexing failed ({escape(type(exc).__name__)})"
            bad.extend(f"{escape(name)}: {reason}" for _, name in staged)
            yield (_status(ok, bad, f"Indexed 0 of {len(items)} file(s)."), *library_state(), None)
            return
        seconds = time.perf_counter() - started

        def name_of(label: str) -> str:
            """The uploaded file a document or skip label came from (each staged file has its own folder)."""
            return next((name for path, name in staged if label.startswith(str(path))), "upload")

        def doc_name(doc: Document) -> str:
            name = name_of(doc.source or "")
            return name if name != "upload" else name_of(str((doc.metadata or {}).get("record", "")))

        n_chunks = {d.doc_id: d.n_chunks for d in assistant.documents()}
        for doc in report.added:
            n = n_chunks.get(doc.doc_id, 0)
            ok.append(f"{escape(doc_name(doc))}: added “{escape(doc.title)}” ({n} chunk{'' if n == 1 else 's'})")
        for doc in report.duplicates:
            ok.append(f"{escape(doc_name(doc))}: already in the library as “{escape(doc.title)}”")
        for sk in report.skipped:
            bad.append(f"{escape(name_of(sk.path))}: skipped — {escape(sk.reason)}")
        done = {doc_name(d) for d in [*report.added, *report.duplicates]}
        head = f"Indexed {len(done)} of {len(items)} file(s) in {seconds:.1f} s."
        yield (_status(ok, bad, head), *library_state(), None)

    def uploaded_copy(source: str | None) -> Path | None:
        """The file the UI stored for an upload with this source, or None when the source is anything else
        (a user's own file, a URL): only files inside the UI's upload folder are ever deleted."""
        if not source or "://" in source:
            return None
        try:
            path = Path(source).resolve()
            root = uploads.resolve()
        except (OSError, ValueError):
            return None
        return path if root in path.parents and path.is_file() else None

    def ask_remove(doc_id: str | None) -> tuple[Any, ...]:
        """First click: name the document and show the Confirm / Cancel buttons; nothing is removed yet."""
        if not doc_id:
            return (_status([], ["Pick a document to remove."], "Nothing removed."), None, *_confirm_buttons(False))
        info = next((d for d in assistant.documents() if d.doc_id == doc_id), None)
        if info is None:
            return (_status([], ["That document is no longer in the library."], "Nothing removed."), None,
                    *_confirm_buttons(False))
        copy_note = " and its uploaded copy" if uploaded_copy(info.source) else ""
        head = f"Remove “{info.title}”{copy_note}? Click Confirm remove, or Cancel."
        return (_status([], [], head), doc_id, *_confirm_buttons(True))

    def cancel_remove() -> tuple[Any, ...]:
        return (_status([], [], "Nothing removed."), None, *_confirm_buttons(False))

    def remove_document(doc_id: str | None) -> tuple[Any, ...]:
        """Second click (Confirm remove): remove the document and delete the copy the UI stored for it."""
        hide = (None, *_confirm_buttons(False))
        if not doc_id:
            return (_status([], ["Pick a document to remove."], "Nothing removed."), *library_state(), *hide)
        try:
            info = next((d for d in assistant.documents() if d.doc_id == doc_id), None)
            title = info.title if info else doc_id
            removed = assistant.remove(doc_id)
        except ArticleQAError as exc:
            return (_status([], [escape(str(exc))], "Not removed."), *library_state(), *hide)
        msg = f"Removed “{escape(title)}”." if removed else "That document was already gone."
        copy = uploaded_copy(info.source) if removed and info else None
        # A file holding several documents (JSON Lines) stays until the last of them is removed.
        if copy is not None and not any(uploaded_copy(d.source) == copy for d in assistant.documents()):
            try:
                copy.unlink()
                with contextlib.suppress(OSError):
                    copy.parent.rmdir()  # its own staging folder, when now empty
                msg += " Its uploaded copy was deleted."
            except OSError as exc:
                log.warning("could not delete uploaded copy %s: %s", copy, exc)
        return (_status([msg], [], "Library updated."), *library_state(), *hide)

    # ------------------------------------------------------------------ API
    def ask(
        question: str, history: list[str] | None = None, sources: list[str] | None = None,
        authors: list[str] | None = None, published_after: str | None = None, published_before: str | None = None,
    ) -> dict[str, Any]:
        """Answer a question about the indexed articles; returns the Answer as JSON. The optional filters are
        those of ``Assistant.ask`` (sources, authors, ISO dates, inclusive)."""
        try:
            return assistant.ask(
                question, history=list(history) if history else None, sources=sources or None,
                authors=authors or None, published_after=published_after or None,
                published_before=published_before or None,
            ).to_dict()
        except ArticleQAError as exc:
            # The caller gets the message; the server log gets no traceback for what is the caller's mistake.
            raise gr.Error(str(exc), print_exception=False) from None

    # ------------------------------------------------------------------ layout
    with gr.Blocks(title="articleqa", analytics_enabled=False) as app:
        session = gr.State(_new_session())
        gr.HTML(
            '<div style="display:flex;align-items:baseline;gap:.8em"><h2 style="margin:0">articleqa</h2>'
            '<span style="color:var(--body-text-color-subdued)">Ask about your articles — every answer is a '
            "verbatim, cited quote.</span></div>"
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=380):
                    chatbot = gr.Chatbot(
                        elem_id="aqa-chat",
                        label="Conversation",
                        height=520,
                        render_markdown=False,
                        sanitize_html=True,
                        allow_tags=False,
                        feedback_options=None,
                        buttons=[],  # their copy puts our HTML source on the clipboard; select text instead
                        layout="panel",
                        placeholder="Ask a question about the articles in your library.",
                    )
                    question = gr.Textbox(
                        elem_id="aqa-question",
                        show_label=False,
                        placeholder="Ask about your articles and press Enter…",
                        submit_btn="Ask",
                        autofocus=True,
                    )
                    source_choices, author_choices = filter_choices(assistant.documents())
                    with gr.Row(elem_id="aqa-filters", equal_height=True):
                        only_sources = gr.Dropdown(
                            source_choices, value=[], multiselect=True, allow_custom_value=True,
                            label="Only sources", elem_id="aqa-filter-source", scale=3, min_width=160,
                        )
                        only_authors = gr.Dropdown(
                            author_choices, value=[], multiselect=True, allow_custom_value=True,
                            label="Only authors", elem_id="aqa-filter-author", scale=2, min_width=140,
                        )
                        after = gr.Textbox(label="Published after", placeholder="YYYY-MM-DD",
                                           elem_id="aqa-filter-after", scale=1, min_width=120, max_lines=1)
                        before = gr.Textbox(label="Published before", placeholder="YYYY-MM-DD",
                                            elem_id="aqa-filter-before", scale=1, min_width=120, max_lines=1)
                    with gr.Row(elem_classes="aqa-examples"):
                        example_buttons = [
                            gr.Button(q, size="sm", variant="secondary", elem_classes="aqa-example")
                            for q in EXAMPLES
                        ]
                        new_chat = gr.Button("New conversation", size="sm", variant="secondary")
                with gr.Column(scale=2, min_width=320):
                    sources = gr.HTML(SOURCES_EMPTY, elem_id="aqa-sources", js_on_load=SOURCES_JS)
                    viewer = gr.HTML(VIEWER_EMPTY, elem_id="aqa-viewer", js_on_load=VIEWER_JS)
            with gr.Tab("Library", id="library") as library_tab:
                info = gr.HTML(render_info(assistant.info()), elem_id="aqa-info")
                with gr.Row():
                    with gr.Column(scale=2):
                        files = gr.File(
                            label=f"Add articles ({' '.join(ALLOWED_SUFFIXES)}; up to {max_mb:g} MB each)",
                            file_count="multiple",
                            file_types=list(ALLOWED_SUFFIXES),
                            elem_id="aqa-upload",
                        )
                        add_button = gr.Button("Index files", variant="primary", elem_id="aqa-index")
                    with gr.Column(scale=3):
                        status = gr.HTML('<div class="aqa-empty">Uploaded files are indexed here.</div>',
                                         elem_id="aqa-status")
                docs_table = gr.Dataframe(
                    value=document_rows(assistant.documents()),
                    headers=["Title", "Author", "Published", "Chunks", "Source", "ID"],
                    column_widths=["30%", "13%", "11%", "7%", "22%", "17%"],  # every column in view
                    interactive=False,
                    wrap=True,
                    label="Documents",
                    elem_id="aqa-docs",
                )
                with gr.Row():
                    to_remove = gr.Dropdown(
                        choices=document_choices(assistant.documents()), value=None,
                        label="Remove a document", scale=3,
                    )
                    remove_button = gr.Button("Remove document", variant="stop", scale=1, size="md", min_width=160,
                                              elem_id="aqa-remove")
                    confirm_button = gr.Button("Confirm remove", variant="stop", scale=1, size="md", min_width=160,
                                               visible=False, elem_id="aqa-confirm-remove")
                    cancel_button = gr.Button("Cancel", variant="secondary", scale=1, size="md", min_width=100,
                                              visible=False, elem_id="aqa-cancel-remove")
                pending_remove = gr.State(None)

        outputs = [question, chatbot, session, sources, viewer]
        asked = [question, chatbot, session, only_sources, only_authors, after, before]
        question.submit(respond, asked, outputs, api_visibility="private", trigger_mode="once")
        for button, text in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda t=text: t, None, question, queue=False, api_visibility="private").then(
                respond, asked, outputs, api_visibility="private"
            )

        def refresh_filter_choices() -> tuple[Any, Any]:
            """The library may have changed since the page loaded: offer its current sources and authors."""
            src, auth = filter_choices(assistant.documents())
            return gr.update(choices=src), gr.update(choices=auth)

        for box in (only_sources, only_authors):
            box.focus(refresh_filter_choices, None, [only_sources, only_authors], queue=False,
                      api_visibility="private")
        new_chat.click(reset, None, [chatbot, session, sources, viewer, question], queue=False,
                       api_visibility="private")
        chatbot.clear(reset, None, [chatbot, session, sources, viewer, question], queue=False, api_visibility="private")
        chatbot.select(select_message, [session], [session, sources, viewer], api_visibility="private")
        sources.click(open_citation, [session], [viewer], api_visibility="private")

        add_button.click(
            index_files, [files], [status, docs_table, to_remove, info, files], show_progress="hidden",
            concurrency_limit=1, concurrency_id="library-writes", api_visibility="private",
        )
        confirm_outputs = [pending_remove, remove_button, confirm_button, cancel_button]
        remove_button.click(ask_remove, [to_remove], [status, *confirm_outputs], queue=False,
                            api_visibility="private")
        cancel_button.click(cancel_remove, None, [status, *confirm_outputs], queue=False, api_visibility="private")
        # Picking another document withdraws a pending confirmation (Confirm removes only what was named).
        to_remove.change(lambda: (None, *_confirm_buttons(False)), None, confirm_outputs, queue=False,
                         api_visibility="private")
        confirm_button.click(
            remove_document, [pending_remove], [status, docs_table, to_remove, info, *confirm_outputs],
            concurrency_limit=1, concurrency_id="library-writes", api_visibility="private",
        )
        library_tab.select(library_state, None, [docs_table, to_remove, info], api_visibility="private")
        gr.api(ask, api_name="ask")

    # Styling travels with the app so a plain ``app.launch()`` looks right too (Gradio 6 takes css at launch).
    app._deprecated_css = CSS
    app.articleqa_max_file_mb = max_mb
    return app


def launch(app: gr.Blocks, **kwargs: Any) -> Any:
    """``app.launch`` with our CSS, the upload size limit and safe defaults (no share link)."""
    kwargs.setdefault("css", CSS)
    kwargs.setdefault("share", False)
    max_mb = getattr(app, "articleqa_max_file_mb", None)
    if max_mb:
        kwargs.setdefault("max_file_size", int(max_mb * 1024 * 1024))
    return app.launch(**kwargs)
