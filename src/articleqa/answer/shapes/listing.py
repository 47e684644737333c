"""List: every party or thing the top passages name as an answer, deduplicated, in text order, each quoted.

Candidates come from two readings: the reader run over each of the sentences closest to the question (a span it
prefers to "no answer" in that sentence, backed at least a quarter as much as its best span, is an answer that
sentence supports — from a sentence that says the asked noun or verb, where some do), and the grammar — a noun
phrase whose head is the noun the question asks for ("Which countries …" → "at least nine countries in the
region"; "bidders" for "Which companies bid …"), or the doer of the question's verb ("Who urged …" → the subject of
"urge", or who an "urgent lobbying" came from; "What sources pay …" → the agents of "paid for by"). Each candidate is widened to its whole noun phrase and must fill the role the question asks for: when
the wh-word is the subject, the object of a verb ("pressed [the Trump administration]") is not an answer.
Coordinated names are separate items ("Maureen Pryce and Owen Tasker" → two); a coordinated modifier is one
party ("Arab and Muslim leaders"). One item left is no list: the factoid answer stands.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...nlp import parse, parse_syntax, stem
from ...question import QuestionInfo
from ...records import Answer, AnswerPart, Citation
from ..reader import Reader
from .clauses import noun_phrase
from .parties import Item, collective, coordination, dedupe, doers, done_by, fits, mentions, split_items, verb_stem
from .sentences import ArticleSentences

SENTENCES = 6  # sentences closest to the question that are read
SIMILARITY_FLOOR = 0.12  # a candidate sentence this much below the closest one is too far off to list from
MIN_SENTENCES = 3  # read at least this many, however far the closest one is ahead
MAX_ITEMS = 6
# A sentence of the closest article that says the asked noun is read when it is at most this far below the
# closest sentence in similarity ("multiple countries in the Middle East warned Washington" for "Which countries
# contacted …"), not when it is about something else that shares the noun ("focus solely on nuclear issues").
SAID_FLOOR = 0.3
# A reader span counts when the reader backs it (over "no answer") at least this share as much as its best span:
# "14 nearby homes" (margin 0.7) is no answer beside "furniture, cardboard packaging and …" (margin 10).
BACKING_SHARE = 0.25
# "those two ingredients", "certain provinces": a phrase that points elsewhere or names no one.
_FOCUS_DEPS = frozenset({"nsubj", "nsubjpass", "pobj", "appos", "conj", "dobj", "attr"})
_POINTING = frozenset({"those", "these"})
_VAGUE = frozenset({"those", "these", "this", "that", "such", "certain", "some", "various", "several"})
_NOT_ACTIONS = frozenset({"do", "does", "did", "has", "have", "had", "is", "are", "was", "were", "be", "'s", "'re"})
_Candidate = tuple[float, str, int]  # (similarity to the question, doc_id, sentence index)


@dataclass(frozen=True)
class _Asked:
    """What the question asks a list of: the noun it names, the doers of its verb, or both."""

    focus: str | None  # stem of the noun asked for ("countri")
    verbs: frozenset[str]  # stems of the question's verbs, present forms ("pay")
    agents: frozenset[str]  # nouns for the doers of those verbs ("bidder" for "bid"), read as the asked noun
    doer: bool  # the wh-phrase is the verb's subject ("Which countries contacted …", "Who urged …")
    others: bool  # "X beat two other bidders" makes X a bidder — unless the question asks for the others


def _asked(question: str, info: QuestionInfo, focus_noun: str) -> _Asked:
    verbs = frozenset(verb_stem(v) for v in info.verbs if len(v) >= 3)
    doc = parse_syntax(question)
    verbs |= {verb_stem(t.text) for t in doc if t.pos_ == "VERB" and t.lower_ not in _NOT_ACTIONS and len(t) >= 3}
    focus = stem(focus_noun or info.focus or "") or None
    # Only beside a noun asked for ("Which companies bid …" → the bidders); "Who voted …" is not "the voters".
    agents = frozenset(a for v in verbs for a in (v + "er", v + v[-1:] + "er", v.rstrip("e") + "er", v + "or")
                       if focus)
    # "What sources pay …" (no "do", "have" or "be" after the wh-phrase): the wh-phrase is the subject. The parser
    # often misreads this order, so the order is read, not the arcs.
    after = next((t for t in doc[1:] if t.tag_.startswith("VB") or t.pos_ in {"VERB", "AUX"}), None)
    subject_order = after is not None and after.tag_ in {"VBD", "VBZ", "VBP"} and after.lower_ not in _NOT_ACTIONS
    doer = info.qtype == "who" or (bool(verbs) and subject_order)
    others = not any(t.lower_ == "other" for t in doc)
    return _Asked(focus, verbs, agents, doer, others)


class ListShape:
    """The list shape. Constructor = contract (the reader, how many sentences, how many items at most)."""

    def __init__(self, reader: Reader, sentences: int = SENTENCES, max_items: int = MAX_ITEMS) -> None:
        self.reader = reader
        self.sentences = sentences
        self.max_items = max_items

    def run(
        self,
        question: str,
        info: QuestionInfo,
        articles: Mapping[str, ArticleSentences],
        query_vector: np.ndarray,
        doc_order: Sequence[str],
        plural: bool = True,
        focus_noun: str = "",
        copular: bool = False,
        seed: tuple[str, int, int] | None = None,
    ) -> Answer | None:
        """The list answer, or None when the text supports fewer than two items (the factoid answer stands).
        ``seed``: the factoid answer's span (doc_id, start, end), an answer the top passages support."""
        t0 = time.perf_counter()
        cands = _ranked(articles, query_vector)
        if not cands:
            return None
        top = [c for n, c in enumerate(cands[: self.sentences]) if n < MIN_SENTENCES or c[0] >= cands[0][0] - SIMILARITY_FLOOR]
        asked = _asked(question, info, focus_noun)
        on_topic = any(mentions(articles[d].text(i), asked.focus, set(asked.verbs), asked.agents) for _, d, i in top)
        items = self._read(question, info, articles, top, asked) + self._seeded(info, articles, seed, asked, on_topic)
        if not plural and asked.verbs:  # "Who confirmed …?": the text must say each one confirmed
            items = [it for it in items if done_by(articles[it.doc_id], it, set(asked.verbs))]
        # What the text calls by the asked noun ("two other bidders, Marrow … and Tallis …") is always read, in the
        # top sentences and in every sentence of the closest article that says the noun; the doers of the asked
        # verb only when the reader and the noun did not find several.
        own = [c for c in cands if c[1] == top[0][1] and c not in top]
        said = [c for c in own if c[0] >= top[0][0] - SAID_FLOOR
                and mentions(articles[c[1]].text(c[2]), asked.focus, set(), asked.agents)]
        named = self._grammar(info, articles, [*top, *said], asked, doers_too=False)
        if copular and len(dedupe(named, articles, question)) >= 2:
            items = named  # "Who were the bidders?": what the text says the bidders were
        else:
            items += named
        if asked.doer and len(dedupe(items, articles, question)) < 2:
            acting = [c for c in own if mentions(articles[c[1]].text(c[2]), None, set(asked.verbs))]
            items += self._grammar(info, articles, [*top, *acting], asked, doers_too=True)
        if not asked.others:  # "Which other companies bid …": not the one the text sets the others beside
            items = [it for it in items if not _set_beside(articles[it.doc_id], it, asked)]
        kept = dedupe(items, articles, question)
        if not kept or (len(kept) == 1 and not collective(articles[kept[0].doc_id], kept[0])):
            return None  # one party: the factoid answer stands
        order = {d: n for n, d in enumerate(doc_order)}
        kept.sort(key=lambda it: (order.get(it.doc_id, len(order)), it.start))
        answer = _answer(question, kept[: self.max_items], articles)
        answer.timings_ms = {"list": (time.perf_counter() - t0) * 1000}
        return answer

    def _read(self, question: str, info: QuestionInfo, articles: Mapping[str, ArticleSentences],
              top: list[_Candidate], asked: _Asked) -> list[Item]:
        """The reader's spans, one read per top sentence, that it prefers to "no answer" there. Where some top
        sentences say the asked noun or verb, only spans from those count: a span from a sentence about
        something else ("a $38.5 million contract" for "What sources pay …") fills no asked role."""
        texts = [articles[d].text(i) for _, d, i in top]
        on_topic = [mentions(t, asked.focus, set(asked.verbs), asked.agents) for t in texts]
        reading = self.reader.read(question, texts, [0] * len(texts), top=4)
        margins = [span.score - reading.null_scores[span.passage] for span in reading.spans]
        best = max(margins, default=0.0)
        items: list[Item] = []
        for span, margin in zip(reading.spans, margins, strict=True):
            _, doc_id, i = top[span.passage]
            if margin <= 0 or margin < BACKING_SHARE * best or (any(on_topic) and not on_topic[span.passage]):
                continue
            items += self._items(info, articles[doc_id], doc_id, i, span.start, span.end, -span.score, asked)
        return items

    def _seeded(self, info: QuestionInfo, articles: Mapping[str, ArticleSentences],
                seed: tuple[str, int, int] | None, asked: _Asked, on_topic: bool) -> list[Item]:
        """The factoid answer's span, widened and split like a reader span, ranked first; like a reader span, not
        from a sentence that says neither the asked noun nor verb when other top sentences do."""
        if seed is None or seed[0] not in articles:
            return []
        art = articles[seed[0]]
        at = next((n for n, (s, e) in enumerate(art.spans) if s <= seed[1] and seed[2] <= e), None)
        if at is None:
            return []
        if on_topic and not mentions(art.text(at), asked.focus, set(asked.verbs), asked.agents):
            return []
        s0 = art.spans[at][0]
        return self._items(info, art, seed[0], at, seed[1] - s0, seed[2] - s0, -1e6, asked)

    def _items(self, info: QuestionInfo, art: ArticleSentences, doc_id: str, i: int, a: int, b: int,
               rank: float, asked: _Asked) -> list[Item]:
        """The reader's span [a, b) of sentence i, widened to its noun phrase(s), if it fills the asked role."""
        sentence = art.text(i)
        np_ = noun_phrase(sentence, a, b)
        if np_ is None:
            return []
        # A conjunct the reader picked brings its coordination along: "human rights issues" in "Iran's ballistic
        # missile program, its support for regional proxy groups, and human rights issues" — all three.
        top = np_[2]
        while top.dep_ == "conj" and top.head.pos_ in {"NOUN", "PROPN"}:
            top = top.head
        if top is not np_[2]:
            whole = noun_phrase(sentence, top.idx, top.idx + len(top.text))
            np_ = whole if whole is not None else np_
        return [it for it, head in split_items(sentence, np_, art, doc_id, i, rank) if fits(info, head, asked.verbs, asked.doer)]

    def _grammar(self, info: QuestionInfo, articles: Mapping[str, ArticleSentences], where: list[_Candidate],
                 asked: _Asked, doers_too: bool) -> list[Item]:
        out: list[Item] = []
        for sim, doc_id, i in where:
            out += self._grammar_items(info, articles[doc_id], doc_id, i, asked, doers_too, -sim)
        return out

    def _grammar_items(self, info: QuestionInfo, art: ArticleSentences, doc_id: str, i: int, asked: _Asked,
                       doers_too: bool, rank: float) -> list[Item]:
        """Noun phrases headed by the asked noun, and (``doers_too``) the doers of the asked verb, in sentence i."""
        sentence = art.text(i)
        heads: list[Any] = []
        pointed: list[Item] = []
        for tok in parse(sentence):
            if _is_asked_noun(tok, asked) and tok.dep_ in _FOCUS_DEPS:
                if any(c.lower_ in _POINTING for c in tok.children) and i > 0:
                    # "Those two ingredients cost Vantor 27 percent more": the ones the sentence before names.
                    out_before = coordination(art, doc_id, i - 1, rank)
                    if out_before:
                        pointed.extend(out_before)
                        continue
                if not any(c.lower_ in _VAGUE for c in tok.children):
                    heads.append(tok)
                heads += _others_of(tok) if asked.others else []
            if doers_too and any(_acts(tok, v) for v in asked.verbs):
                heads += doers(tok)
        out: list[Item] = list(pointed)
        for h in heads:
            np_ = noun_phrase(sentence, h.idx, h.idx + len(h.text))
            if np_ is not None:
                out += [it for it, head in split_items(sentence, np_, art, doc_id, i, rank) if fits(info, head, asked.verbs, asked.doer)]
        return out


def _ranked(articles: Mapping[str, ArticleSentences], query_vector: np.ndarray) -> list[_Candidate]:
    """Every sentence with stored vectors, closest to the question first."""
    cands: list[_Candidate] = []
    for doc_id, art in articles.items():
        if len(art.vectors) != len(art.spans):
            continue
        sims = art.vectors @ query_vector
        cands += [(float(sims[i]), doc_id, i) for i in range(len(art.spans))]
    cands.sort(key=lambda x: -x[0])
    return cands


def _is_asked_noun(tok: Any, asked: _Asked) -> bool:
    """The noun the question asks for, or the noun for the doers of its verb ("bidders" for "Which … bid")."""
    if tok.pos_ not in {"NOUN", "PROPN"}:
        return False
    word = stem(tok.text)
    return bool((asked.focus and word == asked.focus) or word in asked.agents)


def _others_of(tok: Any) -> list[Any]:
    """ "Hollis & Brandt beat two other bidders": who is set beside "other X" is an X too (the verb's subject)."""
    if tok.dep_ != "dobj" or not any(c.dep_ == "amod" and c.lower_ == "other" for c in tok.children):
        return []
    return [c for c in tok.head.children if c.dep_ == "nsubj" and c.pos_ in {"PROPN", "NOUN"}]


def _set_beside(art: ArticleSentences, item: Item, asked: _Asked) -> bool:
    """The item is X in "X beat two other bidders": the one the asked-for others are set beside."""
    s0 = art.spans[item.sentence][0]
    np_ = noun_phrase(art.text(item.sentence), item.start - s0, item.end - s0)
    if np_ is None or np_[2].dep_ != "nsubj":
        return False
    return any(_is_asked_noun(c, asked) and _others_of(c) for c in np_[2].head.children)


def _acts(tok: Any, verb: str) -> bool:
    """The token says the asked verb: a form of it ("paid" for "pay"), or an adjective from it ("urgent")."""
    return verb_stem(tok.text) == verb or (tok.pos_ == "ADJ" and tok.lower_.startswith(verb))


def _answer(question: str, kept: list[Item], articles: Mapping[str, ArticleSentences]) -> Answer:
    """The items as answer parts, each citing the sentence that holds it (one citation per sentence)."""
    citations: list[Citation] = []
    parts: list[AnswerPart] = []
    for it in kept:
        art = articles[it.doc_id]
        s, e = art.spans[it.sentence]
        doc = art.document
        same = next((c for c in citations if c.doc_id == it.doc_id and c.start == s), None)
        if same is None:
            same = Citation(n=len(citations) + 1, doc_id=it.doc_id, title=doc.title, source=doc.source,
                            quote=doc.text[s:e], start=s, end=e, score=round(min(-it.rank, 1e3), 4),
                            answer_start=it.start, answer_end=it.end, author=doc.author, published=doc.published)
            citations.append(same)
        parts.append(AnswerPart(doc.text[it.start:it.end], [same.n], it.doc_id, it.start, it.end))
    text = "; ".join(p.text for p in parts)
    return Answer(question, text, True, 0.0, citations, kind="list", parts=parts, question_type="list",
                  signals={"items": float(len(parts))})


__all__ = ["ListShape"]
