"""The passage path's choice between the reader's single answer and a list (articleqa.ask.passages)."""

from __future__ import annotations

from articleqa.ask.passages import _keeps_the_span
from articleqa.records import Answer, AnswerPart, Citation


def _factoid(doc_id: str, start: int, end: int) -> Answer:
    cite = Citation(1, doc_id, "t", "s", "quote", start - 10, end + 10, 1.0, answer_start=start, answer_end=end)
    return Answer("Who confirmed it?", "X", True, 0.8, citations=[cite])


def _listed(*parts: tuple[str, int, int]) -> Answer:
    return Answer("Who confirmed it?", "A; B", True, 0.8, kind="list",
                  parts=[AnswerPart(f"item {n}", [1], d, s, e) for n, (d, s, e) in enumerate(parts)])


def test_a_list_that_contains_the_readers_span_extends_it() -> None:
    assert _keeps_the_span(_listed(("d", 0, 5), ("d", 100, 120)), _factoid("d", 105, 115))


def test_a_list_of_other_parties_leaves_the_readers_answer_out() -> None:
    assert not _keeps_the_span(_listed(("d", 0, 5), ("d", 30, 40)), _factoid("d", 105, 115))
    # the same offsets in another article are another span
    assert not _keeps_the_span(_listed(("e", 100, 120), ("d", 0, 5)), _factoid("d", 105, 115))


def test_spans_that_only_touch_do_not_overlap() -> None:
    assert not _keeps_the_span(_listed(("d", 90, 105), ("d", 115, 130)), _factoid("d", 105, 115))


def test_a_factoid_without_a_span_keeps_no_list() -> None:
    declined = Answer("Who confirmed it?", "The articles don't say.", False, 0.1)
    assert not _keeps_the_span(_listed(("d", 0, 5), ("d", 30, 40)), declined)
