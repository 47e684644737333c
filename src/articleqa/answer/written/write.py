"""The written step of the ask path: one call from an extractive answer to the model's streamed, checked answer.

The extractive answer comes first and is always kept: the model writes from the passages it was built from (or,
for a list, explanation or overview, from the shape's own verified sentences), its text streams as it arrives,
and the last item is the written answer with verified citations or the extractive answer with a notice. Kept
here rather than in the facade so the whole written path — request, prompt, stream, verification — lives in one
package and the facade only decides whether a model is configured. See docs/written-answers.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

from ...records import Answer
from .client import Generator
from .events import GenerationDone, TextDelta
from .shapes import written_request
from .verify import answer_from_failure, answer_from_generation

log = logging.getLogger(__name__)


def write_answer(
    generator: Generator, extractive: Answer, history: Sequence[tuple[str, str]],
    text_of: Callable[[str], str | None],
) -> Iterator[str | Answer]:
    """The model's text pieces as they arrive, then exactly one Answer (written, or extractive with a notice).

    ``history``: earlier (question, answer text) turns, most recent last; ``text_of``: a document's stored text
    by id, what every citation is verified against. Pieces shown before a failure are superseded by the final
    Answer, which the caller shows in their place.
    """
    asked = extractive.rewritten_question or extractive.question
    passages = extractive.passages
    shaped = written_request(extractive)
    if shaped is not None:  # a list, explanation or overview: written from the shape's own verified sentences
        asked, passages = shaped
    for event in generator.stream(asked, passages, history):
        if isinstance(event, TextDelta):
            yield event.text
        elif isinstance(event, GenerationDone):
            written = answer_from_generation(event, extractive, passages, text_of, generator.config.model)
            if written.generated_by:
                written.kind, written.parts = extractive.kind, []
            yield written
        else:
            log.warning("%s", event.notice)
            yield answer_from_failure(event, extractive)
