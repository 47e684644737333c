"""Questions about the article itself: who wrote it, when it was published, which outlet ran it, its headline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from articleqa import Assistant
from articleqa.answer import NOT_FOUND, verify_citations
from articleqa.answer.about import article_question, metadata_note
from articleqa.cli import main
from articleqa.highlight import escape
from articleqa.ingest import load_file, load_paths
from articleqa.records import Answer, Citation, data_lines
from articleqa.ui.render import render_answer, render_sources
from paths import FIXTURES as TEST_FIXTURES
from paths import ROOT

FIXTURES = TEST_FIXTURES / "ingest"
BUNDLED = ROOT / "articles" / "us-iran-talks-oman.txt"


@pytest.fixture(scope="module")
def bundled_qa(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The bundled article alone: "the article" can only mean it."""
    return Assistant.build([BUNDLED], index_dir=tmp_path_factory.mktemp("about") / "idx")


@pytest.fixture(scope="module")
def formats_qa(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """One small article in each ingest format (HTML, JSON, JSONL, markdown, PDF)."""
    paths = [FIXTURES / n for n in ("article.html", "records.json", "records.jsonl", "notes.md", "sample.pdf")]
    return Assistant.build(paths, index_dir=tmp_path_factory.mktemp("formats") / "idx")


def _verbatim(qa: Assistant, c: Citation) -> bool:
    return qa.document(c.doc_id).text[c.start : c.end] == c.quote and c.quote != ""


# ------------------------------------------------------------------------------------------ recognising


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Who wrote the article?", "author"),
        ("Who wrote it?", "author"),
        ("who is the author of this piece", "author"),
        ("What's the byline?", "author"),
        ("By whom was the story written?", "author"),
        ("Which reporter covered the warehouse fire?", "author"),
        ("When was this published?", "published"),
        ("When was the article published?", "published"),
        ("What is the publication date of the story?", "published"),
        ("What day did the piece come out?", "published"),
        ("Which outlet ran it?", "outlet"),
        ("What publication is this article from?", "outlet"),
        ("Which newspaper published the story about the Iran talks?", "outlet"),
        ("What is the headline?", "title"),
        ("What's the title of the piece about the library contract?", "title"),
        ("What is the article called?", "title"),
    ],
)
def test_questions_about_the_article_are_recognised_in_many_phrasings(question: str, field: str) -> None:
    about = article_question(question)
    assert about is not None and about.field == field


@pytest.mark.parametrize(
    "question",
    [
        "Who wrote the letter?",
        "When was it signed?",
        "Who urged them?",
        "Which reporter was arrested?",
        "Who conducted this survey?",
        "What title did she win?",
        "Who published the report?",
        "When was the agreement published?",
        "What newspaper did he work for?",
        "What is the new voice assistant feature called?",
        # found by running the recogniser over 19,602 dataset questions (paraphrased here)
        "Which band did she headline at the summer festival?",
        "What magazine did the singer write a story for?",
        "Who thanked the pianist for a piece that was written by his teacher?",
        "What is the only piece the composer gave a title to?",
        "When the region was under colonial rule, what was it called?",
        "Although his friend is credited with the biography, who actually wrote it?",
        "Who wrote the book The Story of the River?",
        "Which journalist wrote that the mayor was out of touch?",
        "Which author wrote the biography of the general?",
    ],
)
def test_questions_about_the_content_are_not_taken_for_article_questions(question: str) -> None:
    assert article_question(question) is None


def test_the_words_naming_the_article_are_kept_for_retrieval() -> None:
    about = article_question("Who wrote the piece about the bridge closure?")
    assert about is not None and (about.subject, about.refers_back) == ("the bridge closure", False)
    named = article_question("Who wrote the Vantor Foods article?")
    assert named is not None and named.subject == "Vantor Foods"
    assert article_question("Who wrote it?").refers_back  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------ the bundled article


@pytest.mark.parametrize(
    "question", ["Who wrote the article?", "Who is the author?", "Whose byline is on this story?", "Who wrote it?"]
)
def test_the_bundled_articles_author_is_quoted_from_its_byline(bundled_qa: Assistant, question: str) -> None:
    answer = bundled_qa.ask(question)
    assert answer.answerable and answer.text == "Hunter Fielding"
    [c] = answer.citations
    assert c.quote == "By Hunter Fielding" and _verbatim(bundled_qa, c)
    assert bundled_qa.document(c.doc_id).text[c.answer_start : c.answer_end] == "Hunter Fielding"  # type: ignore[misc]


@pytest.mark.parametrize("question", ["What is the headline?", "What's the article's title?", "What is it called?"])
def test_the_headline_is_quoted_from_the_first_line(bundled_qa: Assistant, question: str) -> None:
    answer = bundled_qa.ask(question)
    assert answer.text == "US-Iran Nuclear Talks Revived After Regional Pressure"
    assert answer.citations[0].start == 0 and _verbatim(bundled_qa, answer.citations[0])


@pytest.mark.parametrize("question", ["When was the article published?", "Which outlet ran it?"])
def test_missing_metadata_is_not_guessed(bundled_qa: Assistant, question: str) -> None:
    answer = bundled_qa.ask(question)
    assert (answer.text, answer.answerable, answer.citations) == (NOT_FOUND, False, [])


def test_the_byline_and_headline_are_never_passages_for_content_questions(bundled_qa: Assistant) -> None:
    doc = bundled_qa.document(bundled_qa.documents()[0].doc_id)
    assert [doc.text[s:e] for s, e in data_lines(doc)] == [
        "US-Iran Nuclear Talks Revived After Regional Pressure", "By Hunter Fielding"]
    answer = bundled_qa.ask("Who pressed the Trump administration not to walk away from the talks?")
    assert answer.answerable and "Fielding" not in answer.text
    assert all("By Hunter Fielding" not in p.chunk.text and not p.chunk.text.startswith("US-Iran")
               for p in answer.passages)
    for widget_word in ("Subscribe", "Comments", "Oldest"):
        assert widget_word not in doc.text


# ------------------------------------------------------------------------------------------ every ingest format


def _answer_for(qa: Assistant, question: str, title: str) -> Answer:
    doc_id = next(d.doc_id for d in qa.documents() if d.title == title)
    return qa.ask(question, doc_ids=[doc_id])


def test_html_headline_in_the_text_is_quoted_and_meta_fields_are_metadata_citations(formats_qa: Assistant) -> None:
    title = _answer_for(formats_qa, "What is the headline of this article?", "Oman Hosts Renewed Nuclear Talks")
    assert title.text == "Oman Hosts Renewed Nuclear Talks" and title.citations[0].kind == "quote"
    assert _verbatim(formats_qa, title.citations[0])
    when = _answer_for(formats_qa, "When was the article published?", "Oman Hosts Renewed Nuclear Talks")
    [c] = when.citations
    assert when.text == "January 5, 2026"
    assert (c.kind, c.field, c.value, c.quote) == ("metadata", "published", "2026-01-05", "")
    who = _answer_for(formats_qa, "Who wrote the article?", "Oman Hosts Renewed Nuclear Talks")
    assert who.text == "Jane Doe" and who.citations[0].kind == "metadata"  # the page's byline is not in its text
    outlet = _answer_for(formats_qa, "Which outlet ran the story?", "Oman Hosts Renewed Nuclear Talks")
    assert outlet.text == "news.example.com" and outlet.citations[0].field == "outlet"


def test_json_record_fields_answer_with_metadata_citations(formats_qa: Assistant) -> None:
    who = _answer_for(formats_qa, "Who wrote this story?", "Oman Talks")
    assert who.text == "Jane Doe" and who.citations[0].kind == "metadata"
    when = _answer_for(formats_qa, "What is the publication date?", "Oman Talks")
    assert when.text == "January 5, 2026"
    outlet = _answer_for(formats_qa, "Which site published the article?", "Oman Talks")
    assert outlet.text == "example.com"  # the record's URL: the site it came from
    missing = _answer_for(formats_qa, "Who wrote the article?", "Second Story")
    assert (missing.text, missing.answerable) == (NOT_FOUND, False)


def test_jsonl_record_date_is_answered_and_a_missing_author_is_not(formats_qa: Assistant) -> None:
    assert _answer_for(formats_qa, "When was the article published?", "Third Record").text == "February 1, 2026"
    assert _answer_for(formats_qa, "Who wrote the article?", "Third Record").text == NOT_FOUND


def test_markdown_heading_and_byline_are_quoted(formats_qa: Assistant) -> None:
    who = _answer_for(formats_qa, "Who wrote the piece?", "Talks in Oman")
    assert who.text == "Jane Doe" and who.citations[0].quote == "By Jane Doe"
    assert _verbatim(formats_qa, who.citations[0])
    title = _answer_for(formats_qa, "What is the article called?", "Talks in Oman")
    assert title.citations[0].quote == "Talks in Oman" and _verbatim(formats_qa, title.citations[0])


def test_pdf_info_fields_answer_when_the_text_does_not_state_them(formats_qa: Assistant) -> None:
    who = _answer_for(formats_qa, "Who is the author of this article?", "Oman Talks Resume")
    assert who.text == "Jane Doe" and who.citations[0].kind == "metadata"
    title = _answer_for(formats_qa, "What is the headline?", "Oman Talks Resume")
    assert title.text == "Oman Talks Resume" and _verbatim(formats_qa, title.citations[0])


def test_markdown_front_matter_publisher_is_the_outlet(tmp_path: Path) -> None:
    md = tmp_path / "fm.md"
    md.write_text("---\ntitle: Bridge Shut\npublisher: The Harbour Gazette\n---\n\nThe bridge closed on Monday "
                  "for repairs that will take three weeks, the county said.\n")
    qa = Assistant.build([md], index_dir=tmp_path / "idx")
    answer = qa.ask("Which newspaper published this article?")
    assert answer.text == "The Harbour Gazette" and answer.citations[0].kind == "metadata"


# ------------------------------------------------------------------------------------------ which article


def test_the_article_a_question_names_is_found_by_retrieval(qa: Assistant) -> None:
    assert qa.ask("Who wrote the article about the warehouse fire?").text == "Nadia Orkney"
    assert qa.ask("Which reporter covered the library contract?").text == "Farah Quimby"
    headline = qa.ask("What is the headline of the story about Vantor Foods?")
    assert headline.text == "Vantor Foods Profit Falls Despite Higher Sales"


def test_an_article_that_is_not_indexed_is_not_answered_with_another(qa: Assistant) -> None:
    answer = qa.ask("Who wrote the piece about the bridge closure?")
    assert (answer.text, answer.answerable) == (NOT_FOUND, False)


def test_several_articles_and_no_name_lists_each_one(qa: Assistant) -> None:
    answer = qa.ask("Who wrote the article?")
    assert answer.answerable
    for author in ("Hunter Fielding", "Leon Marchetti", "Nadia Orkney", "Farah Quimby"):
        assert author in answer.text
    assert len(answer.citations) == 4 and all(_verbatim(qa, c) for c in answer.citations)


def test_a_follow_up_asks_about_the_article_of_the_previous_answer(qa: Assistant) -> None:
    conv = qa.chat()
    first = conv.ask("How much did Vantor Foods' net profit fall in the second quarter?")
    assert first.answerable
    assert conv.ask("Who wrote it?").text == "Leon Marchetti"
    assert conv.ask("When was it published?").text == NOT_FOUND  # no date anywhere in that article
    assert conv.ask("What is its headline?").text == "Vantor Foods Profit Falls Despite Higher Sales"
    # the same through the API's history, as the UI and eval ask it
    assert qa.ask("Who is the author of this article?", history=["Where are the talks held?"]).text == "Hunter Fielding"


# ------------------------------------------------------------------------------------------ honest citations


def test_a_metadata_citation_is_kept_only_when_the_record_says_so() -> None:
    cite = Citation(1, "d1", "T", "s", "", 0, 0, 1.0, kind="metadata", field="author", value="Jane Doe")
    record = {("d1", "author"): "Jane Doe"}
    assert verify_citations([cite], lambda _d: "text", lambda d, f: record.get((d, f))) == [cite]
    forged = Citation(1, "d1", "T", "s", "", 0, 0, 1.0, kind="metadata", field="author", value="Someone Else")
    assert verify_citations([forged], lambda _d: "text", lambda d, f: record.get((d, f))) == []
    assert verify_citations([cite], lambda _d: "text") == []  # nothing to check it against: not shown


def test_metadata_citations_are_shown_as_metadata_not_as_quotes(formats_qa: Assistant) -> None:
    answer = _answer_for(formats_qa, "When was the article published?", "Oman Hosts Renewed Nuclear Talks")
    html = render_answer(answer)
    assert 'class="aqa-metadata"' in html and escape(metadata_note(answer.citations[0])) in html
    assert "<mark" not in html
    panel = render_sources(answer, {d.doc_id: formats_qa.document(d.doc_id) for d in formats_qa.documents()})
    assert "aqa-metadata" in panel


def test_the_command_line_says_a_metadata_citation_is_not_a_quote(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "idx"
    Assistant.build([FIXTURES / "article.html"], index_dir=index)
    assert main(["ask", "When was the article published?", "--index-dir", str(index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["text"] == "January 5, 2026"
    assert data["citations"][0]["kind"] == "metadata" and data["citations"][0]["quote"] == ""
    assert main(["ask", "When was the article published?", "--index-dir", str(index)]) == 0
    assert "From the article's metadata (not its text) — publication date: 2026-01-05" in capsys.readouterr().out


def test_every_ingest_format_records_field_lines_only_where_the_text_has_them() -> None:
    docs = [*load_file(FIXTURES / "notes.md"), *load_paths([FIXTURES / "records.jsonl"]).documents]
    for doc in docs:
        for start, end in data_lines(doc):
            assert doc.text[start:end].strip() == doc.text[start:end] != ""
