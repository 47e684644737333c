"""Written answers: an optional OpenAI-compatible language model writes the answer from verified passages.

Off by default and offline by default. The path, module by module:

* ``shapes`` — for a list, explanation or overview, the shape's own verified sentences and an instruction;
* ``prompt`` — those passages as numbered sentences, fitted to the model's token budget;
* ``client`` — ``Generator`` streams the reply (``openai`` imported only when a question is asked);
* ``events`` — what the stream yields: ``TextDelta`` pieces, then ``GenerationDone`` or ``GenerationFailed``;
* ``reply`` — the cited numbers read out of the reply, invented ones dropped;
* ``verify`` — the numbers turned into verified stored-sentence citations and the claims checked against them,
  or the extractive answer with a notice when they do not hold;
* ``write`` — ``write_answer``: the steps above as one call, the written step of the ask path.

See docs/written-answers.md for the protocol and how to point it at a server.
"""

from __future__ import annotations

from .client import Generator, GeneratorConfig
from .events import GenerationDone, GenerationEvent, GenerationFailed, TextDelta
from .prompt import EXAMPLE_TURN, SYSTEM_PROMPT, NumberedSentence, Prompt, build_prompt, count_message_tokens
from .reply import NOT_FOUND_MARKER, ParsedReply, parse_reply, strip_markers
from .shapes import INSTRUCTIONS, written_request
from .verify import UNSOURCED, UNSUPPORTED, answer_from_failure, answer_from_generation, fallback
from .write import write_answer

__all__ = [
    "EXAMPLE_TURN", "INSTRUCTIONS", "NOT_FOUND_MARKER", "SYSTEM_PROMPT", "UNSOURCED", "UNSUPPORTED",
    "GenerationDone", "GenerationEvent", "GenerationFailed", "Generator", "GeneratorConfig", "NumberedSentence",
    "ParsedReply", "Prompt", "TextDelta", "answer_from_failure", "answer_from_generation", "build_prompt",
    "count_message_tokens", "fallback", "parse_reply", "strip_markers", "write_answer", "written_request",
]
