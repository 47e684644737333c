"""The facade: one object over the library (add, remove, versions), the live index (store + newest generation),
the shared models and the ask pipeline. CLI, web UI, server, eval and bench all go through it.

See docs/architecture.md for the path a question takes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Unpack

from .answer import Reader
from .answer.written import Generator
from .ask import AskOptions, AskPipeline, AskRequest, Conversation
from .config import DEFAULT_MODEL, Settings
from .embedding import Embedder, canonical_model_name
from .errors import ModelMismatchError
from .library import Library, Source
from .live import LiveIndex
from .models import load_models, shared_embedder
from .progress import Progress
from .records import AddReport, Answer, Document, DocumentInfo
from .store import Snapshot, Store, open_store


class Assistant:
    """Build or open an index, then ask questions about its articles."""

    def __init__(
        self, index_dir: str | Path, settings: Settings, embedder: Embedder, store: Store | None = None
    ) -> None:
        self.index_dir = Path(index_dir)
        self.where = settings.location  # the folder or the Milvus URI, for messages
        self.embedder = embedder
        self.models = load_models(settings, embedder)
        self.store = store or open_store(settings.with_(index_dir=str(self.index_dir)))
        self.live = LiveIndex(self.store, self.where)
        self.settings = settings
        self.last_report: AddReport | None = None

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        """New settings take effect from the next question (its answer cache starts empty)."""
        self._settings = settings
        self.library = Library(settings, self.embedder, self.live)
        self.pipeline = AskPipeline(settings, self.models, self.live)

    @property
    def reader(self) -> Reader:
        return self.models.reader

    @property
    def generator(self) -> Generator | None:
        """The language model client that writes answers (None: answers are extractive)."""
        return self.models.generator

    @generator.setter
    def generator(self, generator: Generator | None) -> None:
        """Another writer (or none) from the next question on; tests script one this way."""
        self.models = dataclasses.replace(self.models, generator=generator)
        self.pipeline = AskPipeline(self._settings, self.models, self.live)

    # ---------------------------------------------------------------- construction
    @classmethod
    def build(
        cls,
        sources: Sequence[Source],
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        model: str | None = None,
        progress: bool | Progress = False,
        rebuild: bool = False,
    ) -> Assistant:
        """Index ``sources`` (files, folders or Documents) into ``index_dir``, creating it if needed."""
        settings = (settings or Settings.from_env()).with_(model=model, index_dir=str(index_dir) if index_dir else None)
        store = open_store(settings)
        if store.exists() and not rebuild:
            qa = cls.open(settings.index_dir, settings=settings, model=model)
        else:
            # A rebuild writes a fresh generation beside the old one and swaps it in: a crash midway keeps
            # the old index, and a damaged old index is never read.
            settings = settings.with_(model=settings.model or DEFAULT_MODEL)
            qa = cls(settings.index_dir, settings, shared_embedder(settings), store)
        qa.last_report = qa.add(sources, progress=progress, fresh=rebuild)
        return qa

    @classmethod
    def open(
        cls, index_dir: str | Path | None = None, *, settings: Settings | None = None, model: str | None = None
    ) -> Assistant:
        """Open an existing index; refuses one built with another embedding model than ``model``."""
        settings = (settings or Settings.from_env()).with_(index_dir=str(index_dir) if index_dir else None)
        store = open_store(settings)
        built_with = str(store.manifest()["model"])
        requested = model or settings.model
        if requested and canonical_model_name(requested) != built_with:
            raise ModelMismatchError(
                f"the index in {settings.location} was built with model {built_with!r}, not {requested!r}; "
                f"use --model {built_with}, or rebuild it with `articleqa index --rebuild PATH... --model {requested}`"
            )
        settings = settings.with_(model=built_with)
        qa = cls(settings.index_dir, settings, shared_embedder(settings), store)
        qa.snapshot()
        return qa

    # ---------------------------------------------------------------- the library
    def add(self, sources: Sequence[Source], *, progress: bool | Progress = False, fresh: bool = False) -> AddReport:
        """Ingest, chunk, embed and store new documents; see :meth:`articleqa.library.Library.add`."""
        return self.library.add(sources, progress=progress, fresh=fresh)

    def remove(self, doc_id: str) -> bool:
        """Remove one document; False if it was not in the index (see :mod:`articleqa.removals`)."""
        return self.library.remove(doc_id)

    def documents(self) -> list[DocumentInfo]:
        return self.library.documents()

    def document(self, doc_id: str) -> Document:
        """The stored document; InputError naming the id when there is none."""
        return self.library.document(doc_id)

    def info(self) -> dict[str, Any]:
        return self.library.info()

    def snapshot(self) -> Snapshot | None:
        """The newest complete generation of the index (None: nothing indexed yet)."""
        return self.live.current()

    # ---------------------------------------------------------------- questions
    def ask(self, question: str | AskRequest, **options: Unpack[AskOptions]) -> Answer:
        """Answer one question. ``options`` (:class:`articleqa.ask.AskOptions`): ``doc_ids``, ``sources``,
        ``authors``, ``published_after``/``published_before`` (ISO YYYY-MM-DD, YYYY-MM or YYYY, inclusive) restrict
        the search before ranking; ``top_k``; ``history`` = earlier questions of the same chat, oldest first.
        With a language model configured (``Settings.llm_url``) the answer is written by it; see :meth:`stream`."""
        final: Answer | None = None
        for item in self.stream(question, **options):
            if isinstance(item, Answer):
                final = item
        assert final is not None  # stream always ends with the Answer
        return final

    def stream(self, question: str | AskRequest, **options: Unpack[AskOptions]) -> Iterator[str | Answer]:
        """Pieces of the written answer as the language model sends them, then the complete Answer (always the
        last item); without a language model only the Answer. See :meth:`articleqa.ask.AskPipeline.stream`."""
        if isinstance(question, AskRequest):
            if options:
                raise TypeError("pass either an AskRequest or a question with keyword options, not both")
            request = question
        else:
            request = AskRequest.of(question, **options)
        yield from self.pipeline.stream(request)

    def chat(self) -> Conversation:
        """A conversation whose follow-up questions are resolved against earlier turns."""
        return Conversation(self.pipeline)


__all__ = ["Assistant"]
