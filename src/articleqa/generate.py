"""Optional generated answers from an OpenAI-compatible server, kept honest by numbered sentences.

The model never quotes: it sees the retrieved passages as numbered sentences ([1], [2], …) and cites numbers.
Each number maps back to absolute offsets of a stored sentence (``Prompt.numbering``), so the caller quotes the
stored text itself and verifies it as it does for extractive answers; numbers the model invents are dropped.

Off by default and offline by default: nothing here opens a socket until ``Generator.stream`` runs, and the
``openai`` client is imported only then, so the extractive path never pays for (or depends on) it.

Failure is an event, not an exception: ``Generator.stream`` ends with ``GenerationDone`` or ``GenerationFailed``,
whose ``notice`` is the one line the caller shows beside the extractive answer it falls back to.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .offline import tiktoken_encoding
from .records import Passage

NOT_FOUND_MARKER = "NOT IN THE ARTICLES"

SYSTEM_PROMPT = (
    "You answer questions about news articles using only the numbered sentences in the user's message.\n"
    "Write a short answer of one to three sentences. After each claim, put the number of the sentence that "
    "supports it in square brackets, for example [2]. Cite only numbers shown in the passages.\n"
    f"If the passages do not contain the answer, reply exactly: {NOT_FOUND_MARKER}"
)

# One worked exchange before the real question: small local models (SmolLM2-135M) cite sentence numbers after
# seeing it once and almost never from the instruction alone. Costs ~90 tokens of the budget.
EXAMPLE_TURN: tuple[dict[str, str], dict[str, str]] = (
    {"role": "user", "content": (
        "Passages:\n\nArticle: Harbour bridge reopens\n[1] The Harbour Bridge reopened on Monday after a "
        "two-year repair.\n[2] The work cost 40 million dollars, the city said.\n\n"
        "Question: How much did the repair cost?")},
    {"role": "assistant", "content": "The repair cost 40 million dollars [2]."},
)

# Chat templates wrap each message in a few special tokens (<|im_start|>role … <|im_end|>), and the reply is
# primed with a few more; counted per message on top of the text's own tokens.
_TOKENS_PER_MESSAGE = 6
_TOKENS_PRIMING = 4
# cl100k_base is not the served model's tokenizer: keep this share of the budget so a model whose tokenizer
# splits English text more finely still fits (SmolLM2's counts 8–11% more tokens on the bundled articles' prompts).
_TOKENIZER_SLACK = 0.85
# At most this share of the budget goes to earlier turns, most recent first; passages get the rest.
_HISTORY_SHARE = 0.25


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
        if not self.base_url or not self.model:
            raise ValueError("a generator needs a base_url and a model name")
        if self.max_tokens < 1 or self.context_tokens <= self.max_tokens:
            raise ValueError(f"context_tokens ({self.context_tokens}) must exceed max_tokens ({self.max_tokens})")
        if not 0 <= self.retries <= 5:
            raise ValueError(f"retries must be between 0 and 5, not {self.retries}")
        if self.timeout <= 0 or self.max_seconds <= 0:
            raise ValueError("timeout and max_seconds must be positive")


@dataclass(frozen=True)
class NumberedSentence:
    """What a citation number stands for: a stored sentence, by absolute offsets into its document."""

    n: int
    doc_id: str
    start: int
    end: int
    passage: int  # index into the passages given to build_prompt
    text: str  # the sentence as stored (the prompt shows it with whitespace collapsed)


@dataclass
class Prompt:
    """The chat messages sent, what each number means, and how the token budget was spent."""

    messages: list[dict[str, str]]
    numbering: dict[int, NumberedSentence]
    budget_tokens: int  # context_tokens - max_tokens
    prompt_tokens: int  # cl100k_base count of the messages, template overhead included
    passages_kept: list[int]  # indexes into the passages given, in rank order
    passages_cut: list[int]
    history_kept: int  # earlier turns included, most recent ones

    def diagnostics(self) -> dict[str, float]:
        """Numbers for Answer.timings_ms / signals: the budget and what it bought."""
        return {
            "llm_budget_tokens": float(self.budget_tokens),
            "llm_prompt_tokens": float(self.prompt_tokens),
            "llm_passages_kept": float(len(self.passages_kept)),
            "llm_passages_cut": float(len(self.passages_cut)),
            "llm_history_turns": float(self.history_kept),
        }


@dataclass(frozen=True)
class ParsedReply:
    """A reply read against the numbering.

    ``text`` keeps the bracket markers but renumbers them in order of first citation, so ``[k]`` in it is
    ``cited[k - 1]`` — the k-th citation the caller builds; markers naming unknown numbers are removed.
    ``plain`` has no markers at all (for scoring and for showing an unsourced answer).
    """

    raw: str
    text: str
    plain: str
    cited: list[int]  # prompt numbers, in order of first appearance
    dropped: list[int]  # numbers the prompt never showed, in order of first appearance
    dropped_count: int  # occurrences of those numbers
    not_found: bool  # the model said the passages do not hold the answer (→ answerable=False)


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer as it arrives (the final text is the concatenation of all deltas)."""

    text: str


@dataclass(frozen=True)
class GenerationDone:
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
        what = {"stream": "stopped mid-answer", "empty": "gave no usable answer",
                "malformed": "gave no usable answer", "prompt": "was not asked"}.get(self.kind, "did not answer")
        return f"the language model at {self.base_url} {what} ({self.reason}); showing the extractive answer"


GenerationEvent = TextDelta | GenerationDone | GenerationFailed


# ---------------------------------------------------------------- prompt


def _count(text: str) -> int:
    return len(tiktoken_encoding("cl100k_base").encode_ordinary(text))


def _passage_sentences(passage: Passage) -> list[tuple[int, int]]:
    """Absolute sentence spans inside the chunk: the stored ones, else split here (same splitter as indexing)."""
    chunk = passage.chunk
    chunk_end = chunk.start + len(chunk.text)
    if passage.sentences:
        spans = [(max(s.start, chunk.start), min(s.end, chunk_end)) for s in passage.sentences]
        return sorted((s, e) for s, e in spans if e > s)
    from .chunking import split_sentences

    return [(chunk.start + s, chunk.start + e) for s, e in split_sentences(chunk.text)]


def _render_passage(
    passage: Passage, index: int, first_n: int, seen: set[tuple[str, int, int]]
) -> tuple[str, list[NumberedSentence]]:
    """One passage as a titled block of numbered sentences; sentences already shown (chunk overlap) are skipped."""
    chunk = passage.chunk
    numbered: list[NumberedSentence] = []
    for s, e in _passage_sentences(passage):
        if (chunk.doc_id, s, e) in seen:
            continue
        text = chunk.text[s - chunk.start : e - chunk.start]
        numbered.append(NumberedSentence(first_n + len(numbered), chunk.doc_id, s, e, index, text))
    title = " ".join((passage.title or chunk.doc_id).split())
    lines = [f"Article: {title}"] + [f"[{x.n}] {' '.join(x.text.split())}" for x in numbered]
    return "\n".join(lines), numbered


def _user_message(blocks: Sequence[str], question: str) -> str:
    context = "\n\n".join(blocks) if blocks else "(no passages)"
    return f"Passages:\n\n{context}\n\nQuestion: {' '.join(question.split())}"


def _history_messages(history: Sequence[tuple[str, str]], budget: int) -> list[dict[str, str]]:
    """The most recent whole turns that fit ``budget``; old answers lose their markers (other numberings)."""
    kept: list[dict[str, str]] = []
    used = 0
    for question, answer in reversed(list(history)):
        turn = [{"role": "user", "content": " ".join(question.split())},
                {"role": "assistant", "content": strip_markers(answer)}]
        cost = sum(_count(m["content"]) + _TOKENS_PER_MESSAGE for m in turn)
        if used + cost > budget:
            break
        kept[:0] = turn
        used += cost
    return kept


def count_message_tokens(messages: Sequence[dict[str, str]]) -> int:
    """cl100k_base tokens of a chat, with the per-message template overhead and the reply's priming."""
    return sum(_count(m["content"]) + _TOKENS_PER_MESSAGE for m in messages) + _TOKENS_PRIMING


def build_prompt(
    question: str,
    passages: Sequence[Passage],
    history: Sequence[tuple[str, str]] = (),
    *,
    context_tokens: int = 2048,
    max_tokens: int = 256,
    system_prompt: str = SYSTEM_PROMPT,
    example: Sequence[dict[str, str]] = EXAMPLE_TURN,
) -> Prompt:
    """Messages fitted to ``context_tokens - max_tokens``: whole passages in rank order until one does not fit.

    Counted with cl100k_base and a slack for other tokenizers; earlier turns take at most a quarter of it.
    Message order: system, the worked example, earlier turns, then passages + question.
    """
    budget = context_tokens - max_tokens
    usable = int(budget * _TOKENIZER_SLACK)
    head = [{"role": "system", "content": system_prompt}, *example]
    fixed = count_message_tokens([*head, {"role": "user", "content": _user_message([], question)}])
    turns = _history_messages(history, min(int(usable * _HISTORY_SHARE), max(0, usable - fixed)))
    used = fixed + sum(_count(m["content"]) + _TOKENS_PER_MESSAGE for m in turns)
    blocks: list[str] = []
    numbering: dict[int, NumberedSentence] = {}
    seen: set[tuple[str, int, int]] = set()
    kept: list[int] = []
    for i, passage in enumerate(passages):
        block, numbered = _render_passage(passage, i, len(numbering) + 1, seen)
        cost = _count(block) + 2  # the blank line between blocks
        if used + cost > usable:
            break
        used += cost
        blocks.append(block)
        kept.append(i)
        numbering.update((x.n, x) for x in numbered)
        seen.update((x.doc_id, x.start, x.end) for x in numbered)
    messages = [*head, *turns, {"role": "user", "content": _user_message(blocks, question)}]
    return Prompt(messages=messages, numbering=numbering, budget_tokens=budget,
                  prompt_tokens=count_message_tokens(messages), passages_kept=kept,
                  passages_cut=[i for i in range(len(passages)) if i not in kept],
                  history_kept=len(turns) // 2)


# ---------------------------------------------------------------- reply


# [3]  [3, 4]  [3; 4]  [3-5]  [#3] — numbers in square brackets, alone or as a list or a short range.
_MARKER = re.compile(r"\[\s*#?(\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*#?\d+(?:\s*[-–]\s*\d+)?)*)\s*\]")
_MAX_RANGE = 20


def _marker_numbers(body: str) -> list[int]:
    """The numbers one marker names; a range expands unless it is implausibly long (then its two ends)."""
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body):
        ends = [int(x) for x in re.split(r"\s*[-–]\s*", part.lstrip("#"))]
        if len(ends) == 2 and 0 <= ends[1] - ends[0] <= _MAX_RANGE:
            out.extend(range(ends[0], ends[1] + 1))
        else:
            out.extend(ends)
    return out


def _tidy(text: str) -> str:
    """Tidy what removing a marker leaves: `Oman .` → `Oman.`, doubled spaces → one."""
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def strip_markers(text: str) -> str:
    """The text without citation markers, and without the space a marker leaves before punctuation."""
    return _tidy(_MARKER.sub("", text))


def _says_not_found(text: str) -> bool:
    words = re.sub(r"[^a-z]+", " ", strip_markers(text).lower()).strip()
    return " ".join(NOT_FOUND_MARKER.lower().split()) in words


def parse_reply(text: str, known: Sequence[int] | set[int] | dict[int, Any]) -> ParsedReply:
    """Cited numbers in order of first appearance; unknown ones dropped and counted; markers renumbered.

    ``not_found`` is set when the reply carries the not-in-the-articles marker and cites nothing valid.
    """
    valid = set(known)
    cited: list[int] = []
    dropped: list[int] = []
    dropped_count = 0

    def renumber(match: re.Match[str]) -> str:
        nonlocal dropped_count
        keep: list[int] = []
        for n in _marker_numbers(match.group(1)):
            if n in valid:
                if n not in cited:
                    cited.append(n)
                if cited.index(n) + 1 not in keep:
                    keep.append(cited.index(n) + 1)
            else:
                dropped_count += 1
                if n not in dropped:
                    dropped.append(n)
        return "[" + ", ".join(str(k) for k in keep) + "]" if keep else ""

    renumbered = _tidy(_MARKER.sub(renumber, text))
    return ParsedReply(raw=text, text=renumbered, plain=strip_markers(text), cited=cited, dropped=dropped,
                       dropped_count=dropped_count, not_found=not cited and _says_not_found(text))


# ---------------------------------------------------------------- the client


class _StreamProblem(Exception):
    """A reply that is not an answer: empty, cut off, or not the protocol."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _error_chain(err: BaseException) -> Iterator[BaseException]:
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
        text = progress.text
        tokens = progress.usage_tokens or _count(text)
        first = progress.first_at or progress.sent_at
        last = progress.last_at or first
        rate = (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0
        return GenerationDone(
            text=text, reply=parse_reply(text, prompt.numbering), prompt=prompt, completion_tokens=tokens,
            ttft_s=first - progress.sent_at, tokens_per_s=rate, total_s=time.perf_counter() - started,
            attempts=attempts,
        )


def _close_on_deadline(response: Any, deadline_hit: threading.Event) -> None:
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
