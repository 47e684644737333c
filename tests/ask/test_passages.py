"""The passage path's choice between the reader's single answer and a list (articleqa.ask.passages)."""

from __future__ import annotations

from articleqa.ask.passages import _splits_the_span
from articleqa.records import Answer, AnswerPart, Citation


def _factoid(doc_id: str, start: int, end: int) -> Answer:
    cite = Citation(1, doc_id, "t", "s", "quote", start - 10, end + 10, 1.0, answer_start=start, answer_end=end)
    return Answer("Who voted against it?", "X", True, 0.8, citations=[cite])


def _listed(*parts: tuple[str, int, int]) -> Answer:
    return Answer("Who voted against it?", "A; B", True, 0.8, kind="list",
                  parts=[AnswerPart(f"item {n}", [1], d, s, e) for n, (d, s, e) in enumerate(parts)])


def test_a_list_that_splits_the_readers_answer_into_its_parts_is_kept() -> None:
    # "Councillors Maureen Pryce and Owen Tasker" (100-140) → "Maureen Pryce" and "Owen Tasker"
    assert _splits_the_span(_listed(("d", 112, 125), ("d", 130, 140)), _factoid("d", 100, 140))


def test_a_list_that_adds_parties_from_elsewhere_is_not_a_split() -> None:
    assert not _splits_the_span(_listed(("d", 100, 120), ("d", 300, 320)), _factoid("d", 100, 140))
    # the same offsets in another article are another span
    assert not _splits_the_span(_listed(("e", 112, 125), ("d", 130, 140)), _factoid("d", 100, 140))


def test_an_item_running_past_the_answer_is_not_inside_it() -> None:
    assert not _splits_the_span(_listed(("d", 100, 120), ("d", 130, 150)), _factoid("d", 100, 140))


def test_a_factoid_without_a_span_splits_nothing() -> None:
    declined = Answer("Who voted against it?", "The articles don't say.", False, 0.1)
    assert not _splits_the_span(_listed(("d", 0, 5), ("d", 30, 40)), declined)
