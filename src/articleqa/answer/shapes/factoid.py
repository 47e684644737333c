"""Factoid: the reader's best span, as it always was (``build_answer``), in the shapes' component form."""

from __future__ import annotations

from collections.abc import Sequence

from ...records import Answer, Passage
from ..reader import Reader, Reading


class Factoid:
    """The factoid shape. Constructor = contract (reader, abstention threshold, citations, passages read)."""

    def __init__(self, reader: Reader, threshold: float | None, max_citations: int = 3, read_passages: int = 2) -> None:
        self.reader = reader
        self.threshold = threshold
        self.max_citations = max_citations
        self.read_passages = read_passages

    def read(self, question: str, passages: Sequence[Passage]) -> Reading:
        """The reader over the passages this shape reads (other shapes reuse the reading)."""
        read = passages[: self.read_passages]
        return self.reader.read(question, [p.chunk.text for p in read], [p.chunk.start for p in read])

    def run(self, question: str, passages: list[Passage], question_type: str | None = None,
            reading: Reading | None = None) -> Answer:
        from .. import build_answer

        return build_answer(question, passages, self.reader, threshold=self.threshold,
                            max_citations=self.max_citations, read_passages=self.read_passages,
                            question_type=question_type, reading=reading)


__all__ = ["Factoid"]
