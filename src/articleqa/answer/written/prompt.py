"""The chat messages a model is asked with: retrieved passages as numbered sentences, fitted to a token budget.

The model never quotes: it sees each passage as numbered sentences ([1], [2], …) and cites numbers. Each number
maps back to the absolute offsets of a stored sentence (``Prompt.numbering``), so the caller quotes the stored
text itself and verifies it as it does for extractive answers. Pure functions, no network: building a prompt
never imports the ``openai`` client. See docs/written-answers.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...offline import tiktoken_encoding
from ...records import Passage
from .reply import NOT_FOUND_MARKER, strip_markers

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


def count_tokens(text: str) -> int:
    """cl100k_base tokens of a text: the one offline tokenizer, used for every budget and rate here."""
    return len(tiktoken_encoding("cl100k_base").encode_ordinary(text))


def _passage_sentences(passage: Passage) -> list[tuple[int, int]]:
    """Absolute sentence spans inside the chunk: the stored ones, else split here (same splitter as indexing)."""
    chunk = passage.chunk
    chunk_end = chunk.start + len(chunk.text)
    if passage.sentences:
        spans = [(max(s.start, chunk.start), min(s.end, chunk_end)) for s in passage.sentences]
        return sorted((s, e) for s, e in spans if e > s)
    from ...chunking import split_sentences

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
    """The last user turn: passages first, question last, so the model reads the evidence before the ask."""
    context = "\n\n".join(blocks) if blocks else "(no passages)"
    return f"Passages:\n\n{context}\n\nQuestion: {' '.join(question.split())}"


def _history_messages(history: Sequence[tuple[str, str]], budget: int) -> list[dict[str, str]]:
    """The most recent whole turns that fit ``budget``; old answers lose their markers (other numberings)."""
    kept: list[dict[str, str]] = []
    used = 0
    for question, answer in reversed(list(history)):
        turn = [{"role": "user", "content": " ".join(question.split())},
                {"role": "assistant", "content": strip_markers(answer)}]
        cost = sum(count_tokens(m["content"]) + _TOKENS_PER_MESSAGE for m in turn)
        if used + cost > budget:
            break
        kept[:0] = turn
        used += cost
    return kept


def count_message_tokens(messages: Sequence[dict[str, str]]) -> int:
    """cl100k_base tokens of a chat, with the per-message template overhead and the reply's priming."""
    return sum(count_tokens(m["content"]) + _TOKENS_PER_MESSAGE for m in messages) + _TOKENS_PRIMING


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
    used = fixed + sum(count_tokens(m["content"]) + _TOKENS_PER_MESSAGE for m in turns)
    blocks: list[str] = []
    numbering: dict[int, NumberedSentence] = {}
    seen: set[tuple[str, int, int]] = set()
    kept: list[int] = []
    for i, passage in enumerate(passages):
        block, numbered = _render_passage(passage, i, len(numbering) + 1, seen)
        cost = count_tokens(block) + 2  # the blank line between blocks
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
