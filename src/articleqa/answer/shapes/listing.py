"""List: every party or thing the top passages name as an answer, deduplicated, in text order, each quoted.

Candidates come from two readings: the reader run over each of the sentences closest to the question (a span it
prefers to "no answer" in that sentence is an answer that sentence supports), and the grammar — a noun phrase
whose head is the noun the question asks for ("Which countries …" → "at least nine countries in the region"),
or the doer of the question's verb ("Who urged …" → the subject of "urge", or who an "urgent lobbying" came
from). Each candidate is widened to its whole noun phrase and must fill the role the question asks for: when
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

from ...metrics import normalize_answer
from ...nlp import content_terms, parse, stem
from ...question import QuestionInfo
from ...records import Answer, AnswerPart, Citation
from ..reader import Reader
from .clauses import noun_phrase
from .sentences import ArticleSentences

SENTENCES = 6  # sentences closest to the question that are read
SIMILARITY_FLOOR = 0.12
MIN_SENTENCES = 3  # read at least this many, however far the closest one is ahead  # a candidate sentence this much below the closest one is too far off to list from
MAX_ITEMS = 6
_OBJECT_DEPS = frozenset({"dobj", "dative", "iobj", "attr", "oprd"})
_NOT_AGENT_PREPS = frozenset({"to", "into", "onto", "with", "in", "at", "on", "for", "against", "toward", "towards"})
_PERSONISH = frozenset({"PERSON", "ORG", "NORP", "GPE"})
# "those two ingredients", "certain provinces": a phrase that points elsewhere or names no one.
_FOCUS_DEPS = frozenset({"nsubj", "nsubjpass", "pobj", "appos", "conj", "dobj", "attr"})
_POINTING = frozenset({"those", "these"})
_VAGUE = frozenset({"those", "these", "this", "that", "such", "certain", "some", "various", "several"})
_AMOUNTS = frozenset({"PERCENT", "MONEY", "CARDINAL", "QUANTITY", "DATE", "TIME"})


@dataclass
class _Item:
    doc_id: str
    sentence: int  # index into the article's spans
    start: int  # absolute offsets of the item
    end: int
    rank: float  # lower first when two items tie in text order


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
        """``seed``: the factoid answer's span (doc_id, start, end), an answer the top passages support."""
        """The list answer, or None when the text supports fewer than two items (the factoid answer stands)."""
        t0 = time.perf_counter()
        cands: list[tuple[float, str, int]] = []
        for doc_id, art in articles.items():
            if len(art.vectors) != len(art.spans):
                continue
            sims = art.vectors @ query_vector
            cands += [(float(sims[i]), doc_id, i) for i in range(len(art.spans))]
        cands.sort(key=lambda x: -x[0])
        if not cands:
            return None
        top = [c for n, c in enumerate(cands[: self.sentences]) if n < MIN_SENTENCES or c[0] >= cands[0][0] - SIMILARITY_FLOOR]
        texts = [articles[d].text(i) for _, d, i in top]
        reading = self.reader.read(question, texts, [0] * len(texts), top=4)
        items: list[_Item] = []
        for span in reading.spans:
            _, doc_id, i = top[span.passage]
            if span.score <= reading.null_scores[span.passage]:
                continue
            items += self._items(info, articles[doc_id], doc_id, i, span.start, span.end, -span.score)
        if seed is not None and seed[0] in articles:
            art = articles[seed[0]]
            at = next((n for n, (s, e) in enumerate(art.spans) if s <= seed[1] and seed[2] <= e), None)
            if at is not None:
                s0 = art.spans[at][0]
                items += self._items(info, art, seed[0], at, seed[1] - s0, seed[2] - s0, -1e6)
        verbs = {v for v in info.verbs if len(v) >= 3}
        focus = stem(focus_noun or info.focus or "") or None
        if not plural and verbs:  # "Who confirmed …?": the text must say each one confirmed
            items = [it for it in items if _done_by(articles[it.doc_id], it, verbs)]
        # What the text calls by the asked noun ("two other bidders, Marrow … and Tallis …") is always read; the
        # doers of the asked verb only when the reader did not find several.
        named_items: list[_Item] = []
        for sim, doc_id, i in top:
            named_items += self._grammar_items(info, articles[doc_id], doc_id, i, focus, set(), -sim)
        if copular and len(_dedupe(named_items, articles, question)) >= 2:
            items = named_items  # "Who were the bidders?": what the text says the bidders were
        else:
            items += named_items
        if len(_dedupe(items, articles, question)) >= 2:
            top = []
        # The grammar reads the top sentences and, in the closest article, every sentence with the asked verb or noun.
        named = [c for c in cands if top and c[1] == top[0][1] and c not in top
                 and _mentions(articles[c[1]].text(c[2]), focus, verbs)]
        for sim, doc_id, i in [*top, *named]:
            items += self._grammar_items(info, articles[doc_id], doc_id, i, focus, verbs, -sim)
        kept = _dedupe(items, articles, question)
        if not kept or (len(kept) == 1 and not _collective(articles[kept[0].doc_id], kept[0])):
            return None  # one party: the factoid answer stands
        order = {d: n for n, d in enumerate(doc_order)}
        kept.sort(key=lambda it: (order.get(it.doc_id, len(order)), it.start))
        kept = kept[: self.max_items]
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
        answer = Answer(question, text, True, 0.0, citations, kind="list", parts=parts, question_type="list",
                        signals={"items": float(len(parts))})
        answer.timings_ms = {"list": (time.perf_counter() - t0) * 1000}
        return answer

    def _items(self, info: QuestionInfo, art: ArticleSentences, doc_id: str, i: int, a: int, b: int,
               rank: float) -> list[_Item]:
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
        return [it for it, head in _split(sentence, np_, art, doc_id, i, rank) if _fits(info, head)]

    def _grammar_items(self, info: QuestionInfo, art: ArticleSentences, doc_id: str, i: int, focus: str | None,
                       verbs: set[str], rank: float) -> list[_Item]:
        """Noun phrases headed by the asked noun, and the doers of the asked verb, in sentence i."""
        sentence = art.text(i)
        doc = parse(sentence)
        heads: list[Any] = []
        pointed: list[_Item] = []
        for tok in doc:
            if focus and tok.pos_ in {"NOUN", "PROPN"} and stem(tok.text) == focus and tok.dep_ in _FOCUS_DEPS:
                if any(c.lower_ in _POINTING for c in tok.children) and i > 0:
                    # "Those two ingredients cost Vantor 27 percent more": the ones the sentence before names.
                    out_before = _coordination(art, doc_id, i - 1, rank)
                    if out_before:
                        pointed.extend(out_before)
                        continue
                if not any(c.lower_ in _VAGUE for c in tok.children):
                    heads.append(tok)
            if (verbs and info.asks_subject) or info.qtype == "who":
                word = stem(tok.text)
                if any(word == v or (tok.pos_ == "ADJ" and tok.lower_.startswith(v)) for v in verbs):
                    heads += _doers(tok)
        out: list[_Item] = list(pointed)
        for h in heads:
            np_ = noun_phrase(sentence, h.idx, h.idx + len(h.text))
            if np_ is not None:
                out += [it for it, head in _split(sentence, np_, art, doc_id, i, rank) if _fits(info, head)]
        return out


def _coordination(art: ArticleSentences, doc_id: str, i: int, rank: float) -> list[_Item]:
    """The first coordinated group of nouns in sentence i ("wheat and cooking oil"), one item per noun."""
    sentence = art.text(i)
    for tok in parse(sentence):
        if tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ != "conj" and any(
            c.dep_ == "conj" and c.pos_ in {"NOUN", "PROPN"} for c in tok.children
        ):
            np_ = noun_phrase(sentence, tok.idx, tok.idx + len(tok.text))
            if np_ is not None:
                return [it for it, _ in _split(sentence, np_, art, doc_id, i, rank)]
    return []


def _mentions(sentence: str, focus: str | None, verbs: set[str]) -> bool:
    words = [stem(w) for w in sentence.split()]
    low = sentence.lower()
    return bool((focus and focus in words) or any(v in words or f" {v}" in f" {low}" for v in verbs))


def _done_by(art: ArticleSentences, item: _Item, verbs: set[str]) -> bool:
    """The item is the doer of one of the question's verbs: the first verb above it in the parse is one."""
    s0 = art.spans[item.sentence][0]
    np_ = noun_phrase(art.text(item.sentence), item.start - s0, item.end - s0)
    if np_ is None:
        return False
    for anc in np_[2].ancestors:
        if anc.pos_ in {"VERB", "AUX"}:
            return stem(anc.text) in verbs
    return False


def _collective(art: ArticleSentences, item: _Item) -> bool:
    """A plural noun phrase ("at least nine countries in the region"): a group named as the text names it."""
    s0 = art.spans[item.sentence][0]
    np_ = noun_phrase(art.text(item.sentence), item.start - s0, item.end - s0)
    return np_ is not None and np_[2].tag_ in {"NNS", "NNPS"}


def _doers(tok: Any) -> list[Any]:
    """Who does what ``tok`` names: a verb's subject (its governing verb's, for "… to urge"), the agent of its
    passive, or where the noun it modifies came from ("urgent lobbying from Arab and Muslim leaders")."""
    if tok.pos_ == "VERB":
        subj = [c for c in tok.children if c.dep_ in {"nsubj"}]
        subj += [g for c in tok.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if not subj and tok.dep_ in {"xcomp", "advcl"}:
            subj = [c for c in tok.head.children if c.dep_ == "nsubj"]
        return subj
    if tok.pos_ == "ADJ" and tok.head.pos_ == "NOUN":
        return [g for p in tok.head.children if p.dep_ == "prep" and p.lower_ in {"from", "by"}
                for g in p.children if g.dep_ == "pobj"]
    return []


def _split(sentence: str, np_: tuple[int, int, Any], art: ArticleSentences, doc_id: str, i: int,
           rank: float) -> list[tuple[_Item, Any]]:
    """One item per coordinated noun ("Maureen Pryce and Owen Tasker", "wheat and cooking oil" → two), and the
    names a plural phrase stands for ("two other bidders, Marrow Civil Works and Tallis Building Partners" → the
    two names); otherwise the phrase. A coordinated modifier stays one party ("Arab and Muslim leaders")."""
    s0 = art.spans[i][0]
    start, end, head = np_
    named = [c for c in head.children if c.dep_ == "appos" and c.pos_ in {"PROPN", "NOUN"}]
    if named and head.tag_ in {"NNS", "NNPS"}:
        head = named[0]
    members = [head]
    if not any(c.dep_ == "cc" and c.text == "&" for c in head.children):  # "Hollis & Brandt" is one name
        todo = [head]
        while todo:  # every conjunct, whether chained (A, B and C) or attached to the first
            node = todo.pop(0)
            nxt = [c for c in node.children if c.dep_ == "conj" and c.pos_ in {"PROPN", "NOUN"}]
            members += nxt
            todo += nxt
        members.sort(key=lambda t: t.i)
    if len(members) == 1 and head is np_[2]:
        return [(_Item(doc_id, i, s0 + start, s0 + end, rank), head)]
    out = []
    for m in members:
        sub = noun_phrase(sentence, m.idx, m.idx + len(m.text), keep_conj=False)
        if sub is not None:
            a, b, _ = sub
            out.append((_Item(doc_id, i, s0 + a, s0 + b, rank), m))
    return out


def _fits(info: QuestionInfo, head: Any) -> bool:
    """The phrase can answer: not the object of a verb or a preposition when the question asks for the doer,
    and of the kind asked for (people or groups for "who")."""
    # The doer's role only where the question asks who did something ("Who urged …", "Which countries
    # contacted …"), not "Which streets had homes evacuated?".
    if info.qtype == "who" or (info.asks_subject and info.expected & {"PERSON", "ORG", "NORP"}):
        if head.dep_ in _OBJECT_DEPS:
            return False
        if head.dep_ == "pobj" and head.head.lower_ in _NOT_AGENT_PREPS:
            return False
        if head.dep_ == "poss":
            return False
    if info.qtype == "who" and head.pos_ == "PRON":
        return False
    if info.qtype == "who" and head.ent_type_ and head.ent_type_ not in _PERSONISH:
        return False
    # "Which ingredients …" is not answered by "27 percent": a count or amount only where one is asked for.
    return not (head.ent_type_ in _AMOUNTS and not (info.expected & _AMOUNTS))


def _dedupe(items: list[_Item], articles: Mapping[str, ArticleSentences], question: str) -> list[_Item]:
    """One item per party: overlapping phrases keep the longer (in the same place) or the first said; a phrase
    the question itself says is no answer."""
    asked = set(content_terms(question))
    kept: list[_Item] = []
    for it in sorted(items, key=lambda x: x.rank):
        text = articles[it.doc_id].document.text[it.start:it.end]
        terms = set(content_terms(text))
        if not terms or terms <= asked:
            continue
        norm = normalize_answer(text)
        clash = None
        for k in kept:
            kraw = articles[k.doc_id].document.text[k.start:k.end]
            ktext = normalize_answer(kraw)
            same_place = k.doc_id == it.doc_id and k.start < it.end and it.start < k.end
            kterms = set(content_terms(kraw))
            # "the tension force" = "tension forces"; "its frozen meals" ⊂ "frozen ready meals"
            same_words = kterms == terms or (min(len(kterms), len(terms)) >= 2 and (kterms <= terms or terms <= kterms))
            if same_place or same_words or norm == ktext or (norm and (f" {norm} " in f" {ktext} " or
                                                                       f" {ktext} " in f" {norm} ")):
                clash = k
                break
        if clash is None:
            kept.append(it)
    return kept


__all__ = ["ListShape"]
