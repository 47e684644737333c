"""The Ask tab: the chat, its sources panel and article viewer, and the ``/ask`` API endpoint."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import gradio as gr

from ..ask import AskRequest
from ..assistant import Assistant
from ..errors import ArticleQAError, InputError
from ..filters import LIST_HINT
from ..highlight import escape
from ..question import MAX_QUESTION_CHARS, checked_question, clean_question
from ..records import Answer, Document
from .library import date_hint, filter_choices, ui_filters
from .render import (
    PENDING_HTML,
    SOURCES_EMPTY,
    VIEWER_EMPTY,
    render_answer,
    render_article,
    render_error,
    render_sources,
    render_streaming,
    shown_citations,
)

log = logging.getLogger(__name__)

EXAMPLES = ["Where are the talks held?", "Who urged them?"]
HISTORY_TURNS = 3  # earlier questions passed to assistant.ask for follow-ups
LIBRARY_HINT = "the Library tab lists each document's source, author and date"  # instead of the CLI hint


def question_too_long(question: str) -> str | None:
    """What to tell the user about an over-long question (None when it is fine): the browser used to cut it
    at the limit without a word, and the answer was then to a question nobody asked. The limit and the
    message are the CLI's and the API's (:func:`articleqa.question.checked_question`)."""
    try:
        checked_question(question)
    except InputError as exc:
        return str(exc) if len(clean_question(question)) > MAX_QUESTION_CHARS else None
    return None


def new_session() -> dict[str, Any]:
    """One browser tab's conversation: questions asked, answers (as dicts, so the state stays JSON), which
    answer each chat message shows (None for questions and errors), and the answer the panels show."""
    return {"questions": [], "answers": [], "msg_answer": [], "selected": None}


class Ask:
    """The Ask tab's event handlers and the ``/ask`` API, bound to one assistant.

    Handlers keep their old names (respond, select_message, …): tests find them on the app by name.
    """

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def docs_for(self, answer: Answer) -> dict[str, Document]:
        """The cited articles still in the library (one removed since is simply left out)."""
        out: dict[str, Document] = {}
        for c in shown_citations(answer):
            if c.doc_id not in out:
                with contextlib.suppress(ArticleQAError):
                    out[c.doc_id] = self.assistant.document(c.doc_id)
        return out

    def sources_for(self, session: dict[str, Any], idx: int | None) -> str:
        if idx is None or not (0 <= idx < len(session["answers"])):
            return SOURCES_EMPTY
        answer = Answer.from_dict(session["answers"][idx])
        return render_sources(answer, self.docs_for(answer))

    def respond(
        self, question: str, chat: list[dict[str, Any]] | None, session: dict[str, Any] | None,
        only_sources: Sequence[str] | str | None = None, only_authors: Sequence[str] | str | None = None,
        after: str | None = None, before: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Show the question and a pending reply at once, then the answer with its sources.

        Yields (question box, chat, session, sources panel, viewer)."""
        chat = list(chat or [])
        session = session or new_session()
        try:
            question = checked_question(question)
        except InputError as exc:  # empty or over-long: the CLI's and the API's message; the text stays in the box
            chat.append({"role": "assistant", "content": render_error(str(exc))})
            session["msg_answer"].append(None)
            yield gr.update(), chat, session, gr.update(), gr.update()
            return
        chat.append({"role": "user", "content": escape(question)})
        chat.append({"role": "assistant", "content": PENDING_HTML})
        session["msg_answer"].extend([None, None])
        yield "", chat, session, gr.update(), gr.update()
        history = session["questions"][-HISTORY_TURNS:]
        try:
            filters, scope_text = ui_filters(only_sources, only_authors, after, before)
            request = AskRequest(question, filters, history=tuple(history))
            answer = None
            written = ""
            for item in self.assistant.stream(request):
                if isinstance(item, str):  # a language model is writing: show it as it arrives
                    written += item
                    chat[-1] = {"role": "assistant", "content": render_streaming(written)}
                    yield "", chat, session, gr.update(), gr.update()
                else:
                    answer = item
            assert answer is not None
        except Exception as exc:
            chat[-1] = {"role": "assistant", "content": render_error(self._failure(question, exc))}
            yield "", chat, session, gr.update(), gr.update()
            return
        session["questions"].append(question)
        session["answers"].append(answer.to_dict())
        idx = len(session["answers"]) - 1
        session["msg_answer"][-1] = idx
        session["selected"] = idx
        chat[-1] = {"role": "assistant", "content": render_answer(answer, scope_text)}
        yield "", chat, session, render_sources(answer, self.docs_for(answer)), VIEWER_EMPTY

    @staticmethod
    def _failure(question: str, exc: Exception) -> str:
        """The chat's message for a failed question: ours say why; anything else keeps the chat alive with its
        type only (the log has the traceback)."""
        if isinstance(exc, ArticleQAError):
            return str(exc).replace(LIST_HINT, LIBRARY_HINT)
        log.exception("question failed: %r", question)
        return f"Something went wrong ({type(exc).__name__})."

    def select_message(self, session: dict[str, Any], evt: gr.SelectData) -> tuple[Any, ...]:
        """Clicking an earlier reply shows that answer's sources again."""
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        try:
            idx = session["msg_answer"][int(index)]
        except (TypeError, ValueError, IndexError, KeyError):
            idx = None
        if idx is None:
            return session, gr.update(), gr.update()
        session["selected"] = idx
        return session, self.sources_for(session, idx), VIEWER_EMPTY

    def open_citation(self, session: dict[str, Any], evt: gr.EventData) -> str:
        """An "Open article [n]" click in the sources panel: the whole article with that quote marked."""
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
            doc = self.assistant.document(citation.doc_id)
        except ArticleQAError:
            return render_error("That article is no longer in the library.")
        return render_article(doc, citation)

    def reset(self) -> tuple[Any, ...]:
        return [], new_session(), SOURCES_EMPTY, VIEWER_EMPTY, ""

    def refresh_filter_choices(self) -> tuple[Any, Any]:
        """The library may have changed since the page loaded: offer its current sources and authors."""
        src, auth = filter_choices(self.assistant.documents())
        return gr.update(choices=src), gr.update(choices=auth)

    def refresh_date_hint(self) -> tuple[Any, Any]:
        """The date boxes' hint for the library as it is now (none has a date → say so before one is typed)."""
        hint = date_hint(self.assistant.documents())
        return gr.update(info=hint), gr.update(info=hint)

    def ask(
        self, question: str, history: list[str] | None = None, sources: list[str] | None = None,
        authors: list[str] | None = None, published_after: str | None = None, published_before: str | None = None,
    ) -> dict[str, Any]:
        """Answer a question about the indexed articles; returns the Answer as JSON. The optional filters are
        those of ``Assistant.ask`` (sources, authors, ISO dates, inclusive)."""
        try:
            return self.assistant.ask(
                question, history=list(history) if history else None, sources=sources or None,
                authors=authors or None, published_after=published_after or None,
                published_before=published_before or None,
            ).to_dict()
        except ArticleQAError as exc:
            # The caller gets the message; the server log gets no traceback for what is the caller's mistake.
            raise gr.Error(str(exc), print_exception=False) from None
