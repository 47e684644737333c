"""A shaped answer written by a language model: the same shape, from the same verified sentences.

The model sees only the sentences the extractive shape chose and verified (the overview's sentences, the list
items' sentences, the explanation's sentence), numbered as usual, and an instruction for the shape; its claims are
then checked against them like any written answer (``answer/support.py``). Lives with the written answer rather
than with the shapes because it is the written answer's input, never a shape's. See docs/written-answers.md."""

from __future__ import annotations

from ...records import Answer, Chunk, Passage, SentenceScore

INSTRUCTIONS = {
    "overview": ("Summarize what these sentences say in three to five short points, one per line starting with "
                 "'- ', each ending with the number of the sentence it comes from."),
    "list": ("Name every answer the sentences give, one per line starting with '- ', each ending with the number "
             "of its sentence."),
    "explanation": "Give the reason or the manner in one or two sentences, each ending with its sentence number.",
}


def written_request(answer: Answer) -> tuple[str, list[Passage]] | None:
    """(question with the shape's instruction, the shape's verified sentences as passages), or None for a
    factoid or an answer without a shape's sentences."""
    if answer.kind not in INSTRUCTIONS or not answer.answerable or not answer.parts:
        return None
    passages: list[Passage] = []
    for c in answer.citations:
        if c.kind != "quote" or not c.quote:
            continue
        chunk = Chunk(f"{c.doc_id}:{c.start}-{c.end}", c.doc_id, c.quote, c.start, c.end, 0)
        passages.append(Passage(chunk, c.score, len(passages) + 1, {}, c.title, c.source,
                                [SentenceScore(c.start, c.end, 1.0)]))
    if not passages:
        return None
    asked = answer.rewritten_question or answer.question
    return f"{asked}\n{INSTRUCTIONS[answer.kind]}", passages

