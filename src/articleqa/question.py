"""Question typing: what kind of phrase answers it (a person, a place, a date, a number, a reason…)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .errors import InputError
from .nlp import content_terms

PLACE = frozenset({"GPE", "LOC", "FAC"})
PERSONISH = frozenset({"PERSON", "ORG", "NORP", "GPE", "GROUP"})  # GROUP: "other Middle Eastern nations"
TIME = frozenset({"DATE", "TIME"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})

# Head nouns of "what/which X" questions and the entity types that answer them.
FOCUS_TYPES: dict[str, frozenset[str]] = {}
for _words, _labels in [
    ("country countries nation nations city cities state states town towns capital place places region "
     "province village island continent location venue", PLACE | {"ORG"}),
    ("company companies organization organisation group groups agency agencies team teams party parties "
     "newspaper network firm university school bank airline club band channel outlet magazine broadcaster", frozenset({"ORG"})),
    ("person people man men woman women official officials leader leaders president minister player "
     "actor actress singer author writer spokesman spokeswoman director chief judge senator governor",
     frozenset({"PERSON", "NORP", "ORG"})),
    ("year years day days month months date time decade century season era", TIME),
    ("nationality religion language ethnicity", frozenset({"NORP", "LANGUAGE"})),
    ("percentage percent proportion rate share", frozenset({"PERCENT"})),
    ("number amount price cost age", NUMBER | {"DATE"}),
]:
    for _w in _words.split():
        FOCUS_TYPES[_w] = _labels

# Terminal escape sequences (ECMA-48): CSI "ESC [ … final" (colours, cursor moves), OSC "ESC ] … BEL/ESC \\"
# (window titles, hyperlinks), other ESC sequences, and the one-byte C1 CSI. Text pasted from a terminal
# carries them; left in, "[1mWhere" is no word of any article.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]?"
)


def clean_question(text: str | None) -> str:
    """The question as the user meant it: terminal escape codes, control and invisible characters removed,
    whitespace collapsed, NFC. Every entry point (CLI, Python API, web UI and its API) reads questions
    through this, so a pasted question answers the same as a typed one."""
    text = _ANSI.sub("", text or "")
    text = "".join(
        " " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf"}
    )
    return " ".join(unicodedata.normalize("NFC", text).split())


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def case_neutral(question: str) -> str:
    """The question in lower case when its capitals carry no information — ALL CAPS, or Title Case (every word
    of four letters or more capitalised, at least three of them) — else unchanged.

    Rules that read case ("the article" is an article word, "The Story of Tibet" is a book's name) would
    otherwise see no article words in "WHO WROTE THE ARTICLE ABOUT THE WAREHOUSE FIRE?". A question that
    uses capitals for names ("Who wrote the Vantor Foods article?") keeps them."""
    letters = [ch for ch in question if ch.isalpha()]
    if not letters:
        return question
    if not any(ch.islower() for ch in letters):
        return question.lower()
    long_words = [w for w in _WORD.findall(question) if len(w) >= 4]
    if len(long_words) >= 3 and all(w[0].isupper() for w in long_words):
        return question.lower()
    return question


# One limit and one pair of messages for every door (CLI, Python API, web UI and its /ask endpoint): a
# question is a sentence or two, and longer text is refused with a message, never cut.
MAX_QUESTION_CHARS = 2000
EMPTY_QUESTION = "the question is empty; type a question about your articles"


def too_long_message(n_chars: int) -> str:
    return (f"the question is {n_chars:,} characters long; a question can have at most {MAX_QUESTION_CHARS:,} "
            "characters; shorten it and ask again")


def checked_question(text: str | None) -> str:
    """The cleaned question (:func:`clean_question`), or InputError when it is empty or longer than
    :data:`MAX_QUESTION_CHARS` (counted after cleaning, so an escape code pasted with it does not count)."""
    question = clean_question(text)
    if not question:
        raise InputError(EMPTY_QUESTION)
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(too_long_message(len(question)))
    return question


AUX_START = re.compile(
    r"^(is|are|was|were|do|does|did|can|could|will|would|should|shall|has|have|had|may|might|must)\b", re.I
)


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    qtype: str
    expected: frozenset[str] = field(default_factory=frozenset)
    focus: str | None = None
    terms: tuple[str, ...] = ()
    # Stems of the question's main verbs: the answer is often their object in the sentence ("What did X ignite?").
    verbs: tuple[str, ...] = ()
    # The wh-phrase is the subject of a verb ("Which news outlet reported …?"): the answer is who did it.
    asks_subject: bool = False


_AUX_VERBS = frozenset({"be", "is", "are", "was", "were", "do", "does", "did", "have", "has", "had", "will",
                        "would", "can", "could", "should", "shall", "may", "might", "must", "been", "being"})


def _parse_question(q: str) -> tuple[str | None, tuple[str, ...], bool]:
    """(head noun of the wh-phrase, main verb stems, whether the wh-phrase is a subject) from spaCy's parse."""
    from .nlp import parse_syntax, stem

    doc = parse_syntax(q)
    focus = None
    for tok in doc:
        if tok.lower_ in {"what", "which", "whose"} and tok.dep_ in {"det", "attr", "dobj", "nsubj"} and tok.head.pos_ in {
            "NOUN", "PROPN"
        }:
            focus = tok.head.lower_
            break
    verbs = tuple(
        stem(t.text) for t in doc if t.pos_ in {"VERB", "AUX"} and t.lower_ not in _AUX_VERBS and t.dep_ != "aux"
    )
    # A predicate adjective plays the verb's part: "What is Rubio [skeptical] about?" ↔ "expressed skepticism
    # that …" (same stem).
    verbs += tuple(stem(t.text) for t in doc if t.pos_ == "ADJ" and t.dep_ in {"acomp", "ROOT"})
    asks_subject = False
    for tok in doc:
        if tok.lower_ in {"which", "what", "whose"}:
            phrase = tok.head if tok.dep_ == "det" else tok
            asks_subject = phrase.dep_ == "nsubj" and phrase.head.pos_ == "VERB"  # passive asks for the patient
            break
    return focus, verbs, asks_subject


def classify(question: str) -> QuestionInfo:
    q = question.strip()
    low = q.lower()
    terms = tuple(content_terms(q))
    parsed_focus, verbs, asks_subject = _parse_question(q)

    def info(qtype: str, expected: frozenset[str] = frozenset(), focus: str | None = None) -> QuestionInfo:
        return QuestionInfo(q, qtype, expected, focus, terms, verbs, asks_subject)

    if re.search(r"\bhow (many|much)\b", low):
        kind = re.search(r"\bhow (many|much)\b", low).group(1)  # type: ignore[union-attr]
        if kind == "many":
            return info("how_many", frozenset({"CARDINAL", "QUANTITY"}))
        return info("how_much", frozenset({"MONEY", "QUANTITY", "PERCENT", "CARDINAL"}))
    if re.search(r"\bhow (long|old)\b", low):
        return info("how_long", frozenset({"DATE", "TIME", "QUANTITY", "CARDINAL"}))
    if re.search(r"\bhow (far|big|large|tall|high|deep|heavy|fast)\b", low):
        return info("how_much", frozenset({"QUANTITY", "CARDINAL", "PERCENT", "MONEY"}))
    if re.search(r"\bwhen\b", low):
        return info("when", TIME)
    if re.search(r"\bwhere\b", low):
        return info("where", PLACE | {"ORG"})
    if re.search(r"\bwhose\b", low):
        return info("who", frozenset({"PERSON", "ORG", "NORP"}))
    if re.search(r"\bwho(m)?\b", low):
        return info("who", PERSONISH)
    if re.search(r"\bwhy\b", low):
        return info("why")
    m = re.search(r"\b(what|which)\s+(?:(?:kind|type|sort|name) of\s+)?([a-z]+)", low)
    if m:
        focus = m.group(2)
        if parsed_focus and parsed_focus != focus and parsed_focus in FOCUS_TYPES:
            focus = parsed_focus  # "which news outlet" → outlet
        if focus in FOCUS_TYPES:
            qtype = "when" if FOCUS_TYPES[focus] == TIME else "which"
            return info(qtype, FOCUS_TYPES[focus], focus)
        if focus not in {"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "will", "would",
                         "can", "could", "should", "happened", "happens"}:
            return info("which", frozenset(), focus)
    if re.search(r"\bhow\b", low):
        return info("how")
    if re.search(r"\b(what|which)\b", low):
        return info("what")
    if AUX_START.match(low):
        return info("yes_no")
    return info("other")
