"""Questions typed in capitals or Title Case are read as the same questions in ordinary case: the case of a
question carries no information when every word has it, so article questions are recognised either way."""

from __future__ import annotations

import pytest

from articleqa.answer.about import article_question
from articleqa.question import case_neutral

ARTICLE_QUESTIONS = [
    "Who wrote the article about the warehouse fire?",
    "When was this article published?",
    "What is the headline of the piece about the library contract?",
    "Which outlet ran the story about the frozen meals maker?",
    "Who is the author of the story on the council vote?",
    "Who wrote it?",
]
CONTENT_QUESTIONS = ["Who wrote the letter?", "When was it signed?", "Who led the fire brigade at the warehouse?"]


def _title(q: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in q.split())


def _headline(q: str) -> str:  # Title Case that leaves the short words alone
    return " ".join(w[:1].upper() + w[1:] if len(w) > 3 else w for w in q.split())


@pytest.mark.parametrize("spell", [str.upper, _title, _headline], ids=["CAPITALS", "Title", "Headline"])
@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_article_questions_are_recognised_in_capitals_and_title_case(question, spell):
    plain = article_question(question)
    assert plain is not None
    got = article_question(spell(question))
    assert got is not None and got.field == plain.field
    assert got.subject.lower() == plain.subject.lower()


@pytest.mark.parametrize("spell", [str.upper, _title], ids=["CAPITALS", "Title"])
@pytest.mark.parametrize("question", CONTENT_QUESTIONS)
def test_content_questions_stay_content_questions_in_capitals(question, spell):
    assert article_question(question) is None
    assert article_question(spell(question)) is None


def test_capitals_that_name_something_are_kept():
    assert case_neutral("Who wrote the Vantor Foods article?") == "Who wrote the Vantor Foods article?"
    assert case_neutral("Who wrote The Story of Tibet?") == "Who wrote The Story of Tibet?"
    assert article_question("Who wrote The Story of Tibet?") is None  # a book's name, not an article word


@pytest.mark.parametrize("question", ["WHO WROTE THE ARTICLE ABOUT THE WAREHOUSE FIRE?",
                                      "Who Wrote The Article About The Warehouse Fire?"])
def test_the_byline_answers_the_capitalised_question(question, qa):
    answer = qa.ask(question)
    assert answer.text == "Nadia Orkney"
    assert answer.citations and answer.citations[0].quote == "By Nadia Orkney"
