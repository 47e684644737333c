"""The confidence signals that do not come from the reader: answer-type fit and agreement between passages."""

from __future__ import annotations

import pytest

from articleqa.answer.confidence import SIGNALS, calibrated, type_fit


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
