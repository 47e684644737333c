"""The library: what is indexed, and the only writer of new generations (add, replace, remove).

Every write takes the store's lock, starts from the newest generation and publishes a complete new one, so a
crash midway leaves the old index as it was. See docs/architecture.md."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import ingest
from .config import Settings
from .embedding import Embedder
from .errors import ArticleQAError, InputError, ModelMismatchError
from .indexing import Prepared, prepare_documents
from .ingest.language import tag_language
from .live import LiveIndex
from .progress import Progress, progress_for
from .records import AddReport, Document, DocumentInfo, Skipped
from .removals import Plan, named_files, plan_add, removed_entries, with_removed
from .store import Snapshot

log = logging.getLogger(__name__)

Source = str | Path | Document


def _source_key(source: str) -> str:
    try:
        return str(Path(source).resolve())
    except (OSError, ValueError):
        return source


def older_versions(base: Snapshot, read: Sequence[Document], skipped: Sequence[Skipped]) -> list[DocumentInfo]:
    """Documents the index holds from a file that was just read again and now reads differently: the file's
    current documents replace them. A file with any unreadable part keeps its old documents (nothing is lost
    to a half-read file)."""
    current: dict[str, set[str]] = {}
    for d in read:
        if d.source:
            current.setdefault(_source_key(d.source), set()).add(d.doc_id)
    if not current:
        return []
    damaged = {_source_key(s.path.split("[", 1)[0].rsplit(":", 1)[0]) for s in skipped} | {
        _source_key(s.path) for s in skipped
    }
    return [
        info for info in base.document_infos()
        if info.source and (key := _source_key(info.source)) in current and key not in damaged
        and info.doc_id not in current[key]
    ]


class Library:
    """Adds and removes documents; reads the document list and records from the live index."""

    def __init__(self, settings: Settings, embedder: Embedder, live: LiveIndex) -> None:
        self.settings = settings
        self.embedder = embedder
        self.live = live
        self.store = live.store

    # ---------------------------------------------------------------- reading
    def documents(self) -> list[DocumentInfo]:
        snap = self.live.current()
        return snap.document_infos() if snap else []

    def document(self, doc_id: str) -> Document:
        snap = self.live.current()
        doc = snap.document(doc_id) if snap else None
        if doc is None:
            raise InputError(f"no document {doc_id!r} in {self.live.where}; `articleqa docs` lists the ids")
        return doc

    def info(self) -> dict[str, Any]:
        snap = self.live.current()
        return dict(snap.manifest) if snap else {"model": self.embedder.name, "n_documents": 0, "n_chunks": 0}

    # ---------------------------------------------------------------- writing
    def add(self, sources: Sequence[Source], *, progress: bool | Progress = False, fresh: bool = False) -> AddReport:
        """Ingest, chunk, embed and store new documents; already-indexed ones are reported, not re-added.

        ``progress``: True for bars in a terminal, or a :class:`~articleqa.progress.Progress` of the caller's
        (the CLI passes plain timed lines when its output is not a terminal); closed when the job ends.
        ``fresh``: the new generation holds only these documents (``--rebuild``)."""
        started = time.perf_counter()
        bars = progress_for(progress) if isinstance(progress, bool) else progress
        try:
            return self._add(sources, bars, fresh, started)
        finally:
            bars.close()

    def remove(self, doc_id: str) -> bool:
        """Remove one document; False if it was not in the index. It stays out when its folder is indexed
        again, until its file is added by hand or changes (see :mod:`articleqa.removals`)."""
        with self.store.lock():
            base = self.store.open_snapshot()
            if not base.has_document(doc_id):
                return False
            meta = base.document_meta([doc_id]).get(doc_id)
            removed = with_removed(removed_entries(base.manifest), doc_id, meta.source if meta else "",
                                   meta.title if meta else "")
            self.store.write([], {doc_id}, model=self.embedder.name, dim=self.embedder.dim, base=base,
                             removed_by_user=removed)
        self.live.current()
        return True

    def _read(self, sources: Sequence[Source], progress: Progress) -> tuple[list[Document], list[Skipped]]:
        docs: list[Document] = [s for s in sources if isinstance(s, Document)]
        paths = [s for s in sources if not isinstance(s, Document)]
        skipped: list[Skipped] = []
        if paths:
            progress.stage("reading files", None, "file")
            result = ingest.load_paths(paths, max_file_mb=self.settings.max_file_mb, on_file=progress.advance)
            docs.extend(result.documents)
            skipped.extend(result.skipped)
        return docs, skipped

    def _base(self, fresh: bool) -> Snapshot | None:
        base = self.store.open_snapshot() if self.store.exists() and not fresh else None
        if base is not None and base.model != self.embedder.name:
            raise ModelMismatchError(
                f"the index in {self.live.where} was built with model {base.model!r}, "
                f"not {self.embedder.name!r}; rebuild it with --rebuild to change models"
            )
        return base

    def _plan(
        self, sources: Sequence[Source], docs: list[Document], given: set[int], base: Snapshot | None,
        report: AddReport,
    ) -> tuple[list[Document], set[str], Plan]:
        """(new documents, their ids, the plan): documents the user removed stay out when their folder is
        indexed again (make run does that); ones already indexed are reported as duplicates. ``given``: ids of the
        Documents passed in rather than read from files."""
        plan = plan_add(removed_entries(base.manifest if base is not None else self._previous_manifest()),
                        docs, given, named_files(s for s in sources if not isinstance(s, Document)))
        new_documents: list[Document] = []
        seen: set[str] = set()
        for doc in docs:
            if doc.doc_id in plan.left_out:
                report.left_out.append(doc)
            elif doc.doc_id in seen or (base is not None and base.has_document(doc.doc_id)):
                report.duplicates.append(doc)
            else:
                seen.add(doc.doc_id)
                new_documents.append(doc)
        return new_documents, seen, plan

    def _add(self, sources: Sequence[Source], progress: Progress, fresh: bool, started: float) -> AddReport:
        docs, skipped = self._read(sources, progress)
        report = AddReport(skipped=skipped)
        with self.store.lock():
            base = self._base(fresh)
            given = {id(s) for s in sources if isinstance(s, Document)}  # documents passed in, not read from files
            new_documents, seen, plan = self._plan(sources, docs, given, base, report)
            replaced = older_versions(base, [d for d in docs if id(d) not in given], skipped) if base else []
            remove = {info.doc_id for info in replaced}
            if not new_documents and not remove:  # nothing to write: the index (or its absence) stays as it was
                report.seconds = time.perf_counter() - started
                return report
            new_documents = tag_language(new_documents)  # the reader reads English: another language is named
            to_embed = new_documents
            if base is not None and not base.has_sentences:
                # An index written before sentence vectors were stored: re-embed its documents too, once.
                log.info("upgrading the index in %s to store sentence vectors", self.live.where)
                to_embed = [*(d for d in base.documents() if d.doc_id not in remove), *new_documents]
                base, remove = None, set()
            prepared = self._embed(to_embed, base, progress)
            self.store.write(
                prepared.documents, remove, model=self.embedder.name, dim=self.embedder.dim, base=base,
                sources=[str(s) for s in sources if not isinstance(s, Document)], encoder=self.embedder.backend,
                progress=lambda msg: progress.stage(msg), removed_by_user=plan.entries,
            )
        report.replaced = replaced
        report.added = new_documents
        report.n_chunks = sum(len(nd.chunks) for nd in prepared.documents if nd.document.doc_id in seen)
        report.n_sentences = prepared.n_units
        report.n_sentences_embedded = prepared.n_encoded
        report.seconds = time.perf_counter() - started
        self.live.current()
        return report

    def _embed(self, docs: list[Document], base: Snapshot | None, progress: Progress) -> Prepared:
        """Segment and embed; sentences whose text is already indexed reuse their stored vectors."""
        prepared = prepare_documents(
            docs, self.embedder.encode, chunk_tokens=self.settings.chunk_tokens,
            overlap_tokens=self.settings.chunk_overlap_tokens, base=base, progress=progress,
        )
        if prepared.n_reused:
            log.info("reused %d of %d sentence vectors already in the index", prepared.n_reused, prepared.n_units)
        return prepared

    def _previous_manifest(self) -> dict[str, Any] | None:
        """The current manifest when a write starts from nothing (``--rebuild``): its removed list carries on."""
        try:
            return self.store.manifest() if self.store.exists() else None
        except ArticleQAError:  # a damaged index being rebuilt
            return None
