"""A written answer is shown as sourced only when the sentences it cites say what it claims (answer/support.py)."""

from __future__ import annotations

import pytest

from articleqa.answer.support import check_claims, first_unsupported, is_supported

CITED = {
    1: "The refinery cost $5.5 billion to build, the company said.",
    2: "Swiss skier Marta Keller badly bruised her arm in a crash on Saturday.",
}


@pytest.mark.parametrize("answer, question", [
    ("It cost $5.5 billion [1].", "How much did the refinery cost to build?"),
    ("Marta Keller bruised her arm [2].", "Who badly bruised her arm?"),
    ("Marta Keller [2]. The refinery cost 5.5 billion dollars [1].", "Who bruised her arm, and what did the refinery cost?"),
    ("The article mentions that Marta Keller did [2].", "Who badly bruised her arm?"),
    ("Marta Keller.", "Who badly bruised her arm?"),  # no marker of its own: checked against every cited sentence
])
def test_claims_the_cited_sentences_say_are_supported(answer: str, question: str) -> None:
    assert is_supported(check_claims(answer, question, CITED))


@pytest.mark.parametrize("answer, question, missing", [
    ("The cost of the refinery was 40 million dollars [1].", "How much did the refinery cost?", "40"),  # the prompt's example
    ("The Austrian skier bruised her arm [2].", "Who badly bruised her arm?", "austrian"),
    ("It cost $5.5 billion [1]. Its owner is Norvex.", "How much did the refinery cost?", "norvex"),  # one claim unsourced
    ("Marta Keller [1].", "Who badly bruised her arm?", "marta"),  # true, but not what sentence 1 says
    ("The teams going down:\n[1] Harlow Rovers beat Kelvale United.", "Which teams are going down?", "harlow"),
])
def test_a_claim_the_cited_sentences_do_not_say_makes_the_answer_unsupported(
    answer: str, question: str, missing: str,
) -> None:
    checks = check_claims(answer, question, CITED)
    assert not is_supported(checks)
    bad = first_unsupported(checks)
    assert bad is not None and missing in bad.missing


def test_an_answer_that_only_restates_the_question_is_not_sourced() -> None:
    checks = check_claims("The show dates have been cancelled [1].", "What show dates have been cancelled?", CITED)
    assert [c.supported for c in checks] == [None] and not is_supported(checks)
