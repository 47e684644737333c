"""The Gradio app: chat with highlighted, cited quotes, a sources panel, an article viewer and a library.

Talks only to the Assistant. Split into :mod:`.render` (records → HTML, no Gradio), :mod:`.library`
(uploads, the documents table, removal, filter choices), :mod:`.ask` (the chat's handlers and the ``/ask``
API) and :mod:`.app` (layout, event wiring, launch). The names below are what ``articleqa.ui`` has always
offered; import from here.
"""

from __future__ import annotations

from .app import CSS, build_app, launch
from .ask import EXAMPLES, HISTORY_TURNS, LIBRARY_HINT, MAX_QUESTION_CHARS, question_too_long
from .library import (
    ALLOWED_SUFFIXES,
    document_choices,
    document_rows,
    filter_choices,
    safe_filename,
    stage_upload,
    ui_filters,
    upload_problem,
)
from .render import (
    PENDING_HTML,
    SOURCES_EMPTY,
    VIEWER_EMPTY,
    context_window,
    render_answer,
    render_article,
    render_confidence,
    render_error,
    render_info,
    render_sources,
    render_status,
    shown_citations,
)

__all__ = [
    "ALLOWED_SUFFIXES", "CSS", "EXAMPLES", "HISTORY_TURNS", "LIBRARY_HINT", "MAX_QUESTION_CHARS", "PENDING_HTML",
    "SOURCES_EMPTY", "VIEWER_EMPTY", "build_app", "context_window", "document_choices", "document_rows",
    "filter_choices", "launch", "question_too_long", "render_answer", "render_article", "render_confidence",
    "render_error", "render_info", "render_sources", "render_status", "safe_filename", "shown_citations",
    "stage_upload", "ui_filters", "upload_problem",
]
