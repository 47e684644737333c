"""Behaviour of ingest: every format, cleaning, titles/bylines/dates, furniture removal, bad files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from articleqa.errors import InputError
from articleqa.ingest import (
    SUPPORTED_EXTENSIONS,
    IngestResult,
    clean_text,
    content_id,
    document_from_text,
    load_file,
    load_paths,
    parse_date,
)
from articleqa.records import field_lines, prose_text
from paths import FIXTURES as TEST_FIXTURES
from paths import ROOT

FIXTURES = TEST_FIXTURES / "ingest"
BUNDLED = ROOT / "articles" / "us-iran-talks-oman.txt"

PROSE = "A long first paragraph with plenty of words, describing the events in detail for the reader."


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# the bundled article: footer widget, byline, title


@pytest.fixture(scope="module")
def bundled() -> object:
    docs = load_file(BUNDLED)
    assert len(docs) == 1
    return docs[0]


def test_bundled_article_title_is_its_headline_and_leaves_the_body(bundled) -> None:
    assert bundled.title == "US-Iran Nuclear Talks Revived After Regional Pressure"
    assert bundled.text.startswith(bundled.title)  # kept as a field line, quoted when asked about the article
    assert prose_text(bundled).startswith("Negotiations between the United States and Iran")


def test_bundled_article_footer_byline_becomes_author(bundled) -> None:
    assert bundled.author == "Hunter Fielding"
    assert "Hunter Fielding" not in prose_text(bundled)
    start, end = field_lines(bundled)["author"]
    assert bundled.text[start:end] == "By Hunter Fielding"  # alone, without the widget it stood in


@pytest.mark.parametrize(
    "furniture",
    [
        "SHARE THIS",
        "Subscribe",
        "Notify of",
        "Comments",
        "Oldest",
        "Newest Most Voted",
        "Inline Feedbacks",
        "View all comments",
        "please comment",
        "()",
    ],
)
def test_bundled_article_comment_widget_is_removed(bundled, furniture: str) -> None:
    assert furniture not in bundled.text


def test_bundled_article_keeps_its_last_sentence(bundled) -> None:
    assert prose_text(bundled).endswith("tensions escalated into open conflict in 2025.")


def test_bundled_article_metadata_and_source(bundled) -> None:
    assert bundled.source == str(BUNDLED)
    assert bundled.metadata["format"] == "txt"
    assert bundled.published is None
    assert bundled.doc_id == content_id(bundled.text)


# --------------------------------------------------------------------------------------------------
# footer and top-widget rule on synthetic articles


@pytest.mark.parametrize(
    ("ending", "kept"),
    [
        ("He declined to comment.", "He declined to comment."),
        ('"We will see."', '"We will see."'),
        ("Talks resume Friday", "Talks resume Friday"),  # one short line is how articles end
        ("Jane Doe\nReuters", "Jane Doe\nReuters"),  # two short lines: still kept
        ("Key facts:\n- Iran\n- Oman\n- United States", "- United States"),  # a list is content
    ],
)
def test_short_last_paragraph_is_kept(ending: str, kept: str) -> None:
    doc = document_from_text(f"Headline Here\n\n{PROSE}\n\n{ending}\n")
    assert doc.text.endswith(kept)


def test_trailing_widget_is_cut_but_short_last_sentence_survives() -> None:
    text = f"Headline Here\n\n{PROSE}\n\nThat was all.\n\nShare\nTweet\nEmail\n12 Comments\n"
    doc = document_from_text(text)
    assert doc.text.endswith(f"{PROSE}\n\nThat was all.")
    assert doc.metadata["boilerplate_lines_removed"] == 4


def test_top_share_widget_is_cut() -> None:
    doc = document_from_text(f"Share\nTweet\nEmail\n\nThe Headline Of Note\n\n{PROSE}")
    assert doc.title == "The Headline Of Note"
    assert prose_text(doc) == PROSE


def test_text_made_only_of_short_lines_is_not_emptied() -> None:
    doc = document_from_text("Roses are red\nViolets are blue\nSugar is sweet\nAnd so are you")
    assert "boilerplate_lines_removed" not in doc.metadata
    assert doc.text.endswith("Violets are blue\nSugar is sweet\nAnd so are you")


# --------------------------------------------------------------------------------------------------
# titles, bylines, datelines


@pytest.mark.parametrize(
    ("text", "title", "body_start"),
    [
        (f"Big News Today\n\n{PROSE}", "Big News Today", "A long first"),
        (f"Oman Hosts Renewed Nuclear Talks\n{PROSE}", "Oman Hosts Renewed Nuclear Talks", "A long first"),
        # a sentence is not a headline: title falls back to the first ~60 characters, body untouched
        (
            f"{PROSE}\n\nMore text.",
            "A long first paragraph with plenty of words, describing the…",
            "A long first",
        ),
        # a hard-wrapped first prose line is not a headline
        (
            "Negotiations between the United States and Iran over the\nnuclear program resumed on Friday.",
            "Negotiations between the United States and Iran over the…",
            "Negotiations",
        ),
    ],
)
def test_title_detection(text: str, title: str, body_start: str) -> None:
    doc = document_from_text(text)
    assert doc.title == title
    assert prose_text(doc).startswith(body_start)


@pytest.mark.parametrize(
    ("top", "author", "published"),
    [
        ("By Jane Doe", "Jane Doe", None),
        ("BY JANE DOE", "Jane Doe", None),
        ("By Jane Doe and John Smith", "Jane Doe and John Smith", None),
        ("Published: January 5, 2026", None, "2026-01-05"),
        ("5 January 2026", None, "2026-01-05"),
        ("2026-01-05", None, "2026-01-05"),
        ("By Jane Doe\nUpdated Jan. 5, 2026 10:30 AM EST", "Jane Doe", "2026-01-05"),
        ("By Jane Doe | January 5, 2026", "Jane Doe", "2026-01-05"),
        ("WASHINGTON, January 5, 2026", None, "2026-01-05"),
    ],
)
def test_byline_and_dateline_near_the_top(top: str, author: str | None, published: str | None) -> None:
    doc = document_from_text(f"Headline Here\n{top}\n\n{PROSE}\n\nThe end.")
    assert doc.title == "Headline Here"
    assert doc.author == author
    assert doc.published == published
    assert prose_text(doc) == f"{PROSE}\n\nThe end."
    for name, value in (("author", author), ("published", published)):
        assert (name in field_lines(doc)) == (value is not None)


def test_byline_words_inside_prose_are_not_an_author() -> None:
    text = f"Headline Here\n\nBy Tuesday the talks had collapsed, officials said in a statement.\n\n{PROSE}"
    doc = document_from_text(text)
    assert doc.author is None
    assert "By Tuesday the talks had collapsed" in doc.text


def test_inline_news_dateline_gives_date_but_keeps_text() -> None:
    text = "WASHINGTON, Jan. 5, 2026 — The talks resumed today in the capital city of the country."
    doc = document_from_text(text)
    assert doc.published == "2026-01-05"
    assert doc.text == text


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2026-01-05", "2026-01-05"),
        ("2026-01-05T09:30:00Z", "2026-01-05"),
        ("January 5, 2026", "2026-01-05"),
        ("Sept. 30, 2025", "2025-09-30"),
        ("5th March 2024", "2024-03-05"),
        ("February 30, 2026", None),
        ("no date here", None),
        (None, None),
    ],
)
def test_parse_date(raw: str | None, iso: str | None) -> None:
    assert parse_date(raw) == iso


def test_explicit_fields_win_over_detection() -> None:
    doc = document_from_text(
        f"Given Title\nBy Someone Else\n\n{PROSE}",
        title="Given Title",
        author="Jane Doe",
        published="2026-01-05",
    )
    assert (doc.title, doc.author, doc.published) == ("Given Title", "Jane Doe", "2026-01-05")
    assert prose_text(doc) == PROSE  # the repeated title and the byline line are not part of the body


# --------------------------------------------------------------------------------------------------
# cleaning and ids


def test_clean_text_normalises_whitespace_newlines_and_unicode() -> None:
    raw = "  Cafe\u0301 line  \r\nnext\u00a0line\t \r\r\r\r\rlast\u200b line \n\n"
    assert clean_text(raw) == "Café line\nnext line\n\nlast line"


_MESSY_TEXT = st.lists(
    st.sampled_from(["a", "b", " ", ".", ",", "\n", "\r", "\t", "\u00a0", "\u200b", "\u0301", "e\u0301", "\u2028"]),
    max_size=60,
).map("".join)


@given(_MESSY_TEXT)
def test_clean_text_is_idempotent(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == once
    assert "\r" not in once and "\n\n\n" not in once and once == once.strip()


@given(_MESSY_TEXT)
def test_document_text_is_always_clean_text(raw: str) -> None:
    if not clean_text(raw):
        return
    doc = document_from_text(raw)
    assert clean_text(doc.text) == doc.text
    assert doc.doc_id == content_id(doc.text)


def test_clean_false_keeps_text_exactly() -> None:
    raw = "  Context with  double spaces\r\nand CRLF, e\u0301 decomposed.\n\n\n\nBy Jane Doe\n"
    doc = document_from_text(raw, clean=False, title="Para 1", source="squad")
    assert doc.text == raw
    assert doc.title == "Para 1"
    assert doc.author is None
    assert doc.doc_id == content_id(raw)


def test_clean_false_without_title_gets_a_fallback_title() -> None:
    doc = document_from_text("Short context.", clean=False)
    assert doc.title == "Short context."


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_document_from_empty_text_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        document_from_text(text)


def test_same_text_same_id_regardless_of_file_name(tmp_path: Path) -> None:
    content = f"Headline Here\n\n{PROSE}\n"
    a = load_file(write(tmp_path, "a.txt", content))[0]
    b = load_file(write(tmp_path, "sub/other-name.txt", content.replace("\n", "\r\n")))[0]
    assert a.doc_id == b.doc_id
    assert a.source != b.source


def test_doc_id_is_stable_across_calls() -> None:
    first = load_file(BUNDLED)[0].doc_id
    assert load_file(BUNDLED)[0].doc_id == first
    assert content_id("abc") == content_id("abc") == "ba7816bf8f01cfea"
    assert len(first) == 16


def test_documents_are_json_serialisable() -> None:
    doc = load_file(FIXTURES / "records.json")[0]
    assert json.loads(json.dumps(doc.to_dict()))["doc_id"] == doc.doc_id


# --------------------------------------------------------------------------------------------------
# formats


@pytest.mark.parametrize(
    ("name", "contains", "expected"),
    [
        ("cp1252.txt", "The café owner said “smart quotes” are fine — really.", "cp1252"),
        ("latin1.txt", "The résumé of the naïve café owner, © the author.", "cp1252"),
    ],
)
def test_legacy_encodings_are_decoded_not_skipped(name: str, contains: str, expected: str) -> None:
    doc = load_file(FIXTURES / name)[0]
    assert contains in doc.text
    assert doc.metadata["encoding"] == expected


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "old.txt", b"Caf\xe9 society \x81 in Paris."))[0]
    assert doc.metadata["encoding"] == "latin-1"
    assert doc.text == "Café society  in Paris."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffHeadline\n\nCafé text.".encode(), "utf-8-sig"),
        ("\ufeffHeadline\n\nCafé text.".encode("utf-16"), "utf-16-le"),
    ],
)
def test_byte_order_marks_are_honoured(tmp_path: Path, data: bytes, encoding: str) -> None:
    doc = load_file(write(tmp_path, "bom.txt", data))[0]
    assert (doc.title, prose_text(doc), doc.metadata["encoding"]) == ("Headline", "Café text.", encoding)


def test_markdown_heading_is_title_and_syntax_is_stripped() -> None:
    doc = load_file(FIXTURES / "notes.md")[0]
    assert doc.title == "Talks in Oman"
    assert doc.author == "Jane Doe"
    assert prose_text(doc).startswith("The talks resumed in Muscat on Friday.")
    assert "Background" in doc.text
    for syntax in ("#", "**", "](", "*quiet*"):
        assert syntax not in doc.text
    assert doc.metadata["format"] == "markdown"


def test_markdown_front_matter_fields(tmp_path: Path) -> None:
    md = "---\ntitle: Front Title\nauthor: Jane Doe\ndate: 2026-01-05\n---\n\n# Heading\n\nBody text here.\n"
    doc = load_file(write(tmp_path, "fm.md", md))[0]
    assert (doc.title, doc.author, doc.published) == ("Front Title", "Jane Doe", "2026-01-05")
    assert "title:" not in doc.text


def test_html_main_text_and_metadata_via_trafilatura() -> None:
    doc = load_file(FIXTURES / "article.html")[0]
    assert doc.title == "Oman Hosts Renewed Nuclear Talks"
    assert doc.author == "Jane Doe"
    assert doc.published == "2026-01-05"
    assert doc.metadata["url"] == "https://news.example.com/world/oman-talks"
    assert doc.metadata["format"] == "html"
    assert "Diplomats from the United States and Iran met in Muscat" in doc.text
    assert "dating back more than a decade." in doc.text
    for boilerplate in ("Privacy policy", "Cookie settings", "All rights reserved", "Subscribe now", "Home"):
        assert boilerplate not in doc.text


def test_html_without_article_text_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no article text found"):
        load_file(FIXTURES / "nav-only.html")


def test_html_with_too_little_main_text_is_an_input_error_naming_the_word_count(tmp_path: Path) -> None:
    """A general floor (12 words of prose), not a list of banner phrases: 11 words is a banner, 12 a brief."""
    brief = "Harbour officials said the ferry terminal will open next spring after delays"  # 12 words
    page = "<html><head><title>Home</title></head><body><p>{}.</p></body></html>"
    with pytest.raises(InputError, match=r"too little article text in the HTML \(11 words: “Harbour officials"):
        load_file(write(tmp_path, "short.html", page.format(brief.rsplit(" ", 1)[0])))
    assert load_file(write(tmp_path, "brief.html", page.format(brief)))[0].text.startswith("Harbour")


def test_html_dialogs_and_navigation_are_never_article_text(tmp_path: Path) -> None:
    consent = "We use cookies to give you the best experience on our website, and you agree by browsing."
    page = (
        f'<html><head><title>Talks</title></head><body><div role="dialog"><p>{consent}</p></div>'
        f'<div role="navigation"><p>Read our other stories about the harbour and the new ferry terminal here.</p></div>'
        f"<article><h1>Talks Resume</h1><p>{PROSE}</p><p>{PROSE.replace('first', 'second')}</p></article></body></html>"
    )
    doc = load_file(write(tmp_path, "story.html", page))[0]
    assert PROSE in doc.text
    assert "cookies" not in doc.text and "other stories" not in doc.text


def test_json_documents_object() -> None:
    docs = load_file(FIXTURES / "records.json")
    assert [d.title for d in docs] == ["Oman Talks", "Second Story"]
    first, second = docs
    assert (first.author, first.published) == ("Jane Doe", "2026-01-05")
    assert first.metadata["url"] == "https://example.com/a1"
    assert first.metadata["id"] == "a1"
    assert first.metadata["format"] == "json"
    assert second.text == "Iran's foreign minister confirmed the meeting.\n\nA U.S. official verified the plans."


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "Just one record."},
        [{"text": "Just one record."}],
        {"documents": [{"text": "Just one record."}]},
    ],
)
def test_json_accepted_shapes(tmp_path: Path, payload: object) -> None:
    docs = load_file(write(tmp_path, "r.json", json.dumps(payload)))
    assert [d.text for d in docs] == ["Just one record."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"items": []}', "expected an object"),
        ('{"version": "v2.0", "data": []}', "SQuAD"),
        ('[{"title": "no text"}]', "missing the 'text' field"),
    ],
)
def test_bad_json_files_are_input_errors(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_file(write(tmp_path, "bad.json", content))


def test_jsonl_keeps_good_lines_and_reports_the_malformed_one() -> None:
    path = FIXTURES / "records.jsonl"
    result = load_paths([path])
    assert [d.title for d in result.documents] == ["First Record", "Third Record"]
    assert result.documents[1].published == "2026-02-01"
    assert result.documents[0].metadata["url"] == "https://example.com/1"
    assert [s.path for s in result.skipped] == [f"{path}:2"]
    assert "invalid JSON" in result.skipped[0].reason
    assert [d.title for d in load_file(path)] == ["First Record", "Third Record"]


def test_jsonl_record_without_text_is_reported_by_line(tmp_path: Path) -> None:
    path = write(tmp_path, "r.jsonl", '{"text": "Good one."}\n\n{"title": "no text"}\n[1, 2]\n')
    result = load_paths([path])
    assert len(result.documents) == 1
    assert [(s.path, "text" in s.reason or "object" in s.reason) for s in result.skipped] == [
        (f"{path}:3", True),
        (f"{path}:4", True),
    ]


def test_pdf_text_pages_joined_by_blank_line() -> None:
    path = FIXTURES / "sample.pdf"
    assert len(PdfReader(path).pages) == 2  # the fixture itself is a real, readable PDF
    doc = load_file(path)[0]
    assert doc.title == "Oman Talks Resume"
    assert doc.author == "Jane Doe"
    assert doc.published == "2026-01-05"
    assert doc.metadata["pages"] == 2
    assert "met in Muscat on Friday.\nThe meeting lasted nearly four hours.\n\nBoth sides agreed" in doc.text


def test_pdf_without_text_layer_suggests_ocr() -> None:
    with pytest.raises(InputError, match="no text layer") as info:
        load_file(FIXTURES / "scanned.pdf")
    assert "OCR" in str(info.value)


def test_damaged_pdf_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a readable PDF"):
        load_file(write(tmp_path, "broken.pdf", b"%PDF-1.4\nthis is not really a pdf\n"))


# --------------------------------------------------------------------------------------------------
# bad files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "looks binary"),
        ("controls.txt", bytes(range(1, 9)) * 20 + b"some text", "looks binary"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\t\r\n   ", "empty"),
        ("empty.jsonl", b"\n\n", "empty"),
        ("report.docx", b"PK\x03\x04", "unsupported file type .docx"),
        ("README", b"text", "unsupported file type"),
    ],
)
def test_bad_files_raise_input_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_file(write(tmp_path, name, content))


def test_unsupported_extension_lists_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_file(write(tmp_path, "slides.pptx", b"x"))
    for ext in SUPPORTED_EXTENSIONS:
        assert ext in str(info.value)


def test_oversize_file_is_refused_naming_size_and_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "word " * 1000)  # 5,000 bytes
    with pytest.raises(InputError) as info:
        load_file(path, max_file_mb=0.001)
    message = str(info.value)
    assert "4.9 KB" in message and "0.001 MB limit" in message


def test_oversize_check_happens_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "big.txt", "word " * 1000)

    def no_read(self: Path) -> bytes:
        raise AssertionError("read_bytes called for an oversize file")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(InputError, match="limit"):
        load_file(path, max_file_mb=0.001)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_file(tmp_path / "nope.txt")


# --------------------------------------------------------------------------------------------------
# batches


def test_folder_batch_continues_past_bad_files(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copy(BUNDLED, write(tmp_path, "corpus/a-article.txt", ""))
    shutil.copy(FIXTURES / "sample.pdf", root / "b.pdf")
    shutil.copy(FIXTURES / "scanned.pdf", root / "c-scanned.pdf")
    shutil.copy(FIXTURES / "records.jsonl", root / "d.jsonl")
    write(tmp_path, "corpus/e-empty.txt", "")
    write(tmp_path, "corpus/f-binary.txt", b"\x00\x01\x02binary")
    write(tmp_path, "corpus/g-image.png", b"\x89PNG")
    write(tmp_path, "corpus/nested/h-note.md", "# Nested Note\n\nNested body text.")
    write(tmp_path, "corpus/.hidden/secret.txt", "Hidden folder text.")
    write(tmp_path, "corpus/.hidden.txt", "Hidden file text.")

    result = load_paths([root, tmp_path / "missing.txt"])

    assert isinstance(result, IngestResult)
    titles = [d.title for d in result.documents]
    assert titles == [
        "US-Iran Nuclear Talks Revived After Regional Pressure",
        "Oman Talks Resume",
        "First Record",
        "Third Record",
        "Nested Note",
    ]
    skipped = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(skipped) == {
        "c-scanned.pdf",
        "d.jsonl:2",
        "e-empty.txt",
        "f-binary.txt",
        "g-image.png",
        "missing.txt",
    }
    assert "no text layer" in skipped["c-scanned.pdf"]
    assert "invalid JSON" in skipped["d.jsonl:2"]
    assert "empty" in skipped["e-empty.txt"]
    assert "looks binary" in skipped["f-binary.txt"]
    assert "unsupported file type .png" in skipped["g-image.png"]
    assert "not found" in skipped["missing.txt"]
    assert all(not s.reason.startswith(str(tmp_path)) for s in result.skipped)  # path is not repeated


def test_batch_reads_a_file_reached_twice_once(tmp_path: Path) -> None:
    path = write(tmp_path, "docs/a.txt", f"Headline\n\n{PROSE}")
    result = load_paths([tmp_path / "docs", path, str(path)])
    assert len(result.documents) == 1 and not result.skipped


def test_duplicate_content_in_batch_shares_doc_id(tmp_path: Path) -> None:
    write(tmp_path, "one.txt", f"Headline\n\n{PROSE}")
    write(tmp_path, "two.txt", f"Headline\n\n{PROSE}\n\n\n")
    docs = load_paths([tmp_path]).documents
    assert len(docs) == 2 and docs[0].doc_id == docs[1].doc_id


def test_explicit_hidden_file_is_read_and_single_string_path_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, ".draft.txt", f"Headline\n\n{PROSE}")
    assert [d.title for d in load_paths(str(path)).documents] == ["Headline"]  # type: ignore[arg-type]


def test_lone_trailing_byline_is_taken_as_author() -> None:
    doc = document_from_text(f"Headline Here\n\n{PROSE}\n\nBy Hunter Fielding\n")
    assert doc.author == "Hunter Fielding"
    assert prose_text(doc) == PROSE
    assert doc.text.endswith(f"{PROSE}\n\nBy Hunter Fielding")  # kept in place, to be quoted


def test_jsonl_record_may_contain_unicode_line_separator(tmp_path: Path) -> None:
    line = json.dumps({"text": "First part\u2028second part."}, ensure_ascii=False)
    docs = load_file(write(tmp_path, "sep.jsonl", line + "\n"))
    assert [d.text for d in docs] == ["First part\nsecond part."]


def test_html_blocks_become_paragraphs_and_lists_stay_together(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Talks</title></head><body><article><h1>Talks</h1>"
        f"<p>{PROSE}</p><p>Officials listed three demands on Friday, according to the statement.</p>"
        "<ul><li>Stop enrichment</li><li>Allow inspectors</li></ul>"
        f"<p>{PROSE.replace('first', 'last')}</p></article></body></html>"
    )
    doc = load_file(write(tmp_path, "p.html", page))[0]
    assert f"{PROSE}\n\nOfficials listed" in doc.text
    assert "- Stop enrichment\n- Allow inspectors" in doc.text


def test_html_declared_legacy_charset_is_used(tmp_path: Path) -> None:
    body = f"<p>The caf\u00e9 owner said \u201cwe will reopen\u201d \u2014 {PROSE}</p>"
    page = f'<html><head><meta charset="windows-1252"><title>Caf\u00e9</title></head><body><article>{body}</article>'
    doc = load_file(write(tmp_path, "legacy.htm", (page + "</body></html>").encode("cp1252")))[0]
    assert "The café owner said “we will reopen” —" in doc.text


def test_html_comment_widget_inside_article_is_cut(tmp_path: Path) -> None:
    widget = "".join(f"<p>{w}</p>" for w in ["SHARE THIS:", "By Jane Doe", "Subscribe", "0 Comments", "Oldest"])
    page = f"<html><body><article><h1>Talks Resume</h1><p>{PROSE}</p><p>They met again.</p>{widget}</article>"
    doc = load_file(write(tmp_path, "w.html", page + "</body></html>"))[0]
    assert prose_text(doc).endswith("They met again.")
    assert doc.text.endswith("They met again.\n\nBy Jane Doe")  # the byline alone, without the widget
    assert doc.author == "Jane Doe"


def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = load_paths([tmp_path])
    assert [s.path for s in result.skipped] == [str(fifo)]
    assert "not a regular file" in result.skipped[0].reason
