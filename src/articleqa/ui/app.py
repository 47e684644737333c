"""The app's wiring: the layout of both tabs, which handler each event calls, and launching.

The chat is rendered with ``render_markdown=False`` (our HTML, not Markdown) and Gradio's sanitizer left on;
the handlers themselves live in :mod:`.ask` and :mod:`.library`, the HTML in :mod:`.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import gradio as gr

from ..assistant import Assistant
from .ask import EXAMPLES, Ask, new_session
from .library import (
    ALLOWED_SUFFIXES,
    Library,
    date_hint,
    document_choices,
    document_rows,
    filter_choices,
    upload_folder,
)
from .render import SOURCES_EMPTY, VIEWER_EMPTY, render_info

# Styling travels with the package as a plain stylesheet (package data), read once.
CSS = files("articleqa.ui").joinpath("style.css").read_text(encoding="utf-8")

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

HEADER_HTML = (
    '<div style="display:flex;align-items:baseline;gap:.8em"><h2 style="margin:0">articleqa</h2>'
    '<span style="color:var(--body-text-color-subdued)">Ask about your articles — every answer is a '
    "verbatim, cited quote.</span></div>"
)


@dataclass
class AskTab:
    """The Ask tab's components that events read or write."""

    chatbot: gr.Chatbot
    question: gr.Textbox
    only_sources: gr.Dropdown
    only_authors: gr.Dropdown
    after: gr.Textbox
    before: gr.Textbox
    example_buttons: list[gr.Button]
    new_chat: gr.Button
    sources: gr.HTML
    viewer: gr.HTML


@dataclass
class LibraryTab:
    """The Library tab's components that events read or write."""

    tab: gr.Tab
    info: gr.HTML
    files: gr.File
    add_button: gr.Button
    status: gr.HTML
    docs_table: gr.Dataframe
    to_remove: gr.Dropdown
    remove_button: gr.Button
    confirm_button: gr.Button
    cancel_button: gr.Button
    pending_remove: gr.State


# ---------------------------------------------------------------------------------------------- layout
def _chat_column(assistant: Assistant) -> tuple[gr.Chatbot, gr.Textbox, tuple[Any, ...], list[gr.Button], gr.Button]:
    """Conversation, question box, filter row, example questions: (chatbot, question, filters, examples, new)."""
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
    filters = _filter_row(assistant)
    with gr.Row(elem_classes="aqa-examples"):
        example_buttons = [
            gr.Button(q, size="sm", variant="secondary", elem_classes="aqa-example") for q in EXAMPLES
        ]
        new_chat = gr.Button("New conversation", size="sm", variant="secondary")
    return chatbot, question, filters, example_buttons, new_chat


def _filter_row(assistant: Assistant) -> tuple[gr.Dropdown, gr.Dropdown, gr.Textbox, gr.Textbox]:
    """(only sources, only authors, published after, published before), offering the library's values."""
    docs = assistant.documents()
    source_choices, author_choices = filter_choices(docs)
    hint = date_hint(docs)
    with gr.Row(elem_id="aqa-filters", equal_height=True):
        only_sources = gr.Dropdown(
            source_choices, value=[], multiselect=True, allow_custom_value=True,
            label="Only sources", elem_id="aqa-filter-source", scale=3, min_width=160,
        )
        only_authors = gr.Dropdown(
            author_choices, value=[], multiselect=True, allow_custom_value=True,
            label="Only authors", elem_id="aqa-filter-author", scale=2, min_width=140,
        )
        after = gr.Textbox(label="Published after", placeholder="YYYY-MM-DD", info=hint,
                           elem_id="aqa-filter-after", scale=1, min_width=120, max_lines=1)
        before = gr.Textbox(label="Published before", placeholder="YYYY-MM-DD", info=hint,
                            elem_id="aqa-filter-before", scale=1, min_width=120, max_lines=1)
    return only_sources, only_authors, after, before


def _ask_tab(assistant: Assistant) -> AskTab:
    """Chat on the left; the latest answer's sources and the article viewer on the right."""
    with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=380):
            chatbot, question, filters, example_buttons, new_chat = _chat_column(assistant)
        with gr.Column(scale=2, min_width=320):
            sources = gr.HTML(SOURCES_EMPTY, elem_id="aqa-sources", js_on_load=SOURCES_JS)
            viewer = gr.HTML(VIEWER_EMPTY, elem_id="aqa-viewer", js_on_load=VIEWER_JS)
    return AskTab(chatbot, question, *filters, example_buttons, new_chat, sources, viewer)


def _library_tab(assistant: Assistant, max_mb: float) -> LibraryTab:
    """Index info, upload box and status, the documents table, and the two-click removal row."""
    with gr.Tab("Library", id="library") as tab:
        info = gr.HTML(render_info(assistant.info()), elem_id="aqa-info")
        with gr.Row():
            with gr.Column(scale=2):
                upload = gr.File(
                    label=f"Add articles ({' '.join(ALLOWED_SUFFIXES)}; up to {max_mb:g} MB each)",
                    file_count="multiple",
                    file_types=list(ALLOWED_SUFFIXES),
                    elem_id="aqa-upload",
                )
                add_button = gr.Button("Index files", variant="primary", elem_id="aqa-index")
            with gr.Column(scale=3):
                status = gr.HTML('<div class="aqa-empty">Uploaded files are indexed here.</div>', elem_id="aqa-status")
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
                choices=document_choices(assistant.documents()), value=None, label="Remove a document", scale=3,
            )
            remove_button = gr.Button("Remove document", variant="stop", scale=1, size="md", min_width=160,
                                      elem_id="aqa-remove")
            confirm_button = gr.Button("Confirm remove", variant="stop", scale=1, size="md", min_width=160,
                                       visible=False, elem_id="aqa-confirm-remove")
            cancel_button = gr.Button("Cancel", variant="secondary", scale=1, size="md", min_width=100,
                                      visible=False, elem_id="aqa-cancel-remove")
        pending_remove = gr.State(None)
    return LibraryTab(tab, info, upload, add_button, status, docs_table, to_remove, remove_button, confirm_button,
                      cancel_button, pending_remove)


# ---------------------------------------------------------------------------------------------- events
def _wire_ask(ui: AskTab, session: gr.State, handlers: Ask) -> None:
    """Questions (typed or an example), filter choices kept current, new conversation, picking a reply, and
    the sources panel's Open article buttons."""
    outputs = [ui.question, ui.chatbot, session, ui.sources, ui.viewer]
    asked = [ui.question, ui.chatbot, session, ui.only_sources, ui.only_authors, ui.after, ui.before]
    ui.question.submit(handlers.respond, asked, outputs, api_visibility="private", trigger_mode="once")
    for button, text in zip(ui.example_buttons, EXAMPLES, strict=True):
        button.click(lambda t=text: t, None, ui.question, queue=False, api_visibility="private").then(
            handlers.respond, asked, outputs, api_visibility="private"
        )
    for box in (ui.only_sources, ui.only_authors):
        box.focus(handlers.refresh_filter_choices, None, [ui.only_sources, ui.only_authors], queue=False,
                  api_visibility="private")
    for box in (ui.after, ui.before):  # the library may have gained dated articles since the page loaded
        box.focus(handlers.refresh_date_hint, None, [ui.after, ui.before], queue=False, api_visibility="private")
    cleared = [ui.chatbot, session, ui.sources, ui.viewer, ui.question]
    ui.new_chat.click(handlers.reset, None, cleared, queue=False, api_visibility="private")
    ui.chatbot.clear(handlers.reset, None, cleared, queue=False, api_visibility="private")
    ui.chatbot.select(handlers.select_message, [session], [session, ui.sources, ui.viewer], api_visibility="private")
    ui.sources.click(handlers.open_citation, [session], [ui.viewer], api_visibility="private")


def _wire_library(ui: LibraryTab, handlers: Library) -> None:
    """Indexing and removal share one queue slot ("library-writes"): the index takes one writer at a time."""
    library = [ui.docs_table, ui.to_remove, ui.info]
    ui.add_button.click(
        handlers.index_files, [ui.files], [ui.status, *library, ui.files], show_progress="hidden",
        concurrency_limit=1, concurrency_id="library-writes", api_visibility="private",
    )
    confirm_outputs = [ui.pending_remove, ui.remove_button, ui.confirm_button, ui.cancel_button]
    ui.remove_button.click(handlers.ask_remove, [ui.to_remove], [ui.status, *confirm_outputs], queue=False,
                           api_visibility="private")
    ui.cancel_button.click(handlers.cancel_remove, None, [ui.status, *confirm_outputs], queue=False,
                           api_visibility="private")
    ui.to_remove.change(handlers.withdraw_remove, None, confirm_outputs, queue=False, api_visibility="private")
    ui.confirm_button.click(
        handlers.remove_document, [ui.pending_remove], [ui.status, *library, *confirm_outputs],
        concurrency_limit=1, concurrency_id="library-writes", api_visibility="private",
    )
    ui.tab.select(handlers.library_state, None, library, api_visibility="private")


# ---------------------------------------------------------------------------------------------- the app
def build_app(assistant: Assistant, *, upload_dir: str | Path | None = None) -> gr.Blocks:
    """The whole web UI as a ``gr.Blocks`` (launch it with :func:`launch` or ``.launch()``)."""
    max_mb = float(assistant.settings.max_file_mb)
    ask = Ask(assistant)
    library = Library(assistant, upload_folder(assistant, upload_dir), max_mb)
    with gr.Blocks(title="articleqa", analytics_enabled=False) as app:
        session = gr.State(new_session())
        gr.HTML(HEADER_HTML)
        with gr.Tabs():
            ask_tab = _ask_tab(assistant)
            library_tab = _library_tab(assistant, max_mb)
        _wire_ask(ask_tab, session, ask)
        _wire_library(library_tab, library)
        gr.api(ask.ask, api_name="ask")

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
