"""Follow-up questions made standalone: what a pronoun means after each shape of earlier answer."""

from __future__ import annotations

from articleqa.ask import Turn, rewrite
from articleqa.records import Answer, AnswerPart


def _turn(question: str, answer: Answer) -> list[Turn]:
    return [Turn(question, question, answer)]


def test_a_pronoun_after_a_list_means_its_items_joined_as_a_sentence_joins_them() -> None:
    parts = [AnswerPart("Arab and Muslim leaders", [1], "d", 0, 23),
             AnswerPart("at least nine countries in the region", [2], "d", 40, 77)]
    question = "Which groups urged the talks?"
    urged = Answer(question, "; ".join(p.text for p in parts), True, 0.3, kind="list", parts=parts)
    standalone = rewrite("What did they want?", _turn(question, urged))
    assert standalone == "What did Arab and Muslim leaders and at least nine countries in the region want?"
    assert standalone is not None and ";" not in standalone


def test_a_pronoun_after_three_items_lists_them_with_commas() -> None:
    parts = [AnswerPart(t, [1], "d", n * 10, n * 10 + len(t)) for n, t in enumerate(["Russia", "China", "India"])]
    question = "Which countries vetoed the resolution?"
    vetoed = Answer(question, "Russia; China; India", True, 0.4, kind="list", parts=parts)
    assert rewrite("Why did they object?", _turn(question, vetoed)) == (
        "Why did Russia, China and India object?")


def test_a_pronoun_after_an_explanation_means_what_the_question_was_about() -> None:
    question = "What caused the warehouse fire?"
    why = Answer(question, "the fire was started by a faulty electrical heater in the ground-floor office", True,
                 0.5, kind="explanation")
    assert rewrite("When did it start?", _turn(question, why)) == "When did the warehouse fire start?"


def test_a_pronoun_after_a_factoid_means_its_answer() -> None:
    who = Answer("Who confirmed the meeting?", "Abbas Araghchi", True, 0.7)
    assert rewrite("What is his title?", _turn("Who confirmed the meeting?", who)) == "What is Abbas Araghchi's title?"
