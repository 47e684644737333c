"""The streaming client for an OpenAI-compatible ``/v1/chat/completions`` server, and how it fails.

Off by default and offline by default: nothing here opens a socket until ``Generator.stream`` runs, and the
``openai`` client is imported only then, so the extractive path never pays for (or depends on) it. Every error
the request or the stream can raise is classified into one ``GenerationFailed`` kind, retried only before the
first token, and bounded by a wall-clock cap a trickling server cannot outlast. See docs/written-answers.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...records import Passage
from .events import GenerationDone, GenerationEvent, GenerationFailed, TextDelta
from .prompt import EXAMPLE_TURN, SYSTEM_PROMPT, Prompt, build_prompt, count_tokens
from .reply import parse_reply


@dataclass(frozen=True)
class GeneratorConfig:
    """Where and how to ask a model; ``api_key`` stays out of repr so it never reaches a log line."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = 30.0  # seconds, for connecting and for each streamed chunk
    max_tokens: int = 256  # the answer's token budget, reserved inside context_tokens
    temperature: float = 0.0
    context_tokens: int = 2048  # the model's context window
    retries: int = 1  # further attempts, only before the first token arrives
    max_seconds: float = 120.0  # wall-clock cap on one whole answer (a server can trickle keep-alives forever)

    def __post_init__(self) -> None:
        """Refuse settings that could never produce an answer, at configuration time rather than mid-question."""
        if not self.base_url or not self.model:
            raise ValueError("a generator needs a base_url and a model name")
        if self.max_tokens < 1 or self.context_tokens <= self.max_tokens:
            raise ValueError(f"context_tokens ({self.context_tokens}) must exceed max_tokens ({self.max_tokens})")
        if not 0 <= self.retries <= 5:
            raise ValueError(f"retries must be between 0 and 5, not {self.retries}")
        if self.timeout <= 0 or self.max_seconds <= 0:
            raise ValueError("timeout and max_seconds must be positive")


class _StreamProblem(Exception):
    """A reply that is not an answer: empty, cut off, or not the protocol."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _error_chain(err: BaseException) -> Iterator[BaseException]:
    """The error and its causes: the openai client wraps the socket error that says what really happened."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _classify(err: BaseException, config: GeneratorConfig, deadline_hit: bool) -> tuple[str, str, bool]:
    """(kind, short reason, worth retrying) for anything the request or the stream raised."""
    if isinstance(err, _StreamProblem):
        return err.kind, err.reason, err.kind in ("empty", "stream")
    if deadline_hit:
        return "timeout", f"no complete answer within {config.max_seconds:g} s", False
    chain = list(_error_chain(err))
    names = {type(e).__name__ for e in chain}
    text = " ".join(str(e) for e in chain).lower()
    status = getattr(err, "status_code", None)
    if isinstance(status, int):
        return "http", f"HTTP {status}", status >= 500 or status in (408, 429)
    if "APITimeoutError" in names or "timed out" in text or isinstance(err, TimeoutError):
        return "timeout", f"no reply within {config.timeout:g} s", True
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text:
        return "connect", "connection refused", True
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "connect", "host not found", False
    if names & {"RemoteProtocolError", "ReadError"} or "peer closed" in text or "incomplete" in text:
        return "stream", "the connection closed mid-answer", True
    if "APIConnectionError" in names:
        return "connect", "connection failed", True
    if isinstance(err, ValueError):  # JSONDecodeError and pydantic validation errors are ValueErrors
        return "malformed", "the reply was not the OpenAI chat protocol", False
    return "malformed", f"{type(err).__name__}: {str(err)[:80]}", False


@dataclass
class _Progress:
    """What one answer accumulated so far, across attempts."""

    pieces: list[str] = field(default_factory=list)
    sent_at: float = 0.0
    first_at: float | None = None
    last_at: float | None = None
    deltas: int = 0
    usage_tokens: int | None = None
    finish_reason: str | None = None

    @property
    def text(self) -> str:
        """The answer so far: the deltas joined."""
        return "".join(self.pieces)


class Generator:
    """Streams grounded answers from an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    The ``openai`` client is created on first use. Retries (``config.retries``) happen only before the first
    token: once text has been shown, a failure ends the answer instead of silently starting it over.
    """

    def __init__(
        self, config: GeneratorConfig, *, system_prompt: str = SYSTEM_PROMPT,
        example: Sequence[dict[str, str]] = EXAMPLE_TURN,
    ) -> None:
        self.config = config
        self.system_prompt = system_prompt
        self.example = tuple(example)
        self._client: Any = None

    def __repr__(self) -> str:
        return f"Generator({self.config!r})"

    def _openai(self) -> Any:
        """The client, made on the first question: configuring a generator must not import or contact anything."""
        if self._client is None:
            import openai  # lazily: the offline default never imports it

            self._client = openai.OpenAI(
                base_url=self.config.base_url,
                api_key=self.config.api_key or "not-needed",  # local servers take any key; the client needs one
                timeout=self.config.timeout,
                max_retries=0,  # retried here, and only before the first token
            )
        return self._client

    def prompt(
        self, question: str, passages: Sequence[Passage], history: Sequence[tuple[str, str]] = ()
    ) -> Prompt:
        """The messages this generator would send, fitted to its model's context window."""
        return build_prompt(question, passages, history, context_tokens=self.config.context_tokens,
                            max_tokens=self.config.max_tokens, system_prompt=self.system_prompt,
                            example=self.example)

    def generate(
        self, question: str, passages: Sequence[Passage], history: Sequence[tuple[str, str]] = ()
    ) -> GenerationDone | GenerationFailed:
        """The whole answer at once: the stream's final event."""
        final: GenerationDone | GenerationFailed | None = None
        for event in self.stream(question, passages, history):
            if not isinstance(event, TextDelta):
                final = event
        assert final is not None  # stream always ends with one
        return final

    def stream(
        self, question: str, passages: Sequence[Passage], history: Sequence[tuple[str, str]] = ()
    ) -> Iterator[GenerationEvent]:
        """Text deltas as they arrive, then exactly one GenerationDone or GenerationFailed."""
        started = time.perf_counter()
        prompt = self.prompt(question, passages, history)
        if not prompt.numbering:
            why = "no passages to ground an answer" if not passages else (
                f"no passage fits the {prompt.budget_tokens}-token prompt budget")
            yield GenerationFailed("prompt", why, self.config.base_url, prompt=prompt)
            return
        progress = _Progress()
        attempts = 0
        while True:
            attempts += 1
            deadline_hit = threading.Event()
            try:
                yield from self._attempt(prompt, progress, deadline_hit)
                break
            except Exception as err:
                kind, reason, retryable = _classify(err, self.config, deadline_hit.is_set())
                if retryable and progress.first_at is None and attempts <= self.config.retries:
                    time.sleep(min(0.25 * attempts, 1.0))
                    progress = _Progress()  # nothing was shown: start clean
                    continue
                yield GenerationFailed(kind, reason, self.config.base_url, partial_text=progress.text,
                                       prompt=prompt, attempts=attempts)
                return
        yield self._done(prompt, progress, started, attempts)

    def _attempt(self, prompt: Prompt, progress: _Progress, deadline_hit: threading.Event) -> Iterator[TextDelta]:
        """One request; raises on anything that is not a complete, non-empty answer."""
        progress.sent_at = time.perf_counter()
        response = self._openai().chat.completions.create(
            model=self.config.model, messages=prompt.messages, max_tokens=self.config.max_tokens,
            temperature=self.config.temperature, stream=True,
        )
        remaining = self.config.max_seconds - (time.perf_counter() - progress.sent_at)
        watchdog = threading.Timer(max(remaining, 0.0), _close_on_deadline, (response, deadline_hit))
        watchdog.daemon = True
        watchdog.start()
        try:
            for chunk in response:
                delta = _read_chunk(chunk, progress)
                if delta:
                    now = time.perf_counter()
                    progress.first_at = progress.first_at or now
                    progress.last_at = now
                    progress.deltas += 1
                    progress.pieces.append(delta)
                    yield TextDelta(delta)
        finally:
            watchdog.cancel()
            response.close()
        if deadline_hit.is_set():
            raise TimeoutError("deadline")
        if progress.finish_reason is None:
            raise _StreamProblem("stream", "the stream ended before the answer was complete")
        if not progress.text.strip():
            raise _StreamProblem("empty", "empty reply")

    def _done(self, prompt: Prompt, progress: _Progress, started: float, attempts: int) -> GenerationDone:
        """The outcome record: the reply parsed against the numbering, and its timings."""
        text = progress.text
        tokens = progress.usage_tokens or count_tokens(text)
        first = progress.first_at or progress.sent_at
        last = progress.last_at or first
        rate = (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0
        return GenerationDone(
            text=text, reply=parse_reply(text, prompt.numbering), prompt=prompt, completion_tokens=tokens,
            ttft_s=first - progress.sent_at, tokens_per_s=rate, total_s=time.perf_counter() - started,
            attempts=attempts,
        )


def _close_on_deadline(response: Any, deadline_hit: threading.Event) -> None:
    """Run by the watchdog timer: closing the response is the only way to stop a blocked chunk read."""
    deadline_hit.set()
    response.close()


def _read_chunk(chunk: Any, progress: _Progress) -> str:
    """The text a streamed chunk adds; records finish_reason and a usage count when the server sends them."""
    usage = getattr(chunk, "usage", None)
    if usage is not None and getattr(usage, "completion_tokens", None):
        progress.usage_tokens = int(usage.completion_tokens)
    choices = getattr(chunk, "choices", None)
    if choices is None:
        raise _StreamProblem("malformed", "a streamed chunk had no choices")
    if not choices:
        return ""
    choice = choices[0]
    if getattr(choice, "finish_reason", None):
        progress.finish_reason = str(choice.finish_reason)
    delta = getattr(choice, "delta", None)
    return (getattr(delta, "content", None) or "") if delta is not None else ""
