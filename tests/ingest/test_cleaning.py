"""The cleaning rules (ingest/cleaning.py) called directly: normalisation, furniture, headline, byline and dateline
lines, and where the lines that state a field end up. The same rules through every file format are pinned in
tests/ingest/test_ingest.py."""

from __future__ import annotations

import pytest

from articleqa.ingest.cleaning import clean_text, fallback_title, is_furniture, strip_article

PROSE = ("Heavy rain closed three coastal roads on Tuesday, officials said. More rain is expected later this week "
         "across the region.")
ARTICLE = clean_text(
    "Storm Closes Coastal Roads\n\nBy Jane Doe\nMarch 3, 2026\n\n" + PROSE + "\n\nThe roads reopened by evening.\n\n"
    "Share\nTweet\n0 Comments\nNewest Most Voted"
)


# ------------------------------------------------------------------------------------------------ clean_text
@pytest.mark.parametrize(("raw", "clean"), [
    ("a\r\nb\rc", "a\nb\nc"),  # every line ending becomes LF
    ("a\u2028b\u2029c", "a\nb\n\nc"),  # Unicode line and paragraph separators too
    ("no\u00a0break\u2009thin\u3000wide", "no break thin wide"),  # odd spaces are spaces
    ("in\u200bvis\u00adible\ufeff", "invisible"),  # zero-width, soft hyphen, BOM dropped
    ("bell\x07 and\x1b escape", "bell and escape"),  # control characters dropped
    ("cafe\u0301", "caf\u00e9"),  # NFC: a combining accent joins its letter
    ("trailing   \nspaces\t", "trailing\nspaces"),
    ("one\n\n\n\n\ntwo", "one\n\ntwo"),  # blank runs collapse to one blank line
    ("  \n\n  padded  \n\n ", "padded"),
])
def test_clean_text_applies_each_normalisation_rule(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


# ------------------------------------------------------------------------------------------------ furniture
@pytest.mark.parametrize(("line", "furniture"), [
    ("0 Comments", True),
    ("Newest Most Voted", True),
    ("He left.", False),  # a short sentence is prose
    ("- a list item", False),
    ("1. first step", False),
    ("A line with many more words than any share or comment widget ever has", False),
])
def test_furniture_is_a_short_line_that_is_neither_a_sentence_nor_a_list_item(line: str, furniture: bool) -> None:
    assert is_furniture(line) is furniture


def test_a_fallback_title_is_a_short_text_whole_or_cut_at_a_word_with_an_ellipsis() -> None:
    assert fallback_title("Short   text\nhere") == "Short text here"
    long = fallback_title(PROSE)
    assert long == "Heavy rain closed three coastal roads on Tuesday, officials…"
    assert len(long) <= 61 and PROSE.startswith(long[:-1])


# ------------------------------------------------------------------------------------------------ strip_article
def test_headline_byline_and_dateline_are_read_and_their_lines_stay_in_the_text() -> None:
    article = strip_article(ARTICLE, None)
    assert (article.title, article.author, article.published) == ("Storm Closes Coastal Roads", "Jane Doe", "2026-03-03")
    assert article.text.startswith("Storm Closes Coastal Roads\n\nBy Jane Doe\nMarch 3, 2026\n\n" + PROSE)
    lines = {name: article.text[a:b] for name, (a, b) in article.field_lines.items()}
    assert lines == {"title": "Storm Closes Coastal Roads", "author": "By Jane Doe", "published": "March 3, 2026"}


def test_a_trailing_comment_widget_is_cut_and_counted() -> None:
    article = strip_article(ARTICLE, None)
    assert article.text.endswith("The roads reopened by evening.")
    assert article.lines_removed == 4


def test_a_given_title_is_found_on_the_first_line_whatever_its_case_and_punctuation() -> None:
    assert strip_article(ARTICLE, "storm closes coastal roads!").field_lines["title"] == (0, 26)


def test_a_given_title_that_is_not_the_first_line_marks_no_headline_line() -> None:
    article = strip_article(ARTICLE, "A Different Title")
    assert article.title is None
    assert "title" not in article.field_lines
    assert article.author == "Jane Doe"


def test_a_byline_inside_a_cut_footer_is_kept_alone_as_the_last_line() -> None:
    body = clean_text("Share\nTweet\nEmail\n" + PROSE + "\nThe roads reopened.\nSubscribe\nLogin\n0 Comments\n"
                      "By Jane Doe")
    article = strip_article(body, None)
    assert article.text == PROSE + "\nThe roads reopened.\n\nBy Jane Doe"
    assert article.author == "Jane Doe"
    assert article.lines_removed == 6  # three widget lines above, four below, less the byline kept
    start, end = article.field_lines["author"]
    assert article.text[start:end] == "By Jane Doe"


def test_a_closing_published_line_gives_the_date_and_is_marked_as_its_line() -> None:
    article = strip_article(clean_text(PROSE + "\n\nPublished January 5, 2026"), None)
    assert article.published == "2026-01-05"
    start, end = article.field_lines["published"]
    assert article.text[start:end] == "Published January 5, 2026"


def test_a_text_that_is_all_furniture_is_kept_whole_rather_than_lost() -> None:
    body = "Share\nTweet\nEmail\nLike"
    article = strip_article(body, None)
    assert article.text == body
    assert article.lines_removed == 0
