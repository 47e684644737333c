"""How likely the reader's best span is the right answer, as a calibrated probability.

The reader's span-vs-no-answer margin is the main evidence. Beside it: how close the passage it came from is to
the question (retrieval), whether the other passages read point at the same answer (agreement), and whether the
answer is the kind of phrase the question asks for (a "how many people" question is not answered by "500 acres",
a "when" question by a name). A logistic model over these signals is fitted by ``articleqa.training.calibrate``
on held-aside slices of the training data (answerable questions and made-up unanswerable look-alikes) and stored
in the model's reader.json — never on an evaluation set. Abstention is a threshold on the result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from ..metrics import f1
from ..records import Passage
from .reader import Reading

SIGNALS = ("margin", "own_margin", "span_score", "dense", "top_dense", "rank", "answer_words", "agreement",
           "type_fit", "type_clash")

_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
                 "hundred hundreds thousand thousands million millions billion billions trillion dozen dozens "
                 "several few many half quarter once twice")
_NUMBER = re.compile(r"\d|\b(" + "|".join(_NUMBER_WORDS.split()) + r")\b", re.I)
_TIME = re.compile(
    r"\d|\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|"
    r"apr|jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|"
    r"yesterday|tomorrow|tonight|morning|afternoon|evening|night|week|weeks|month|months|year|years|decade|"
    r"decades|century|centuries|day|days|hour|hours|minute|minutes|season|spring|summer|autumn|fall|winter|"
    r"ago|earlier|later|since|until|during|before|after|now|recently|era|age)\b", re.I)
_MONEY = re.compile(r"[$€£¥]|\b(dollars?|euros?|pounds?|yen|yuan|rupees?|cents?|usd|eur|gbp)\b", re.I)
# Units that measure something other than a count of the things asked about.
_UNITS = re.compile(
    r"\b(acres?|hectares?|miles?|kilometers?|kilometres?|km|meters?|metres?|feet|foot|inches?|yards?|square|"
    r"tons?|tonnes?|pounds?|kilograms?|kg|grams?|ounces?|liters?|litres?|gallons?|barrels?|degrees?|percent|"
    r"per\s?cent|%|mph|kph|hours?|minutes?|seconds?|days?|weeks?|months?|years?|times|dollars?|euros?|[$€£])(?!\w)",
    re.I)


_ASKS_MONEY = re.compile(r"\b(price|prices|cost|costs|spend|spent|paid|pay|worth|revenue|revenues|profit|profits|"
                         r"salary|fee|fees|bid|budget|fund|funding)\b", re.I)


def type_fit(question_type: str | None, focus: str | None, answer: str, after: str = "", question: str = "") -> float:
    """1 when the answer is the kind of phrase the question asks for, 0 when it plainly is not, 0.5 unknown.

    ``after`` is the text right after the answer in its passage: "how many people" may be answered "500" in
    "500 acres", whose unit follows the span."""
    if question_type in {"how_much", "which"} and _ASKS_MONEY.search(question) and (
        question_type == "how_much" or (focus or "").lower() in {"price", "cost", "amount", "revenue", "profit", "fee"}
    ):
        return 1.0 if _MONEY.search(f"{answer} {' '.join(after.split()[:2])}") else 0.0
    if question_type in {"how_many", "how_much", "how_long"}:
        if not _NUMBER.search(answer) and not (question_type == "how_much" and _MONEY.search(answer)):
            return 0.0
        if question_type == "how_many" and focus:
            unit = _UNITS.search(f"{answer} {' '.join(after.split()[:2])}")
            if unit and not re.match(re.escape(focus[:4]), unit.group(0), re.I):
                return 0.0  # a count of people answered with an area, a distance, a sum of money, a span of time
        return 1.0
    if question_type == "when":
        return 1.0 if _TIME.search(answer) else 0.0
    if question_type in {"who", "where"}:
        return 1.0 if re.search(r"\b[A-Z]", answer) else 0.5
    return 0.5


def _what_focus(question: str) -> str | None:
    """The noun a "how many X" / "what X" question counts or names (first word after it)."""
    m = re.search(r"\b(?:how many|what|which)\s+(?:was\s+|is\s+|were\s+|are\s+)?(?:the\s+)?([a-z]+)", question.lower())
    return m.group(1) if m else None


def answer_signals(reading: Reading, passages: Sequence[Passage], answer_text: str, question: str = "",
                   question_type: str | None = None) -> dict[str, float]:
    best = reading.best
    if best is None:
        return {}
    passage = passages[best.passage]
    top_dense = max((float(p.scores.get("dense", 0.0)) for p in passages), default=0.0)
    others = {}
    for s in reading.spans:
        if s.passage != best.passage and s.passage not in others:
            others[s.passage] = s
    agreement = 0.5  # one passage read: nothing to agree or disagree with
    if others:
        texts = [passages[s.passage].chunk.text[s.start - passages[s.passage].chunk.start:
                                                s.end - passages[s.passage].chunk.start] for s in others.values()]
        agreement = max(f1(t, answer_text) for t in texts)
    chunk = passage.chunk
    after = chunk.text[best.end - chunk.start : best.end - chunk.start + 40]
    fit = type_fit(question_type, _what_focus(question), answer_text, after, question)
    return {
        "margin": best.score - reading.min_null,
        "own_margin": best.score - best.null_score,
        "span_score": best.score,
        "dense": float(passage.scores.get("dense", 0.0)),
        "top_dense": top_dense,
        "rank": 1.0 / (best.passage + 1),
        "answer_words": math.log1p(len(answer_text.split())),
        "agreement": agreement,
        "type_fit": float(fit == 1.0),
        "type_clash": float(fit == 0.0),
    }


def calibrated(signals: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """P(answer right) = logistic(bias + Σ weight·signal); with no fitted weights, the raw margin squashed."""
    if not signals:
        return 0.0
    if not weights:
        z = signals["margin"]
    else:
        z = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * float(signals.get(k, 0.0)) for k in SIGNALS)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
