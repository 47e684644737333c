"""A chat held in Python: its turns, each answered with the ones before it (``Assistant.chat()``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Unpack

from ..records import Answer
from .followup import Turn, last_article, resolve
from .pipeline import AskPipeline
from .request import AskOptions, AskRequest


@dataclass
class Conversation:
    """Holds the turns of one chat; each ask() resolves its question against the earlier turns."""

    pipeline: AskPipeline
    turns: list[Turn] = field(default_factory=list)

    def ask(self, question: str, **options: Unpack[AskOptions]) -> Answer:
        """The extractive answer; ``options`` as for :meth:`articleqa.Assistant.ask` (without ``history``: the
        conversation is the history)."""
        if options.get("history"):
            raise TypeError("a Conversation keeps its own history; ask without history=")
        turn = self.pipeline.turn(resolve(AskRequest.of(question, **options), self.turns))
        self.turns.append(turn)
        assert turn.answer is not None
        return turn.answer

    @property
    def last_article(self) -> str | None:
        """The article the latest cited answer came from."""
        return last_article(self.turns)

    @property
    def history(self) -> list[str]:
        return [t.question for t in self.turns]

    def reset(self) -> None:
        self.turns.clear()
