"""The facade: the only module that knows every pipeline stage (ingest → … → answer)."""

from __future__ import annotations

import copy
import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import ingest
from .answer import NOT_FOUND, Reader, find_model_dir, quote_is_verbatim, verify_citations
from .answer.about import (
    MAX_LISTED,
    AboutArticle,
    answer_about,
    article_question,
    field_value,
    names_document,
    unnamed_article,
)
from .answer.shapes import ArticleSentences, Explanation, Factoid, ListShape, Overview, ShapeRequest, recognise, unit
from .answer.written import (
    GenerationDone,
    Generator,
    GeneratorConfig,
    TextDelta,
    answer_from_failure,
    answer_from_generation,
    written_request,
)
from .chat import Conversation, Turn, rewrite
from .config import DEFAULT_MODEL, Settings
from .embedding import Embedder, canonical_model_name
from .errors import ArticleQAError, InputError, ModelMismatchError
from .filters import LIST_HINT, DateLike, DocFields, Filters
from .indexing import Prepared, prepare_documents
from .ingest.language import language_notice, tag_language
from .progress import Progress, progress_for
from .question import checked_question, classify
from .records import AddReport, Answer, Document, DocumentInfo, Passage, Skipped
from .removals import named_files, plan_add, removed_entries, with_removed
from .retrieval import retrieve
from .store import AnySnapshot, Store, open_store

log = logging.getLogger(__name__)

_EMBEDDERS: dict[tuple[str, int, str, str], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()
_READERS: dict[tuple[str, int], Reader] = {}

Source = str | Path | Document


def shared_embedder(settings: Settings) -> Embedder:
    """One loaded model per process, whichever Assistant asks for it."""
    model = settings.model or DEFAULT_MODEL
    key = (canonical_model_name(model), settings.batch_size, settings.embedding_backend, settings.onnx_cache)
    with _EMBEDDERS_LOCK:
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = Embedder(
                model, settings.batch_size, backend=settings.embedding_backend,
                onnx_cache=Path(settings.onnx_cache) if settings.onnx_cache else None,
                allow_network=settings.allow_network,
            )
        return _EMBEDDERS[key]


def shared_reader(configured: str, threads: int) -> Reader:
    """One loaded reader per process and model folder; a missing or damaged model is a ReaderModelError."""
    path = find_model_dir(configured or None).resolve()
    key = (str(path), threads)
    with _EMBEDDERS_LOCK:
        if key not in _READERS:
            _READERS[key] = Reader(path, threads=threads)
        return _READERS[key]


def make_generator(settings: Settings) -> Generator | None:
    """The language model that writes answers, when ``llm_url`` is set; nothing is contacted until a question."""
    if not settings.llm_url:
        return None
    if not settings.llm_model:
        raise InputError("a language model URL needs its model name too: add --llm-model NAME (ARTICLEQA_LLM_MODEL)")
    try:
        return Generator(GeneratorConfig(
            settings.llm_url, settings.llm_model, api_key=settings.llm_api_key, timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
            context_tokens=settings.llm_context_tokens, max_seconds=settings.llm_answer_seconds,
        ))
    except ValueError as exc:
        raise InputError(f"the language model settings are not usable: {exc}") from exc


def _stored_documents(snap: AnySnapshot | None) -> Callable[[str], Document | None]:
    """Stored documents by id, each read once: what citations are verified against."""
    docs: dict[str, Document | None] = {}

    def doc_of(doc_id: str) -> Document | None:
        if doc_id not in docs:
            docs[doc_id] = snap.document(doc_id) if snap is not None else None
        return docs[doc_id]

    return doc_of


def _document_texts(snap: AnySnapshot | None) -> Callable[[str], str | None]:
    """Stored document texts by id, each read once."""
    doc_of = _stored_documents(snap)
    return lambda doc_id: doc.text if (doc := doc_of(doc_id)) is not None else None


def _source_key(source: str) -> str:
    try:
        return str(Path(source).resolve())
    except (OSError, ValueError):
        return source


def _older_versions(base: AnySnapshot, read: Sequence[Document], skipped: Sequence[Skipped]) -> list[DocumentInfo]:
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


class Assistant:
    """Build or open an index, then ask questions about its articles."""

    def __init__(
        self, index_dir: str | Path, settings: Settings, embedder: Embedder, store: Store | None = None
    ) -> None:
        self.index_dir = Path(index_dir)
        self.where = settings.location  # the folder or the Milvus URI, for messages
        self.settings = settings
        self.embedder = embedder
        self.reader = shared_reader(settings.reader_model, settings.reader_threads)
        self.store = store or open_store(settings.store, self.index_dir, token=settings.milvus_token,
                                         crash_at=settings.crash_at)
        self.generator = make_generator(settings)
        self._snapshot: AnySnapshot | None = None
        self._stamp: tuple[int, int] = (0, 0)
        self._snap_lock = threading.Lock()
        # Recent answers by (question, rewrite source, filters, generation): replaying a chat's history
        # for a follow-up costs nothing when those questions were just asked.
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._answers_lock = threading.Lock()
        self._fields: tuple[str, list[DocFields]] | None = None  # (generation, every document's filter fields)
        self._articles: OrderedDict[tuple[str, str], ArticleSentences] = OrderedDict()  # (generation, doc_id)
        self._articles_lock = threading.Lock()
        self.overview = Overview(max_articles=MAX_LISTED)
        self.explanation = Explanation()
        self.listing = ListShape(self.reader)

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
        store = open_store(settings.store, settings.index_dir, token=settings.milvus_token, crash_at=settings.crash_at)
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
        store = open_store(settings.store, settings.index_dir, token=settings.milvus_token, crash_at=settings.crash_at)
        manifest = store.manifest()
        built_with = str(manifest["model"])
        requested = model or settings.model
        if requested and canonical_model_name(requested) != built_with:
            raise ModelMismatchError(
                f"the index in {settings.location} was built with model {built_with!r}, not {requested!r}; "
                f"use --model {built_with}, or rebuild it with `articleqa index --rebuild PATH... --model {requested}`"
            )
        settings = settings.with_(model=built_with)
        qa = cls(settings.index_dir, settings, shared_embedder(settings), store)
        qa._current()
        return qa

    # ---------------------------------------------------------------- snapshot
    def _current(self) -> AnySnapshot | None:
        """The newest complete generation; reopened when any process has written a new one."""
        stamp = self.store.manifest_stamp()
        if self._snapshot is not None and stamp == self._stamp:
            return self._snapshot
        with self._snap_lock:
            stamp = self.store.manifest_stamp()
            if self._snapshot is None or stamp != self._stamp:
                if not self.store.exists():
                    return None
                self._snapshot = self.store.open_snapshot()
                self._stamp = stamp
            return self._snapshot

    # ---------------------------------------------------------------- documents
    def _documents_from(
        self, sources: Sequence[Source], progress: Progress | None = None
    ) -> tuple[list[Document], list[Skipped]]:
        docs: list[Document] = [s for s in sources if isinstance(s, Document)]
        paths = [s for s in sources if not isinstance(s, Document)]
        skipped: list[Skipped] = []
        if paths:
            if progress is not None:
                progress.stage("reading files", None, "file")
            result = ingest.load_paths(paths, max_file_mb=self.settings.max_file_mb,
                                       on_file=progress.advance if progress is not None else None)
            docs.extend(result.documents)
            skipped.extend(result.skipped)
        return docs, skipped

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

    def _add(self, sources: Sequence[Source], progress: Progress, fresh: bool, started: float) -> AddReport:
        docs, skipped = self._documents_from(sources, progress)
        report = AddReport(skipped=skipped)
        with self.store.lock():
            base = self.store.open_snapshot() if self.store.exists() and not fresh else None
            if base is not None and base.model != self.embedder.name:
                raise ModelMismatchError(
                    f"the index in {self.where} was built with model {base.model!r}, "
                    f"not {self.embedder.name!r}; rebuild it with --rebuild to change models"
                )
            given = {id(s) for s in sources if isinstance(s, Document)}  # documents passed in, not read from files
            # Documents the user removed stay out when their folder is indexed again (make run does that).
            plan = plan_add(removed_entries(base.manifest if base is not None else self._previous_manifest()),
                            docs, given, named_files(s for s in sources if not isinstance(s, Document)))
            new_documents: list[Document] = []
            seen: set[str] = set()
            for doc in docs:
                if doc.doc_id in plan.left_out:
                    report.left_out.append(doc)
                    continue
                if doc.doc_id in seen or (base is not None and base.has_document(doc.doc_id)):
                    report.duplicates.append(doc)
                    continue
                seen.add(doc.doc_id)
                new_documents.append(doc)
            path_docs = [d for d in docs if id(d) not in given]
            replaced = _older_versions(base, path_docs, skipped) if base is not None else []
            remove = {info.doc_id for info in replaced}
            if not new_documents and not remove:  # nothing to write: the index (or its absence) stays as it was
                report.seconds = time.perf_counter() - started
                return report
            new_documents = tag_language(new_documents)  # the reader reads English: another language is named
            to_embed = new_documents
            if base is not None and not base.has_sentences:
                # An index written before sentence vectors were stored: re-embed its documents too, once.
                log.info("upgrading the index in %s to store sentence vectors", self.where)
                to_embed = [*(d for d in base.documents() if d.doc_id not in remove), *new_documents]
                base, remove = None, set()
            prepared = self._embed_documents(to_embed, base, progress)
            new_docs = prepared.documents
            sources_seen = [str(s) for s in sources if not isinstance(s, Document)]
            self.store.write(
                new_docs, remove, model=self.embedder.name, dim=self.embedder.dim, base=base, sources=sources_seen,
                encoder=self.embedder.backend, progress=lambda msg: progress.stage(msg), removed_by_user=plan.entries,
            )
        report.replaced = replaced
        report.added = new_documents
        report.n_chunks = sum(len(nd.chunks) for nd in new_docs if nd.document.doc_id in seen)
        report.n_sentences = prepared.n_units
        report.n_sentences_embedded = prepared.n_encoded
        report.seconds = time.perf_counter() - started
        self._current()
        return report

    def _embed_documents(self, docs: list[Document], base: AnySnapshot | None, progress: Progress) -> Prepared:
        """Segment and embed; sentences whose text is already indexed reuse their stored vectors."""
        prepared = prepare_documents(
            docs,
            self.embedder.encode,
            chunk_tokens=self.settings.chunk_tokens,
            overlap_tokens=self.settings.chunk_overlap_tokens,
            base=base,
            progress=progress,
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
        self._current()
        return True

    def documents(self) -> list[DocumentInfo]:
        snap = self._current()
        return snap.document_infos() if snap else []

    def document(self, doc_id: str) -> Document:
        snap = self._current()
        doc = snap.document(doc_id) if snap else None
        if doc is None:
            raise InputError(f"no document {doc_id!r} in {self.where}; `articleqa docs` lists the ids")
        return doc

    def info(self) -> dict[str, Any]:
        snap = self._current()
        return dict(snap.manifest) if snap else {"model": self.embedder.name, "n_documents": 0, "n_chunks": 0}

    # ---------------------------------------------------------------- questions
    def ask(
        self,
        question: str,
        *,
        doc_ids: Sequence[str] | None = None,
        sources: str | Sequence[str] | None = None,
        authors: str | Sequence[str] | None = None,
        published_after: DateLike = None,
        published_before: DateLike = None,
        top_k: int | None = None,
        history: Sequence[str] | None = None,
    ) -> Answer:
        """Answer one question; ``history`` = earlier questions of the same chat, oldest first.

        ``doc_ids``, ``sources``, ``authors`` and ``published_after``/``published_before`` (ISO YYYY-MM-DD,
        YYYY-MM or YYYY, inclusive) restrict the search before ranking; see :mod:`articleqa.filters`.
        With a language model configured (``Settings.llm_url``) the answer is written by it; see :meth:`stream`."""
        final: Answer | None = None
        for item in self.stream(question, doc_ids=doc_ids, sources=sources, authors=authors,
                                published_after=published_after, published_before=published_before, top_k=top_k,
                                history=history):
            if isinstance(item, Answer):
                final = item
        assert final is not None  # stream always ends with the Answer
        return final

    def stream(
        self,
        question: str,
        *,
        doc_ids: Sequence[str] | None = None,
        sources: str | Sequence[str] | None = None,
        authors: str | Sequence[str] | None = None,
        published_after: DateLike = None,
        published_before: DateLike = None,
        top_k: int | None = None,
        history: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Pieces of the written answer as the language model sends them, then the complete Answer (always the
        last item). Without a language model: only the Answer. When the model fails mid-answer the pieces sent
        so far are void: the Answer is the extractive one, with ``notice`` saying what failed."""
        scope: dict[str, Any] = {
            "doc_ids": doc_ids, "sources": sources, "authors": authors,
            "published_after": published_after, "published_before": published_before,
        }
        earlier: list[tuple[str, str]] = []
        if history:
            conv = self.chat()
            for q in history:
                conv.ask(q, **scope)
            extractive = conv.ask(question, top_k=top_k, **scope)
            earlier = [(t.question, t.answer.text) for t in conv.turns[:-1] if t.answer is not None]
        else:
            extractive = self._ask(question, top_k=top_k, **scope)
        if self.generator is None:
            yield extractive
            return
        yield from self._written(extractive, earlier)

    def _written(self, extractive: Answer, earlier: Sequence[tuple[str, str]]) -> Iterator[str | Answer]:
        """The language model's answer over the passages the extractive answer was built from."""
        assert self.generator is not None
        text_of = _document_texts(self._current())

        asked = extractive.rewritten_question or extractive.question
        passages = extractive.passages
        shaped = written_request(extractive)
        if shaped is not None:  # a list, explanation or overview: written from the shape's own verified sentences
            asked, passages = shaped
        for event in self.generator.stream(asked, passages, earlier):
            if isinstance(event, TextDelta):
                yield event.text
            elif isinstance(event, GenerationDone):
                written = answer_from_generation(event, extractive, passages, text_of, self.generator.config.model)
                if written.generated_by:
                    written.kind, written.parts = extractive.kind, []
                yield written
            else:
                log.warning("%s", event.notice)
                yield answer_from_failure(event, extractive)

    def _filter_fields(self, snap: AnySnapshot) -> list[DocFields]:
        """Every document's filterable fields, read once per generation (generations never change)."""
        cached = self._fields
        if cached is not None and cached[0] == snap.generation:
            return cached[1]
        fields = [DocFields.from_meta(meta) for meta in snap.all_document_meta()]
        self._fields = (snap.generation, fields)
        return fields

    def _scope(self, snap: AnySnapshot | None, doc_ids: Sequence[str] | None, filters: Filters) -> list[str] | None:
        """The documents a question may search (None: all): ``doc_ids`` ∩ the filters' matches, resolved
        before ranking. InputError when that is nothing: "the articles don't say" would hide the mistake."""
        if doc_ids is not None:
            if not any(snap is not None and snap.has_document(d) for d in doc_ids):
                raise InputError(
                    f"no document {', '.join(map(repr, doc_ids))} in {self.where}; `articleqa docs` lists the ids"
                    if doc_ids else "doc_ids is empty; give document ids (`articleqa docs` lists them), or None for all"
                )
        if not filters.active:
            return list(doc_ids) if doc_ids is not None else None
        if snap is None:
            raise InputError(f"no documents in {self.where} to filter; add some with `articleqa index PATH...`")
        matching = filters.select(self._filter_fields(snap))
        if doc_ids is None:
            return matching
        wanted = set(doc_ids)
        both = [d for d in matching if d in wanted]
        if not both:
            raise InputError(
                f"none of the documents given by id matches {filters.describe()}; drop the ids or loosen the "
                f"filters; {LIST_HINT}"
            )
        return both

    def _ask(
        self,
        question: str,
        *,
        doc_ids: Sequence[str] | None = None,
        sources: str | Sequence[str] | None = None,
        authors: str | Sequence[str] | None = None,
        published_after: DateLike = None,
        published_before: DateLike = None,
        top_k: int | None = None,
        asked_as: str | None = None,
        about_doc: str | None = None,
    ) -> Answer:
        """``asked_as``: the user's own words when ``question`` is a rewrite; it decides the answer's type.
        ``about_doc``: the article the chat was about, for a question about "it" (who wrote it, when …)."""
        question = checked_question(question)  # empty or over-long: the same InputError at every door
        filters = Filters.of(sources, authors, published_after, published_before)
        t0 = time.perf_counter()
        k = top_k or self.settings.top_k
        snap = self._current()
        scope = self._scope(snap, doc_ids, filters)
        key = (question, asked_as, about_doc, tuple(doc_ids) if doc_ids is not None else None, filters.key(), k,
               snap.generation if snap else None)
        with self._answers_lock:
            cached = self._answers.get(key)
            if cached is not None:
                self._answers.move_to_end(key)
                hit = copy.deepcopy(cached)
                hit.timings_ms = {"total": (time.perf_counter() - t0) * 1000, "cached": 1.0}
                return hit
        about = article_question(question)
        shape = recognise(asked_as or question)
        if about is not None:
            answer = self._answer_about(question, about, snap, scope, about_doc, t0)
            answer.kind = "article"
        elif shape.kind == "overview":
            answer = self._answer_overview(question, shape, snap, scope, about_doc, t0)
        else:
            answer = self._answer(question, snap, k, scope, asked_as, t0, shape)
        with self._answers_lock:
            self._answers[key] = copy.deepcopy(answer)
            while len(self._answers) > self.settings.answer_cache:
                self._answers.popitem(last=False)
        return answer

    def _answer(
        self, question: str, snap: AnySnapshot | None, k: int, doc_ids: Sequence[str] | None, asked_as: str | None,
        t0: float, shape: ShapeRequest | None = None,
    ) -> Answer:
        info = classify(question)
        if asked_as:
            own = classify(asked_as)
            if own.qtype not in {"other", "yes_no"} and own.qtype != info.qtype:
                info = dataclasses.replace(info, qtype=own.qtype, expected=own.expected, focus=own.focus)
        if snap is None or snap.n_chunks == 0:
            return Answer(question, NOT_FOUND, False, 0.0, question_type=info.qtype)
        t1 = time.perf_counter()
        qvec = self.embedder.encode_query(question)
        t2 = time.perf_counter()
        found = retrieve(
            snap, question, qvec, k=max(k, self.settings.read_passages), candidates=self.settings.candidates,
            method=self.settings.fusion, dense_weight=self.settings.fusion_weight,
            sentence_weight=self.settings.sentence_weight,
            doc_ids=list(doc_ids) if doc_ids is not None else None,
        )
        factoid = Factoid(self.reader, self.settings.abstain_threshold, self.settings.max_citations,
                          self.settings.read_passages)
        tr = time.perf_counter()
        reading = factoid.read(question, found.passages)
        reader_ms = (time.perf_counter() - tr) * 1000
        answer = factoid.run(question, found.passages, info.qtype, reading)
        answer.timings_ms["reader"] = reader_ms
        text_of = _document_texts(snap)
        answer.citations = verify_citations(answer.citations, text_of)
        if answer.answerable and not answer.citations:
            answer.text, answer.answerable = NOT_FOUND, False
        if shape is not None and shape.kind in {"explanation", "list"} and found.passages:
            shaped = self._shaped(question, shape, info, snap, found.passages, reading, qvec, answer)
            if shaped is not None:
                shaped.citations = verify_citations(shaped.citations, text_of)
                shaped.parts = [p for p in shaped.parts if text_of(p.doc_id) is not None
                                and quote_is_verbatim(text_of(p.doc_id), p.start, p.end, p.text)]
                if shaped.citations and shaped.parts:
                    shaped.timings_ms = {**answer.timings_ms, **shaped.timings_ms}
                    answer = shaped
        for c in answer.citations:
            meta = snap.document_meta([c.doc_id]).get(c.doc_id)
            if meta:
                c.author, c.published = meta.author, meta.published
        answer.passages = found.passages[:k]
        # An answer quoted from (or declined over) an article not in English says the reader reads English.
        read = [c.doc_id for c in answer.citations] or [p.chunk.doc_id for p in found.passages[: self.settings.read_passages]]
        answer.notice = language_notice(snap.document_meta(read).values()) or answer.notice
        t3 = time.perf_counter()
        answer.timings_ms = {
            "analysis": (t1 - t0) * 1000,
            "question_embedding": (t2 - t1) * 1000,
            **found.timings_ms,
            **answer.timings_ms,
            "total": (t3 - t0) * 1000,
        }
        return answer

    def _articles_of(self, snap: AnySnapshot, doc_ids: Sequence[str]) -> dict[str, ArticleSentences]:
        """Each document's sentences and their stored vectors, read once per generation (generations never
        change)."""
        out: dict[str, ArticleSentences] = {}
        for doc_id in dict.fromkeys(doc_ids):
            key = (snap.generation, doc_id)
            with self._articles_lock:
                art = self._articles.get(key)
                if art is not None:
                    self._articles.move_to_end(key)
            if art is None:
                doc = snap.document(doc_id)
                if doc is None:
                    continue
                spans: dict[tuple[int, int], Any] = {}
                for row in sorted(int(r) for r in snap.rows_for_documents([doc_id])):
                    offsets, vectors = snap.chunk_sentences(row)
                    for i, (s, e) in enumerate(offsets):
                        spans.setdefault((int(s), int(e)), vectors[i] if len(vectors) else None)
                order = sorted(spans)
                vecs = [spans[o] for o in order]
                matrix = unit(np.stack(vecs)) if vecs and all(v is not None for v in vecs) else np.zeros((0, 0))
                art = ArticleSentences(doc, order, matrix)
                with self._articles_lock:
                    self._articles[key] = art
                    while len(self._articles) > 256:
                        self._articles.popitem(last=False)
            out[doc_id] = art
        return out

    def _shaped(
        self, question: str, shape: ShapeRequest, info: Any, snap: AnySnapshot, passages: Sequence[Passage],
        reading: Any, qvec: np.ndarray, factoid: Answer,
    ) -> Answer | None:
        """An explanation or a list from the articles of the top passages; None keeps the factoid answer."""
        read = list(passages[: self.settings.read_passages])
        doc_order = list(dict.fromkeys(p.chunk.doc_id for p in passages[: max(2, self.settings.read_passages)]))
        articles = self._articles_of(snap, doc_order[:2])
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        if shape.kind == "explanation":
            return self.explanation.run(question, shape.aspect, reading, read, articles, q, factoid.confidence,
                                        factoid.answerable)
        # A declined factoid still gets a list when the reader, sentence by sentence, backs at least two items: the
        # factoid's confidence is about one span, and a question asking for several parties often has no single
        # best one ("Who urged them?" — leaders and countries). Fewer than two backed items: the decline stands.
        span = next((c for c in factoid.citations if c.answer_start is not None and c.answer_end is not None), None)
        seed = (span.doc_id, int(span.answer_start), int(span.answer_end)) if span is not None else None  # type: ignore[arg-type]
        listed = self.listing.run(question, info, articles, q, doc_order, plural=shape.plural,
                                  focus_noun=shape.focus, copular=shape.copular, seed=seed)
        if listed is not None:
            listed.confidence = factoid.confidence
        return listed

    def _answer_overview(
        self, question: str, shape: ShapeRequest, snap: AnySnapshot | None, scope: Sequence[str] | None,
        about_doc: str | None, t0: float,
    ) -> Answer:
        """A short extractive summary of the article(s) the question means: the one it names, the one the chat
        was about ("Summarize it"), or each of the few in scope."""
        if snap is None or snap.n_chunks == 0:
            return Answer(question, NOT_FOUND, False, 0.0, kind="overview", question_type="overview")
        ids: list[str] | None
        if shape.topic:
            found = retrieve(snap, shape.topic, self.embedder.encode_query(shape.topic), k=10,
                             candidates=self.settings.candidates, method=self.settings.fusion,
                             dense_weight=self.settings.fusion_weight, sentence_weight=self.settings.sentence_weight,
                             doc_ids=list(scope) if scope is not None else None)
            ids = []
            for p in found.passages:
                doc_id = p.chunk.doc_id
                if doc_id not in ids and (doc := snap.document(doc_id)) is not None and names_document(shape.topic, doc):
                    ids.append(doc_id)
            if not ids:
                return Answer(question, f"No article here is about “{shape.topic}”.", False, 0.0, kind="overview",
                              question_type="overview")
        elif about_doc and not shape.every_article and (scope is None or about_doc in scope):
            ids = [about_doc]
        else:
            ids = list(scope) if scope is not None else [info.doc_id for info in snap.document_infos()]
            if (len(ids) > 1 and not shape.every_article) or len(ids) > self.overview.max_articles:
                return Answer(question, f"{len(ids)} articles are indexed; say which one you mean, e.g. “Summarize the "
                              "article about …”.", False, 0.0, kind="overview", question_type="overview")
        articles = self._articles_of(snap, ids[: self.overview.max_articles])
        answer = self.overview.run(question, [articles[i] for i in ids if i in articles])
        answer.citations = verify_citations(answer.citations, _document_texts(snap))
        answer.timings_ms["total"] = (time.perf_counter() - t0) * 1000
        return answer

    def _answer_about(
        self, question: str, about: AboutArticle, snap: AnySnapshot | None, scope: Sequence[str] | None,
        about_doc: str | None, t0: float,
    ) -> Answer:
        """Who wrote / when published / which outlet / what headline: from the document record, for the article
        the question names, the one the chat was about, or each of the few in scope."""
        if snap is None or snap.n_chunks == 0:
            return Answer(question, NOT_FOUND, False, 0.0, question_type=f"about_{about.field}")
        docs = self._articles_meant(about, snap, scope, about_doc)
        if docs is None:
            n_docs = len(scope) if scope is not None else len(snap.document_infos())
            answer = unnamed_article(question, about, n_docs)
        else:
            answer = answer_about(question, about, docs, NOT_FOUND)
            doc_of = _stored_documents(snap)  # each cited document read once for both checks
            answer.citations = verify_citations(
                answer.citations,
                lambda doc_id: doc.text if (doc := doc_of(doc_id)) is not None else None,
                lambda doc_id, field: field_value(doc, field) if (doc := doc_of(doc_id)) is not None else None,
            )
            if answer.answerable and not answer.citations:
                answer.text, answer.answerable = NOT_FOUND, False
        answer.timings_ms = {"total": (time.perf_counter() - t0) * 1000}
        return answer

    def _articles_meant(
        self, about: AboutArticle, snap: AnySnapshot, scope: Sequence[str] | None, about_doc: str | None
    ) -> list[Document] | None:
        """The article(s) the question is about; [] when it names one that is not here; None when it names none
        and there are more than can be listed."""
        if about.subject:
            found = retrieve(snap, about.subject, self.embedder.encode_query(about.subject), k=1,
                             candidates=self.settings.candidates, method=self.settings.fusion,
                             dense_weight=self.settings.fusion_weight, sentence_weight=self.settings.sentence_weight,
                             doc_ids=list(scope) if scope is not None else None)
            top = snap.document(found.passages[0].chunk.doc_id) if found.passages else None
            return [top] if top is not None and names_document(about.subject, top) else []
        if about_doc and (scope is None or about_doc in scope):
            doc = snap.document(about_doc)
            if doc is not None:
                return [doc]
        ids = list(scope) if scope is not None else [info.doc_id for info in snap.document_infos()]
        if len(ids) > MAX_LISTED:
            return None
        return [d for d in (snap.document(i) for i in ids) if d is not None]

    def chat(self) -> Conversation:
        """A conversation whose follow-up questions are resolved against earlier turns."""
        return Conversation(self._ask)


__all__ = ["Assistant", "Conversation", "Turn", "rewrite"]
