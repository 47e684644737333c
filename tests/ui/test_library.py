"""The Library tab's pure functions (ui/library.py): the document table, the filter row's choices and values,
the date hint, and which files a removal may delete. No app, no browser, no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from articleqa.errors import InputError
from articleqa.records import DocumentInfo
from articleqa.ui.library import (
    NO_DATES_HINT,
    Library,
    date_hint,
    document_choices,
    document_rows,
    filter_choices,
    ui_filters,
)


def _info(doc_id: str, title: str, source: str, author: str | None = None, published: str | None = None,
          language: str | None = None) -> DocumentInfo:
    return DocumentInfo(doc_id, title, source, author, published, n_chunks=3, n_chars=900, language=language)


DOCS = [
    _info("a1b2c3d4e5f6", "Storm closes roads", "/data/news/storm.txt", "Jane Doe", "2026-03-03"),
    _info("0f9e8d7c6b5a", "Tormenta en la costa", "/data/news/es/tormenta.txt", language="es"),
    _info("1234567890ab", "Wire story", "https://example.com/wire/story", "jane doe"),
    _info("ffffeeeedddd", "Another storm piece", "/elsewhere/storm.txt", "Jane Doe"),
]


def test_a_table_row_shows_title_author_date_chunks_file_name_and_id() -> None:
    assert document_rows(DOCS[:1]) == [["Storm closes roads", "Jane Doe", "2026-03-03", 3, "storm.txt", "a1b2c3d4e5f6"]]


def test_a_document_not_in_english_says_its_language_beside_the_title() -> None:
    row = document_rows([DOCS[1]])[0]
    assert row[0] == "Tormenta en la costa (in Spanish)"
    assert row[1:3] == ["", ""]  # no author, no date: empty cells, never "None"


def test_the_remove_choices_show_the_title_with_a_short_id_and_keep_the_whole_id_as_value() -> None:
    assert document_choices(DOCS[:1]) == [("Storm closes roads (a1b2c3d4)", "a1b2c3d4e5f6")]


def test_filter_choices_offer_each_file_name_url_and_author_once_sorted_without_case() -> None:
    sources, authors = filter_choices(DOCS)
    assert sources == ["https://example.com/wire/story", "storm.txt", "tormenta.txt"]
    assert sorted(authors) == ["Jane Doe", "jane doe"]  # spelled differently in the library: both offered
    _, by_name = filter_choices([_info(str(i), "t", f"/{i}.txt", name) for i, name in enumerate(["zoe Ray", "Adam Li",
                                                                                                  "beth Ko"])])
    assert by_name == ["Adam Li", "beth Ko", "zoe Ray"]


def test_the_date_hint_is_shown_only_when_no_document_has_a_date() -> None:
    assert date_hint(DOCS) is None
    assert date_hint(DOCS[1:3]) == NO_DATES_HINT
    assert date_hint([]) == NO_DATES_HINT


def test_empty_filter_boxes_make_inactive_filters_with_no_description() -> None:
    filters, described = ui_filters(None, [], "", None)
    assert not filters.active
    assert described == ""


def test_typed_text_splits_at_commas_but_a_chosen_chip_stays_whole() -> None:
    typed, _ = ui_filters("storm.txt, wire ,", "Doe, Jane", None, None)
    chips, _ = ui_filters(["storm.txt"], ["Doe, Jane"], None, None)
    assert typed.sources == ("storm.txt", "wire") and typed.authors == ("Doe", "Jane")
    assert chips.authors == ("Doe, Jane",)


def test_the_filters_description_is_returned_with_them() -> None:
    filters, described = ui_filters(["storm.txt"], None, "2026-03-01", "2026-03-31")
    assert described == filters.describe()
    assert "storm.txt" in described and "2026-03-01" in described and "2026-03-31" in described


@pytest.mark.parametrize(("after", "before", "named"), [
    ("not a date", None, "Published after"),
    (None, "31/31/2026", "Published before"),
    ("2026-04-01", "2026-03-01", "Published after"),  # an empty range names both boxes
])
def test_a_bad_date_names_the_box_it_was_typed_in(after: str | None, before: str | None, named: str) -> None:
    with pytest.raises(InputError, match=named):
        ui_filters(None, None, after, before)


def test_only_a_file_inside_the_upload_folder_is_an_uploaded_copy(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    inside = uploads / "abc123" / "story.txt"
    inside.parent.mkdir(parents=True)
    inside.write_text("text", encoding="utf-8")
    outside = tmp_path / "story.txt"
    outside.write_text("text", encoding="utf-8")
    library = Library(None, uploads, max_mb=1.0)  # type: ignore[arg-type]  # uploaded_copy reads no assistant
    assert library.uploaded_copy(str(inside)) == inside.resolve()
    assert library.uploaded_copy(str(outside)) is None  # a user's own file is never deleted
    assert library.uploaded_copy(str(uploads / ".." / "story.txt")) is None  # nor one reached through ".."
    assert library.uploaded_copy(str(uploads / "abc123" / "gone.txt")) is None
    assert library.uploaded_copy("https://example.com/story.txt") is None
    assert library.uploaded_copy(None) is None
