"""The confidence signals (answer/confidence.py): answer-type fit, agreement between passages, the reader's margins
as signals, and the calibrated probability they make."""

from __future__ import annotations

import pytest

from articleqa.answer.confidence import SIGNALS, answer_signals, calibrated, type_fit
from articleqa.answer.reader import Reading, SpanProposal
from articleqa.records import Chunk, Passage


@pytest.mark.parametrize(("qtype", "question", "answer", "after", "fit"), [
    ("how_many", "How many people died?", "500", " acres of farmland burned", 0.0),
    ("how_many", "How many people died?", "500 acres", "", 0.0),
    ("how_many", "How many people died?", "at least 12", " people, police said", 1.0),
    ("how_many", "How many firefighters fought the blaze?", "46", " firefighters from three stations", 1.0),
    ("how_many", "How many countries reached out?", "Oman", "", 0.0),
    ("how_much", "How much did the recall cost?", "$4.1 million", "", 1.0),
    ("how_much", "How much did it cost?", "chicken pie", "", 0.0),
    ("when", "When did the fire start?", "late on Tuesday, October 13", "", 1.0),
    ("when", "When did the fire start?", "Irene Delacourt", "", 0.0),
    ("who", "Who wrote it?", "Nadia Orkney", "", 1.0),
    ("who", "Who verified the plans?", "a U.S. official", "", 1.0),
    ("which", "Which company won?", "Hollis & Brandt", "", 0.5),
    ("which", "What was the price of one pack?", "90,000", " packs of chicken pie", 0.0),
    ("how_much", "How much did the recall cost?", "4.1", " million dollars", 1.0),
])
def test_an_answer_of_the_wrong_kind_is_marked_as_a_clash(qtype: str, question: str, answer: str, after: str,
                                                           fit: float) -> None:
    from articleqa.answer.confidence import _what_focus

    assert type_fit(qtype, _what_focus(question), answer, after, question) == fit


def test_a_clash_lowers_the_calibrated_confidence_when_its_weight_says_so() -> None:
    signals = {k: 0.0 for k in SIGNALS} | {"margin": 2.0}
    weights = {"margin": 1.0, "type_clash": -3.0, "bias": 0.0}
    assert calibrated(signals | {"type_clash": 1.0}, weights) < calibrated(signals, weights)


def test_signals_without_fitted_weights_fall_back_to_the_squashed_margin() -> None:
    assert calibrated({"margin": 0.0}, {}) == pytest.approx(0.5)
    assert calibrated({}, {"bias": 5.0}) == 0.0


# ------------------------------------------------------------------------------------------------ answer_signals
def _passage(doc_start: int, text: str, dense: float) -> Passage:
    chunk = Chunk(f"d:{doc_start}", "d", text, doc_start, doc_start + len(text), len(text.split()))
    return Passage(chunk, score=dense, rank=1, scores={"dense": dense})


FIRST = "The fire burned 500 acres of farmland near the town."
SECOND = "Officials said 500 acres were lost."
PASSAGES = [_passage(0, FIRST, 0.4), _passage(100, SECOND, 0.7)]


def _span(passage: int, text: str, score: float, null: float) -> SpanProposal:
    p = PASSAGES[passage].chunk
    start = p.start + p.text.index(text)
    return SpanProposal(passage, start, start + len(text), score, null)


def test_signals_measure_the_best_span_against_the_lowest_no_answer_score_and_its_own_window() -> None:
    reading = Reading([_span(0, "500", 6.0, 2.0)], null_scores=[2.0, -1.0])
    signals = answer_signals(reading, PASSAGES, "500")
    assert signals["margin"] == 7.0  # 6 - min(2, -1)
    assert signals["own_margin"] == 4.0
    assert signals["span_score"] == 6.0
    assert (signals["dense"], signals["top_dense"]) == (0.4, 0.7)
    assert signals["rank"] == 1.0


def test_a_span_from_a_lower_passage_gets_a_smaller_rank_signal() -> None:
    signals = answer_signals(Reading([_span(1, "500 acres", 3.0, 0.0)], [0.0, 0.0]), PASSAGES, "500 acres")
    assert signals["rank"] == 0.5
    assert signals["dense"] == 0.7


def test_agreement_is_one_when_another_passage_gives_the_same_answer_and_half_when_none_was_read() -> None:
    same = Reading([_span(0, "500 acres", 5.0, 0.0), _span(1, "500 acres", 4.0, 0.0)], [0.0, 0.0])
    other = Reading([_span(0, "500 acres", 5.0, 0.0), _span(1, "Officials", 4.0, 0.0)], [0.0, 0.0])
    alone = Reading([_span(0, "500 acres", 5.0, 0.0), _span(0, "farmland", 1.0, 0.0)], [0.0, 0.0])
    assert answer_signals(same, PASSAGES, "500 acres")["agreement"] == 1.0
    assert answer_signals(other, PASSAGES, "500 acres")["agreement"] == 0.0
    assert answer_signals(alone, PASSAGES, "500 acres")["agreement"] == 0.5  # a second span of the same passage


def test_a_count_of_people_answered_by_an_area_in_the_passage_is_a_type_clash() -> None:
    reading = Reading([_span(0, "500", 5.0, 0.0)], [0.0])
    clash = answer_signals(reading, PASSAGES, "500", "How many people died?", "how_many")
    fits = answer_signals(reading, PASSAGES, "500", "How many acres burned?", "how_many")
    assert (clash["type_fit"], clash["type_clash"]) == (0.0, 1.0)
    assert (fits["type_fit"], fits["type_clash"]) == (1.0, 0.0)


def test_no_span_read_gives_no_signals_and_no_confidence() -> None:
    signals = answer_signals(Reading([], [1.0]), PASSAGES, "")
    assert signals == {}
    assert calibrated(signals, {"bias": 3.0}) == 0.0


@pytest.mark.parametrize(("question", "focus"), [
    ("How many firefighters fought the blaze?", "firefighters"),
    ("What was the price of one pack?", "price"),
    ("Which company won the contract?", "company"),
    ("Who wrote the article?", None),
])
def test_the_focus_is_the_noun_a_how_many_or_what_question_asks_about(question: str, focus: str | None) -> None:
    from articleqa.answer.confidence import _what_focus

    assert _what_focus(question) == focus
