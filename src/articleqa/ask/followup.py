"""Follow-up questions ("Who confirmed it?") resolved against a chat's earlier turns into standalone requests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..answer.about import article_question
from ..answer.shapes import recognise
from ..nlp import WH_WORDS, parse
from ..question import classify, clean_question
from ..records import Answer
from .request import AskRequest

_PRONOUN = re.compile(r"\b(it|its|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|there)\b", re.I)
_LEADING = re.compile(r"^\s*(and|so|but|also|then|ok|okay|what about|how about)\b[\s,]*", re.I)
_PLURAL_PRONOUNS = {"they", "them", "their", "theirs", "these", "those"}
_PERSON_PRONOUNS = {"he", "him", "his", "she", "her", "hers"}


@dataclass
class Turn:
    question: str
    standalone: str
    answer: Answer | None


def _subject_phrase(question: str, plural: bool | None, answer: str | None = None) -> str | None:
    """The main noun phrase of an earlier question: what a pronoun in the next one most likely means.

    The phrase keeps its complements ("the U.S. Secretary of State"); a wh-phrase ("Which country") means
    the earlier answer, when there was one."""
    doc = parse(question)
    phrases: list[tuple[str, bool, bool]] = []
    for nc in doc.noun_chunks:
        if nc.root.pos_ == "PRON":
            continue
        is_plural = nc.root.tag_ in {"NNS", "NNPS"} or any(t.lower_ == "and" for t in nc)
        is_subject = nc.root.dep_ in {"nsubj", "nsubjpass"}
        if any(t.lower_ in WH_WORDS for t in nc):
            if answer:
                phrases.append((answer, is_plural, is_subject))
            continue
        end = nc.end
        while end < len(doc) and doc[end].dep_ == "prep" and doc[end].head.i == nc.root.i:
            end = doc[end].right_edge.i + 1  # "Secretary [of State]"
        text = doc[nc.start : end].text if end - nc.start <= 10 else nc.text
        phrases.append((text, is_plural, is_subject))
    if not phrases:
        return None
    # The grammatical subject is the likeliest antecedent ("the talks" in "Where will the talks take place?").
    phrases.sort(key=lambda item: 0 if item[2] else 1)
    if plural:
        matching = [text for text, p, _s in phrases if p == plural]
        if matching:
            return matching[0]
    return phrases[0][0]


_NUMBER_WORDS = (
    r"\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens|hundreds|thousands|"
    r"millions|several|many|few|some|a few|a dozen"
)
_COUNT = re.compile(
    rf"^(?:at (?:least|most)|about|around|nearly|almost|more than|fewer than|less than|over|some|only)?\s*"
    rf"(?:{_NUMBER_WORDS})\s+(?:of\s+(?:the\s+)?)?",
    re.I,
)


def _without_count(phrase: str) -> str:
    """ "at least nine countries" → "countries": a count in the antecedent would answer "how many of them"
    before retrieval even starts."""
    stripped = _COUNT.sub("", phrase).strip()
    return stripped if stripped else phrase


def _possessive(phrase: str) -> str:
    return phrase + ("'" if phrase.endswith("s") else "'s")


def _answer_phrase(answer: Answer | None) -> str | None:
    """What a pronoun can mean in an earlier answer: a factoid's span; a list's items joined as a sentence joins
    them ("Arab and Muslim leaders and at least nine countries in the region", not the displayed "A; B"); an
    overview or an explanation is no phrase (a pronoun after one means what the question was about)."""
    if answer is None or not answer.answerable or answer.kind in {"overview", "explanation"}:
        return None
    items = [p.text for p in answer.parts] if answer.kind == "list" else []
    if len(items) >= 2:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return answer.text


def rewrite(question: str, history: Sequence[Turn]) -> str | None:
    """A standalone version of ``question`` given earlier turns, or None when it already stands alone."""
    if not history:
        return None
    prev = history[-1]
    q = question.strip()
    has_pronoun = bool(_PRONOUN.search(q))
    elliptical = bool(_LEADING.match(q)) or len(q.split()) <= 3
    if not has_pronoun and not elliptical:
        return None
    prev_info = classify(prev.standalone)
    counting = bool(re.search(r"\bhow (many|much)\b", q, re.I))
    prev_answer = _answer_phrase(prev.answer)
    body = _LEADING.sub("", q) if _LEADING.match(q) else q
    body = body[:1].upper() + body[1:] if body else body

    def replace(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low == "there" and prev_info.qtype == "where" and prev_answer:
            return f"in {prev_answer}"
        if low in _PERSON_PRONOUNS and prev_info.qtype == "who" and prev_answer:
            return _possessive(prev_answer) if low in {"his", "hers"} else prev_answer
        phrase = _subject_phrase(prev.standalone, low in _PLURAL_PRONOUNS, prev_answer)
        if phrase is None:
            return word
        if counting:
            phrase = _without_count(phrase)
        if low in {"its", "their", "theirs", "his", "hers"}:
            return _possessive(phrase)
        if low in {"it", "this", "that"} and prev_answer and prev_info.qtype in {"where", "when"}:
            return f"{phrase} {'in' if prev_info.qtype == 'where' else 'on'} {prev_answer}"
        return phrase

    if has_pronoun:
        rewritten = _PRONOUN.sub(replace, body)
    else:
        # Pure ellipsis ("And in Istanbul?"): carry the earlier question's topic along.
        rewritten = f"{body.rstrip('?')} — {prev.standalone}"
    rewritten = re.sub(r"\s+", " ", rewritten).strip()
    return rewritten if rewritten != q else None


def last_article(turns: Sequence[Turn]) -> str | None:
    """The article the latest cited answer came from: what "it" means in "Who wrote it?" or "Summarize it"."""
    for turn in reversed(turns):
        if turn.answer is not None and turn.answer.citations:
            return turn.answer.citations[0].doc_id
    return None


def resolve(request: AskRequest, turns: Sequence[Turn]) -> AskRequest:
    """The request as it stands alone, given the chat's earlier turns: a question about "it" (who wrote it,
    summarize it) points at the article the chat was about; any other follow-up is rewritten to name what its
    pronoun or ellipsis means. Nothing is answered here."""
    question = request.question
    if (about := article_question(question)) is not None:
        refers_back = about.refers_back
    elif (shape := recognise(question)).kind == "overview":
        refers_back = shape.refers_back
    else:
        standalone = rewrite(question, turns)
        return request.with_(standalone=clean_question(standalone) if standalone else None)
    article = last_article(turns) if refers_back else None
    return request.with_(about_doc=article) if article is not None else request
