"""Explanation: the clause that gives the reason ("why …", "what caused …") or the manner ("how did …"),
trimmed to it, with its sentence quoted.

The reader proposes where (its best spans); the article's sentences closest to the question (stored sentence
vectors) and those that grammatically state a reason or a manner are the candidates. In the chosen sentence the
answer is the reason/manner clause when the rest of its clause only restates the question ("the administration
agreed to move forward with the talks" + "to be respectful of U.S. allies …"), and the whole statement (without
"X said") when the rest is part of the answer ("Iran requested that the talks be moved …, arguing that …").
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from ...nlp import content_terms, parse, parse_syntax, stem
from ...records import Answer, AnswerPart, Citation, Passage
from ..reader import Reading
from .clauses import Clause, clause_of, constructions, noun_phrase, restates, without_attribution
from .sentences import ArticleSentences

NOT_FOUND = "The articles don't say."
# Bonuses on a candidate sentence's similarity to the question: it states a reason/manner; the reader's best
# span is in it; one of the reader's next spans is.
CONSTRUCTION_BONUS = 0.2
READER_BONUS = 0.15
READER_NEAR_BONUS = 0.05
CANDIDATES = 6  # sentences parsed per question
MIN_OVERLAP = 0.5  # of the question's content words, in the sentence or the one before, when the reader disagrees
STATED_WITHIN = 0.25  # a sentence stating a reason this close to the closest sentence is preferred to it
TRUSTED = 0.8  # the reader's calibrated confidence from which its sentence is kept (records.CONFIDENCE_BANDS "high")


class Explanation:
    """The explanation shape. Constructor = contract (how many candidate sentences are parsed)."""

    def __init__(self, candidates: int = CANDIDATES) -> None:
        self.candidates = candidates

    def run(
        self,
        question: str,
        aspect: str,
        reading: Reading,
        read: Sequence[Passage],
        articles: Mapping[str, ArticleSentences],
        query_vector: np.ndarray,
        reader_confidence: float,
        reader_answered: bool,
    ) -> Answer:
        t0 = time.perf_counter()
        spans = [(read[s.passage].chunk.doc_id, s.start, s.end) for s in reading.spans[:5]]
        scored = _scored(articles, query_vector, spans)
        kind = "manner" if aspect == "manner" else "reason"  # a cause is a reason whose answer is a noun phrase
        best, stated, reader_states = self._weigh(articles, scored, kind)
        # A reader sure of its answer (the calibrated "high" band) keeps its sentence.
        trusted = reader_answered and (reader_states or reader_confidence >= TRUSTED)
        near = (kind == "reason" and stated is not None and not trusted
                and _shares_common_word(question, articles[stated[1]].text(stated[2])))
        if near:
            best = stated  # a "why" is answered where a reason is stated, if one is stated near the top
        if best is None:
            return Answer(question, NOT_FOUND, False, 0.0, kind="explanation", question_type="why")
        doc_id, i = best[1], best[2]
        art = articles[doc_id]
        s0, e0 = art.spans[i]
        agreed = bool(reader_answered and spans and spans[0][0] == doc_id and s0 <= spans[0][1] and spans[0][2] <= e0)
        # Where the reader declined, only a sentence that says half of what the question asks may answer.
        if not agreed and not (near and reader_answered) and not (_on_topic(question, art, i)
                                                                   and _names_all_in(question, art)):
            return Answer(question, NOT_FOUND, False, 0.0, kind="explanation", question_type="why",
                          signals={"explanation_overlap": 0.0})
        answer = _answer(question, aspect, kind, art, best, spans, agreed, reader_confidence)
        answer.timings_ms = {"explanation": (time.perf_counter() - t0) * 1000}
        return answer

    def _weigh(self, articles: Mapping[str, ArticleSentences], scored: list[tuple[float, float, str, int]],
               kind: str) -> tuple[_Pick | None, _Pick | None, bool]:
        """The best candidate sentence, the best that states a reason near the top, and whether the reader's
        best span sits in a sentence that states a reason itself."""
        best: _Pick | None = None
        stated: _Pick | None = None
        top_sim = scored[0][0] if scored else 0.0
        reader_states = False
        for sim, bonus, doc_id, i in scored[: self.candidates]:
            found = constructions(articles[doc_id].text(i), kind)
            if bonus == READER_BONUS and any(c.kind == "reason" for c in found):
                reader_states = True
            # The reader is trained on short spans: its pick counts fully where the sentence states a reason or
            # manner, half where it does not (it often lands on a number beside the reason).
            total = sim + (CONSTRUCTION_BONUS + bonus if found else bonus / 2 if kind == "reason" else bonus)
            if best is None or total > best[0]:
                best = (total, doc_id, i, found)
            if any(c.kind == "reason" for c in found) and sim >= top_sim - STATED_WITHIN and (stated is None or total > stated[0]):
                stated = (total, doc_id, i, found)
        return best, stated, reader_states


_Pick = tuple[float, str, int, list[Clause]]  # (score, doc_id, sentence, the reason/manner constructions in it)


def _scored(articles: Mapping[str, ArticleSentences], query_vector: np.ndarray,
            spans: list[tuple[str, int, int]]) -> list[tuple[float, float, str, int]]:
    """Every sentence as (similarity to the question, reader bonus, doc_id, index), best first."""
    scored: list[tuple[float, float, str, int]] = []
    for doc_id, art in articles.items():
        sims = art.vectors @ query_vector if len(art.vectors) == len(art.spans) else np.zeros(len(art.spans))
        for i, (s, e) in enumerate(art.spans):
            bonus = 0.0
            for k, (d, a, b) in enumerate(spans):
                if d == doc_id and s <= a and b <= e:
                    bonus = max(bonus, READER_BONUS if k == 0 else READER_NEAR_BONUS)
            scored.append((float(sims[i]), bonus, doc_id, i))
    scored.sort(key=lambda x: -(x[0] + x[1]))
    return scored


def _answer(question: str, aspect: str, kind: str, art: ArticleSentences, best: _Pick,
            spans: list[tuple[str, int, int]], agreed: bool, reader_confidence: float) -> Answer:
    """The explaining clause of the chosen sentence (or of the earlier one that tells the event), cited."""
    score, doc_id, i, found = best
    s0, e0 = art.spans[i]
    sentence = art.text(i)
    in_sentence = [(a - s0, b - s0) for d, a, b in spans if d == doc_id and s0 <= a and b <= e0]
    doc = art.document
    on_span = [c for c in found if any(c.start <= a < c.end for a, _ in in_sentence)]
    earlier = None if on_span else _stated_event(art, i, in_sentence)
    if earlier is not None:
        # "… before rejecting Iran's request …": the reason is where the request itself is told.
        j = earlier
        sentence, (s0, e0) = art.text(j), art.spans[j]
        a, b = _clause(question, sentence, constructions(sentence, kind), [])
    elif aspect == "cause" and agreed and (np_ := noun_phrase(sentence, *in_sentence[0])) is not None:
        a, b = np_[0], np_[1]  # "What caused the fire?" → "a faulty electrical heater in the … office"
    else:
        a, b = _clause(question, sentence, found, in_sentence)
    cite = Citation(n=1, doc_id=doc_id, title=doc.title, source=doc.source, quote=sentence, start=s0, end=e0,
                    score=round(score, 4), answer_start=s0 + a, answer_end=s0 + b, author=doc.author,
                    published=doc.published)
    text = sentence[a:b]
    return Answer(question, text, True, reader_confidence if agreed else min(reader_confidence, 0.5) or 0.5,
                  [cite], kind="explanation", question_type="how" if aspect == "manner" else "why",
                  parts=[AnswerPart(text, [1], doc_id, s0 + a, s0 + b)],
                  signals={"explanation_score": score, "reader_agrees": float(agreed)})


def _stated_event(art: ArticleSentences, i: int, spans: list[tuple[int, int]]) -> int | None:
    """When the reader's span in sentence i names an event by a noun ("Iran's request"), the earlier sentence
    of the article that tells it with the verb ("Iran … requested that …"); None when there is none."""
    if not spans:
        return None
    doc = parse(art.text(i))
    a, b = spans[0]
    nouns = [t for t in doc if a <= t.idx < b and t.pos_ == "NOUN" and t.tag_ == "NN"]
    wanted = {stem(t.text) for t in nouns if len(t.text) > 3}
    if not wanted:
        return None
    for j in range(i - 1, -1, -1):
        if any(t.pos_ == "VERB" and stem(t.text) in wanted for t in parse(art.text(j))):
            return j
    return None


def _shares_common_word(question: str, sentence: str) -> bool:
    """The sentence repeats one of the question's common words (not a name): "profit" in "Why did Vantor's
    profit fall?" — a sentence that shares only "Iran" with "Why did Iran attack Israel?" is about something else."""
    common = {stem(t.text) for t in parse_syntax(question) if t.pos_ in {"NOUN", "VERB", "ADJ"} and not t.is_stop}
    return bool(common & set(content_terms(sentence)))


def _names_all_in(question: str, art: ArticleSentences) -> bool:
    """Every name the question uses (a capitalised word after its first) occurs in the article: "Why did Iran
    attack Israel?" is not answered by an article that never names Israel, however on-topic a sentence looks."""
    names = [w.strip("?.,!:;'’\"") for w in question.split()[1:] if w[:1].isupper()]
    text = art.document.text.lower()
    return all(n.lower() in text for n in names if n)


def _on_topic(question: str, art: ArticleSentences, i: int, share: float = MIN_OVERLAP) -> bool:
    """Half of the question's content words are in the sentence or the one before it (what "it" refers to)."""
    asked = set(content_terms(question))
    if not asked:
        return False
    here = set(content_terms(art.text(i) + " " + (art.text(i - 1) if i > 0 else "")))
    return len(asked & here) >= share * len(asked)


def _clause(question: str, sentence: str, found: list[Clause], spans: list[tuple[int, int]]) -> tuple[int, int]:
    """Offsets in ``sentence`` of the explaining clause."""
    if found:
        hit = [c for c in found if any(c.start <= a < c.end for a, _ in spans)]
        chosen = (hit or found)[0]
        outer = clause_of(sentence, chosen.start, chosen.end)
        rest = sentence[outer[0]:chosen.start] + " " + sentence[chosen.end:outer[1]]
        if outer == (chosen.start, chosen.end):  # the reason is its own clause: read the sentence around it
            main = without_attribution(sentence)
            rest = sentence[main[0]:chosen.start] + " " + sentence[chosen.end:main[1]]
        if restates(rest, question) or (chosen.governs and stem(chosen.governs) in set(content_terms(question))):
            return chosen.start, chosen.end  # the rest says what the question says: the reason alone answers
        return without_attribution(sentence)
    if spans:
        return clause_of(sentence, *spans[0])
    return without_attribution(sentence)


__all__ = ["Explanation"]
