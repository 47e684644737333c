"""The request record: one question and everything that shapes its answer, checked once at the door.

Every entry point (CLI, Python API, web chat, ``/ask``, eval, bench) builds one of these; the ask pipeline reads
nothing else. See docs/architecture.md."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from ..filters import DateLike, Filters
from ..question import checked_question, clean_question


class AskOptions(TypedDict, total=False):
    """The keyword arguments every way of asking takes (``Assistant.ask``, ``.stream``, ``Conversation.ask``).

    ``doc_ids``, ``sources``, ``authors`` and ``published_after``/``published_before`` (ISO YYYY-MM-DD, YYYY-MM
    or YYYY, inclusive) restrict the search before ranking (:mod:`articleqa.filters`); ``top_k``: passages
    kept; ``history``: earlier questions of the same chat, oldest first."""

    doc_ids: Sequence[str] | None
    sources: str | Sequence[str] | None
    authors: str | Sequence[str] | None
    published_after: DateLike
    published_before: DateLike
    top_k: int | None
    history: Sequence[str] | None


@dataclass(frozen=True)
class AskRequest:
    """``question``: the user's words, cleaned. ``history``: earlier questions of the same chat, oldest first.
    ``standalone`` and ``about_doc`` are filled by follow-up resolution (:func:`articleqa.ask.followup.resolve`):
    the question rewritten to stand alone ("Who urged the talks?"), and the article the chat was about."""

    question: str
    filters: Filters = field(default_factory=Filters)
    doc_ids: tuple[str, ...] | None = None
    top_k: int | None = None
    history: tuple[str, ...] = ()
    standalone: str | None = None
    about_doc: str | None = None

    @classmethod
    def of(cls, question: str, **options: Unpack[AskOptions]) -> AskRequest:
        """The request for the public keyword arguments; InputError (the same at every door) for an empty or
        over-long question, a bad date or an empty date range."""
        unknown = set(options) - set(AskOptions.__annotations__)
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        return cls.checked(
            question,
            Filters.of(options.get("sources"), options.get("authors"), options.get("published_after"),
                       options.get("published_before")),
            doc_ids=options.get("doc_ids"), top_k=options.get("top_k"), history=options.get("history"),
        )

    @classmethod
    def checked(
        cls, question: str, filters: Filters | None = None, *, doc_ids: Sequence[str] | None = None,
        top_k: int | None = None, history: Sequence[str] | None = None,
    ) -> AskRequest:
        """The request for a question and filters a caller built itself (the CLI and the web UI name the bad date
        after their own option or box)."""
        return cls(
            checked_question(question),
            filters or Filters(),
            tuple(doc_ids) if doc_ids is not None else None,
            top_k,
            tuple(clean_question(q) for q in history or ()),
        )

    @property
    def text(self) -> str:
        """What is answered: the standalone rewrite when there is one, else the question."""
        return self.standalone or self.question

    @property
    def asked_as(self) -> str | None:
        """The user's own words when ``text`` is a rewrite: they decide the answer's type and shape."""
        return self.question if self.standalone else None

    def earlier(self, question: str) -> AskRequest:
        """An earlier question of the same chat, in the same scope, without its own history or top_k."""
        return AskRequest(checked_question(question), self.filters, self.doc_ids)

    def with_(self, **changes: Any) -> AskRequest:
        return dataclasses.replace(self, **changes)

    def cache_key(self, k: int, generation: str | None) -> tuple[Any, ...]:
        """Everything the extractive answer depends on."""
        return (self.text, self.asked_as, self.about_doc, self.doc_ids, self.filters.key(), k, generation)
