"""The Gradio app: chat with highlighted, cited quotes. Talks only to the Assistant."""

from __future__ import annotations

import html
from typing import Any

from .assistant import Assistant
from .highlight import highlight
from .records import Answer

EXAMPLES = ["Where are the talks held?", "Who urged them?"]


def render_answer(answer: Answer) -> str:
    """Short answer first, then each quote as a block quote with the answer phrase marked."""
    if not answer.answerable:
        parts = [f"<p><em>{html.escape(answer.text)}</em></p>"]
        for p in answer.passages[:3]:
            parts.append(f"<blockquote>{html.escape(p.chunk.text[:300])}…</blockquote>")
        return "\n".join(parts)
    parts = [f"<p><strong>{html.escape(answer.text)}</strong></p>"]
    for c in answer.citations:
        spans = []
        if c.answer_start is not None and c.answer_end is not None:
            spans.append((c.answer_start - c.start, c.answer_end - c.start))
        parts.append(f"<blockquote>{highlight(c.quote, spans)} [{c.n}]</blockquote>")
    return "\n".join(parts)


def build_app(assistant: Assistant) -> Any:
    import gradio as gr

    def respond(message: str, history: list[dict[str, Any]]) -> str:
        earlier = [m["content"] for m in history if m.get("role") == "user" and isinstance(m.get("content"), str)]
        return render_answer(assistant.ask(message, history=earlier or None))

    return gr.ChatInterface(respond, examples=EXAMPLES, title="articleqa", api_name="chat")
