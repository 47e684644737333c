"""Questions about whole articles: their record (who wrote it, when, which outlet, the headline) and what they
say (an overview). The article meant is the one the question names, the one the chat was about, or each of the
few in scope."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..answer import NOT_FOUND, verify_citations
from ..answer.about import MAX_LISTED, AboutArticle, answer_about, field_value, names_document, unnamed_article
from ..answer.shapes import Overview, ShapeRequest
from ..config import Settings
from ..live import document_texts, stored_documents
from ..models import Models
from ..records import Answer, Document
from ..store import Snapshot
from .articles import ArticleCache
from .passages import search


class WholeArticles:
    """Answers from document records and whole articles rather than from the top passages."""

    def __init__(self, settings: Settings, models: Models, articles: ArticleCache) -> None:
        self.settings = settings
        self.models = models
        self.articles = articles
        self.overview = Overview(max_articles=MAX_LISTED)

    def _named(self, snap: Snapshot, subject: str, k: int, scope: Sequence[str] | None) -> list[str]:
        """Ids of the top-ranked articles for ``subject`` that the subject actually names, best first."""
        found = search(self.settings, snap, subject, self.models.embedder.encode_query(subject), k, scope)
        ids: list[str] = []
        for p in found.passages:
            doc_id = p.chunk.doc_id
            if doc_id not in ids and (doc := snap.document(doc_id)) is not None and names_document(subject, doc):
                ids.append(doc_id)
        return ids

    def summarise(
        self, question: str, shape: ShapeRequest, snap: Snapshot | None, scope: Sequence[str] | None,
        about_doc: str | None, t0: float,
    ) -> Answer:
        """A short extractive summary of the article(s) the question means."""
        if snap is None or snap.n_chunks == 0:
            return Answer(question, NOT_FOUND, False, 0.0, kind="overview", question_type="overview")
        ids: list[str]
        if shape.topic:
            ids = self._named(snap, shape.topic, 10, scope)
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
        articles = self.articles.of(snap, ids[: self.overview.max_articles])
        answer = self.overview.run(question, [articles[i] for i in ids if i in articles])
        answer.citations = verify_citations(answer.citations, document_texts(snap))
        answer.timings_ms["total"] = (time.perf_counter() - t0) * 1000
        return answer

    def about(
        self, question: str, about: AboutArticle, snap: Snapshot | None, scope: Sequence[str] | None,
        about_doc: str | None, t0: float,
    ) -> Answer:
        """Who wrote / when published / which outlet / what headline: from the document record."""
        if snap is None or snap.n_chunks == 0:
            return Answer(question, NOT_FOUND, False, 0.0, question_type=f"about_{about.field}")
        docs = self._meant(about, snap, scope, about_doc)
        if docs is None:
            n_docs = len(scope) if scope is not None else len(snap.document_infos())
            answer = unnamed_article(question, about, n_docs)
        else:
            answer = answer_about(question, about, docs, NOT_FOUND)
            doc_of = stored_documents(snap)  # each cited document read once for both checks
            answer.citations = verify_citations(
                answer.citations,
                lambda doc_id: doc.text if (doc := doc_of(doc_id)) is not None else None,
                lambda doc_id, field: field_value(doc, field) if (doc := doc_of(doc_id)) is not None else None,
            )
            if answer.answerable and not answer.citations:
                answer.text, answer.answerable = NOT_FOUND, False
        answer.timings_ms = {"total": (time.perf_counter() - t0) * 1000}
        return answer

    def _meant(
        self, about: AboutArticle, snap: Snapshot, scope: Sequence[str] | None, about_doc: str | None
    ) -> list[Document] | None:
        """The article(s) the question is about; [] when it names one that is not here; None when it names none
        and there are more than can be listed."""
        if about.subject:
            found = search(self.settings, snap, about.subject, self.models.embedder.encode_query(about.subject), 1,
                           scope)
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
