"""The Library tab: uploads (checked, staged, indexed off the event loop), the document table, removal, and
the sources/authors the Ask tab's filter row offers."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

import gradio as gr

from ..assistant import Assistant
from ..errors import ArticleQAError
from ..filters import Filters
from ..highlight import escape
from ..ingest import size_against_limit
from ..ingest.language import READER_LANGUAGE, language_name, not_english
from ..records import AddReport, Document, DocumentInfo
from .render import render_info, render_status, short_source

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".pdf")

_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def worker_pool() -> ThreadPoolExecutor:
    """Where indexing runs: off the event loop and off the chat's threads (one writer at a time anyway, the
    index lock sees to that). Made on the first upload, so importing the UI starts no threads."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(max_workers=2, thread_name_prefix="articleqa-index")
        return _worker


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


def upload_folder(assistant: Assistant, upload_dir: str | Path | None = None) -> Path:
    """Where uploaded originals are kept: beside the index (its folder is git-ignored and never cleared by a
    rebuild), so a document's source stays a real file; a read-only index folder falls back to a temporary one."""
    uploads = Path(upload_dir) if upload_dir else assistant.index_dir / "uploads"
    try:
        uploads.mkdir(parents=True, exist_ok=True)
    except OSError:
        uploads = Path(tempfile.mkdtemp(prefix="articleqa-uploads-"))
    return uploads


def _file_path(item: Any) -> str:
    """The path of an uploaded file, whichever shape Gradio handed it over in."""
    if isinstance(item, str | Path):
        return str(item)
    if isinstance(item, dict):
        return str(item.get("path") or item.get("name"))
    return str(getattr(item, "path", None) or getattr(item, "name", item))


def _name_of(label: str, staged: Sequence[tuple[Path, str]]) -> str:
    """The uploaded file a document or skip label came from (each staged file has its own folder)."""
    return next((name for path, name in staged if label.startswith(str(path))), "upload")


def _doc_name(doc: Document, staged: Sequence[tuple[Path, str]]) -> str:
    """The uploaded file a document came from; a JSON record names its file in its metadata."""
    name = _name_of(doc.source or "", staged)
    return name if name != "upload" else _name_of(str((doc.metadata or {}).get("record", "")), staged)


# ---------------------------------------------------------------------------------------------- tables
def _shown_title(d: DocumentInfo) -> str:
    """The title, with the language when it is not English (the reader reads English only)."""
    if d.language and d.language != READER_LANGUAGE:
        return f"{d.title} (in {language_name(d.language)})"
    return d.title


def document_rows(docs: Sequence[DocumentInfo]) -> list[list[Any]]:
    return [
        [_shown_title(d), d.author or "", d.published or "", d.n_chunks, short_source(d.source), d.doc_id]
        for d in docs
    ]


def document_choices(docs: Sequence[DocumentInfo]) -> list[tuple[str, str]]:
    return [(f"{d.title} ({d.doc_id[:8]})", d.doc_id) for d in docs]


def _confirm_buttons(shown: bool) -> tuple[Any, Any, Any]:
    """(Remove document, Confirm remove, Cancel): the first alone, or the other two while a removal waits."""
    return gr.update(visible=not shown), gr.update(visible=shown), gr.update(visible=shown)


# ---------------------------------------------------------------------------------------------- filters
def filter_choices(docs: Sequence[DocumentInfo]) -> tuple[list[str], list[str]]:
    """(sources, authors) offered by the filter row: file names (or URLs) and authors of the library, each
    once; any other text can be typed, and matches as the filters' rules say (part of a path, any case)."""
    sources = sorted({short_source(d.source) for d in docs if d.source}, key=str.casefold)
    authors = sorted({d.author for d in docs if d.author}, key=str.casefold)
    return sources, authors


NO_DATES_HINT = "No indexed article has a date."


def date_hint(docs: Sequence[DocumentInfo]) -> str | None:
    """The date boxes' hint: said before anyone types a date that no article can match; None when some have one."""
    return None if any(d.published for d in docs) else NO_DATES_HINT


def _filter_values(value: str | Sequence[str] | None) -> list[str]:
    """A dropdown's chips as they are (an author may be "Doe, Jane"), or typed text where commas separate
    several values."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item).strip() for item in value or [] if str(item).strip()]


def ui_filters(
    sources: str | Sequence[str] | None, authors: str | Sequence[str] | None, after: str | None, before: str | None
) -> tuple[Filters, str]:
    """The filter row's values as the question's Filters, and their description for the reply.

    A bad date is an InputError naming the box it was typed in."""
    filters = Filters.of(_filter_values(sources), _filter_values(authors), after or None, before or None,
                         after_name="Published after", before_name="Published before")
    return filters, filters.describe()


# ---------------------------------------------------------------------------------------------- handlers
class Library:
    """The Library tab's event handlers, bound to one assistant and its upload folder.

    Handlers keep their old names (index_files, ask_remove, …): tests find them on the app by name.
    """

    def __init__(self, assistant: Assistant, uploads: Path, max_mb: float) -> None:
        self.assistant = assistant
        self.uploads = uploads
        self.max_mb = max_mb

    def library_state(self) -> tuple[list[list[Any]], Any, str]:
        """(table rows, remove dropdown, info line) as the library is now."""
        docs = self.assistant.documents()
        return (
            document_rows(docs),
            gr.update(choices=document_choices(docs), value=None),
            render_info(self.assistant.info()),
        )

    # ------------------------------------------------------------------ indexing
    def index_files(self, files: Any) -> Iterator[tuple[Any, ...]]:
        """Stage the uploads, then index them all with one ``Assistant.add`` call (one index generation for
        the whole batch, as the CLI does) in a worker thread, yielding a live status; each file's outcome
        (added, already there, skipped and why) is reported under its own name."""
        items = files if isinstance(files, list) else [files] if files else []
        if not items:
            yield (render_status([], ["Choose one or more files first."], "Nothing to index."),
                   *self.library_state(), None)
            return
        ok, bad, staged = self._stage(items)
        if not staged:
            yield (render_status(ok, bad, f"Indexed 0 of {len(items)} file(s)."), *self.library_state(), None)
            return
        started = time.perf_counter()
        future = worker_pool().submit(self.assistant.add, [str(path) for path, _ in staged])
        yield from self._progress(future, ok, bad, staged, len(items), started)
        try:
            report = future.result()
        except Exception as exc:
            reason = self._failure(exc, len(staged))
            bad.extend(f"{escape(name)}: {reason}" for _, name in staged)
            yield (render_status(ok, bad, f"Indexed 0 of {len(items)} file(s)."), *self.library_state(), None)
            return
        seconds = time.perf_counter() - started
        done = self._outcomes(report, staged, ok, bad)
        head = f"Indexed {len(done)} of {len(items)} file(s) in {seconds:.1f} s."
        yield (render_status(ok, bad, head), *self.library_state(), None)

    def _stage(self, items: list[Any]) -> tuple[list[str], list[str], list[tuple[Path, str]]]:
        """(ok lines, problem lines, staged (copy, shown name)): files with a problem are named, not copied."""
        ok: list[str] = []
        bad: list[str] = []
        staged: list[tuple[Path, str]] = []
        for item in items:
            path = Path(_file_path(item))
            name = safe_filename(path.name)
            problem = upload_problem(path, self.max_mb)
            if problem:
                bad.append(f"{escape(name)}: {escape(problem)}")
                continue
            staged.append((stage_upload(path, self.uploads, path.name), name))
        return ok, bad, staged

    @staticmethod
    def _progress(
        future: Future[AddReport], ok: list[str], bad: list[str], staged: list[tuple[Path, str]], n_items: int,
        started: float,
    ) -> Iterator[tuple[Any, ...]]:
        """A status with a moving bar about once a second until the worker is done (or has failed)."""
        total = len(staged)
        while True:
            head = (f"Indexing {total} of {n_items} file{'' if n_items == 1 else 's'}"
                    f"{': ' + staged[0][1] if total == 1 else ''} … {time.perf_counter() - started:.0f} s")
            yield (render_status(ok, bad, head, progress=(0, total)), gr.update(), gr.update(), gr.update(),
                   gr.update())
            try:
                future.result(timeout=1.0)
                break
            except TimeoutError:
                continue
            except Exception:
                break

    @staticmethod
    def _failure(exc: Exception, n_files: int) -> str:
        """Why a whole batch failed, as HTML: our own errors say why; anything else only its type (and the log
        gets the traceback)."""
        if isinstance(exc, ArticleQAError):
            return escape(str(exc))
        log.exception("indexing %d uploaded file(s) failed", n_files)
        return f"indexing failed ({escape(type(exc).__name__)})"

    def _outcomes(
        self, report: AddReport, staged: list[tuple[Path, str]], ok: list[str], bad: list[str]
    ) -> set[str]:
        """Add each file's outcome to ``ok``/``bad`` under its uploaded name; returns the names now indexed."""
        n_chunks = {d.doc_id: d.n_chunks for d in self.assistant.documents()}
        for doc in report.added:
            n = n_chunks.get(doc.doc_id, 0)
            code = not_english(doc.metadata)
            note = (f" — it is in {escape(language_name(code))}; the reader reads English, so answers from it may be "
                    "wrong or missing" if code else "")
            ok.append(f"{escape(_doc_name(doc, staged))}: added “{escape(doc.title)}” "
                      f"({n} chunk{'' if n == 1 else 's'}){note}")
        for doc in report.duplicates:
            ok.append(f"{escape(_doc_name(doc, staged))}: already in the library as “{escape(doc.title)}”")
        for sk in report.skipped:
            bad.append(f"{escape(_name_of(sk.path, staged))}: skipped — {escape(sk.reason)}")
        return {_doc_name(d, staged) for d in [*report.added, *report.duplicates]}

    # ------------------------------------------------------------------ removal
    def uploaded_copy(self, source: str | None) -> Path | None:
        """The file the UI stored for an upload with this source, or None when the source is anything else
        (a user's own file, a URL): only files inside the UI's upload folder are ever deleted."""
        if not source or "://" in source:
            return None
        try:
            path = Path(source).resolve()
            root = self.uploads.resolve()
        except (OSError, ValueError):
            return None
        return path if root in path.parents and path.is_file() else None

    def ask_remove(self, doc_id: str | None) -> tuple[Any, ...]:
        """First click: name the document and show the Confirm / Cancel buttons; nothing is removed yet."""
        if not doc_id:
            return (render_status([], ["Pick a document to remove."], "Nothing removed."), None,
                    *_confirm_buttons(False))
        info = next((d for d in self.assistant.documents() if d.doc_id == doc_id), None)
        if info is None:
            return (render_status([], ["That document is no longer in the library."], "Nothing removed."), None,
                    *_confirm_buttons(False))
        copy_note = " and its uploaded copy" if self.uploaded_copy(info.source) else ""
        head = f"Remove “{info.title}”{copy_note}? Click Confirm remove, or Cancel."
        return (render_status([], [], head), doc_id, *_confirm_buttons(True))

    def cancel_remove(self) -> tuple[Any, ...]:
        return (render_status([], [], "Nothing removed."), None, *_confirm_buttons(False))

    def withdraw_remove(self) -> tuple[Any, ...]:
        """Picking another document withdraws a pending confirmation (Confirm removes only what was named)."""
        return (None, *_confirm_buttons(False))

    def remove_document(self, doc_id: str | None) -> tuple[Any, ...]:
        """Second click (Confirm remove): remove the document and delete the copy the UI stored for it."""
        hide = (None, *_confirm_buttons(False))
        if not doc_id:
            return (render_status([], ["Pick a document to remove."], "Nothing removed."), *self.library_state(),
                    *hide)
        try:
            info = next((d for d in self.assistant.documents() if d.doc_id == doc_id), None)
            title = info.title if info else doc_id
            removed = self.assistant.remove(doc_id)
        except ArticleQAError as exc:
            return (render_status([], [escape(str(exc))], "Not removed."), *self.library_state(), *hide)
        msg = (f"Removed “{escape(title)}”. It stays out when its folder is indexed again (as <code>make run</code> "
               "does at every start); upload the file, or index it by name, to add it back."
               if removed else "That document was already gone.")
        copy = self.uploaded_copy(info.source) if removed and info else None
        if copy is not None:
            msg += self._delete_copy(copy)
        return (render_status([msg], [], "Library updated."), *self.library_state(), *hide)

    def _delete_copy(self, copy: Path) -> str:
        """Delete an uploaded copy no document comes from any more (a JSON Lines file holding several
        documents stays until the last of them is removed); returns what to add to the message."""
        if any(self.uploaded_copy(d.source) == copy for d in self.assistant.documents()):
            return ""
        try:
            copy.unlink()
            with contextlib.suppress(OSError):
                copy.parent.rmdir()  # its own staging folder, when now empty
        except OSError as exc:
            log.warning("could not delete uploaded copy %s: %s", copy, exc)
            return ""
        return " Its uploaded copy was deleted."
