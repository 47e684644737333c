"""What a streamed generation yields: text as it arrives, then exactly one outcome record.

Failure is an event, not an exception: a stream ends with ``GenerationDone`` or ``GenerationFailed``, whose
``notice`` is the one line the caller shows beside the extractive answer it falls back to — so a UI streaming
deltas never has to unwind a half-shown answer from an exception handler. See docs/written-answers.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from .prompt import NumberedSentence, Prompt
from .reply import ParsedReply


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer as it arrives (the final text is the concatenation of all deltas)."""

    text: str


@dataclass(frozen=True)
class GenerationDone:
    """A complete reply, parsed against the prompt's numbering, with the timings a benchmark reports."""

    text: str
    reply: ParsedReply
    prompt: Prompt
    completion_tokens: int  # the server's usage count when it sends one, else cl100k_base's count of the text
    ttft_s: float  # request sent → first token
    tokens_per_s: float  # decode rate after the first token (0.0 when fewer than two tokens)
    total_s: float
    attempts: int

    @property
    def cited_sentences(self) -> list[NumberedSentence]:
        """The cited sentences in citation order: ``[k]`` in ``reply.text`` is ``cited_sentences[k - 1]``."""
        return [self.prompt.numbering[n] for n in self.reply.cited]

    def timings_ms(self) -> dict[str, float]:
        """Timings and prompt diagnostics, shaped for Answer.timings_ms."""
        return {
            "llm_first_token": self.ttft_s * 1000.0,
            "llm_total": self.total_s * 1000.0,
            "llm_tokens_per_s": self.tokens_per_s,
            "llm_completion_tokens": float(self.completion_tokens),
            "llm_dropped_citations": float(self.reply.dropped_count),
            **self.prompt.diagnostics(),
        }


@dataclass(frozen=True)
class GenerationFailed:
    """The model gave no usable answer; the caller shows ``notice`` and the extractive answer.

    ``kind``: connect, timeout, http, stream (died mid-answer), empty, malformed or prompt. Text deltas that
    arrived before a mid-stream failure (``partial_text``) must be discarded by the caller.
    """

    kind: str
    reason: str
    base_url: str
    partial_text: str = ""
    prompt: Prompt | None = None
    attempts: int = 0

    @property
    def notice(self) -> str:
        """One line for the reader of the answer: which server, what went wrong, and what is shown instead."""
        what = {"stream": "stopped mid-answer", "empty": "gave no usable answer",
                "malformed": "gave no usable answer", "prompt": "was not asked"}.get(self.kind, "did not answer")
        return f"the language model at {self.base_url} {what} ({self.reason}); showing the extractive answer"


GenerationEvent = TextDelta | GenerationDone | GenerationFailed
