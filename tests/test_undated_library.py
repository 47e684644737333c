"""The bundled articles give no publication date (their text names weekdays and months, never a year), so
none is invented for them; a date filter over such a library says so plainly, in the UI before a date is
typed, and as a sentence when one is."""

from __future__ import annotations

import html

import pytest

from articleqa.errors import InputError
from articleqa.filters import NO_DATES
from articleqa.ui.library import NO_DATES_HINT


def test_no_date_is_invented_for_the_bundled_articles(qa):
    assert [d.published for d in qa.documents()] == [None] * len(qa.documents())


def test_a_date_filter_over_undated_articles_says_none_has_a_date(qa, capsys, article_index):
    with pytest.raises(InputError) as err:
        qa.ask("Where are the talks held?", published_after="2026-01")
    assert str(err.value) == NO_DATES

    from articleqa.cli import main

    assert main(["ask", "Where are the talks held?", "--after", "2026", "--index-dir", str(article_index)]) == 2
    assert capsys.readouterr().err.strip() == f"articleqa: error: {NO_DATES}"


def test_the_ui_says_it_as_a_sentence_and_hints_it_beside_the_date_boxes(qa):
    from articleqa.ui import build_app

    app = build_app(qa)
    boxes = {b.elem_id: b for b in app.blocks.values() if getattr(b, "elem_id", None)}
    assert boxes["aqa-filter-after"].info == NO_DATES_HINT and boxes["aqa-filter-before"].info == NO_DATES_HINT
    respond = next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == "respond")
    *_, (_box, chat, _session, _sources, _viewer) = list(respond("Where are the talks held?", [], None, None, None,
                                                               "2026-01", None))
    shown = html.unescape(chat[-1]["content"])
    assert "aqa-error" in shown and "None of the indexed articles has a publication date" in shown
