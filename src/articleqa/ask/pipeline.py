"""From a request to its answer, top to bottom (docs/architecture.md has the picture):

    history → follow-up resolution → cache → scope → article question | overview | passages → written answer

* follow-up resolution (:mod:`.followup`): earlier questions of the chat are answered first (from the cache when
  they were just asked), then the question is resolved against them into a standalone request;
* cache (:mod:`.cache`): the same request over the same index generation is answered once;
* scope (:mod:`.scope`): document ids and filters become the documents the question may search;
* article question / overview (:mod:`.whole`): from document records and whole articles;
* passages (:mod:`.passages`): retrieve → read → shape (list, explanation) → verify every quote;
* written answer (:mod:`articleqa.answer.written`): with a language model configured, it writes the answer from the
  same verified passages (or the shape's own verified sentences), streamed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from ..answer.about import article_question
from ..answer.shapes import recognise
from ..answer.written import write_answer
from ..config import Settings
from ..live import LiveIndex, document_texts
from ..models import Models
from ..records import Answer
from .articles import ArticleCache
from .cache import AnswerCache
from .followup import Turn, resolve
from .passages import PassageAnswers
from .request import AskRequest
from .scope import Scoper
from .whole import WholeArticles


class AskPipeline:
    """Answers requests over the live index with the shared models; safe to use from many threads."""

    def __init__(self, settings: Settings, models: Models, live: LiveIndex) -> None:
        self.settings = settings
        self.models = models
        self.live = live
        self.cache = AnswerCache(settings.answer_cache)
        self.scoper = Scoper(live.where)
        articles = ArticleCache()
        self.whole = WholeArticles(settings, models, articles)
        self.passages = PassageAnswers(settings, models, articles)

    def stream(self, request: AskRequest) -> Iterator[str | Answer]:
        """Pieces of the written answer as the language model sends them, then the complete Answer (always the
        last item). Without a language model: only the Answer. When the model fails mid-answer the pieces sent
        so far are void: the Answer is the extractive one, with ``notice`` saying what failed."""
        turns = self.earlier_turns(request)
        extractive = self.answer(resolve(request, turns))
        if self.models.generator is None:
            yield extractive
            return
        yield from self._written(extractive, [(t.question, t.answer.text) for t in turns if t.answer is not None])

    def earlier_turns(self, request: AskRequest) -> list[Turn]:
        """The chat so far: each earlier question resolved against the turns before it, and answered."""
        turns: list[Turn] = []
        for question in request.history:
            turns.append(self.turn(resolve(request.earlier(question), turns)))
        return turns

    def turn(self, resolved: AskRequest) -> Turn:
        return Turn(resolved.question, resolved.text, self.answer(resolved))

    def answer(self, request: AskRequest) -> Answer:
        """The extractive answer to a resolved request (see :func:`.followup.resolve`)."""
        t0 = time.perf_counter()
        k = request.top_k or self.settings.top_k
        snap = self.live.current()
        scope = self.scoper.scope(snap, request.doc_ids, request.filters)
        key = request.cache_key(k, snap.generation if snap else None)
        answer = self.cache.get(key, t0)
        if answer is None:
            text, about_doc = request.text, request.about_doc
            shape = recognise(request.asked_as or text)
            if (about := article_question(text)) is not None:
                answer = self.whole.about(text, about, snap, scope, about_doc, t0)
                answer.kind = "article"
            elif shape.kind == "overview":
                answer = self.whole.summarise(text, shape, snap, scope, about_doc, t0)
            else:
                answer = self.passages.answer(text, request.asked_as, shape, snap, k, scope, t0)
            self.cache.put(key, answer)
        answer.question, answer.rewritten_question = request.question, request.standalone
        return answer

    def _written(self, extractive: Answer, earlier: Sequence[tuple[str, str]]) -> Iterator[str | Answer]:
        """The language model's answer over the passages the extractive answer was built from."""
        assert self.models.generator is not None
        yield from write_answer(self.models.generator, extractive, earlier, document_texts(self.live.current()))
