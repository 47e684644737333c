"""Filters by source, author and publication date (issue 12, "Filters people expect").

The rules are pinned on plain records first (fast, no model); then through the Assistant, the CLI and the
UI's handlers on a small index of in-repo documents, where they must restrict the search *before* ranking.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from articleqa.errors import InputError
from articleqa.filters import DocFields, Filters, date_bound
from articleqa.ingest import document_from_text, load_file
from articleqa.records import Answer, Citation, Document, field_lines, prose_text

# ---------------------------------------------------------------------------------------------- records

RECORDS = [
    DocFields.from_record("local", "articles/harbour-ferry.txt", "Jane Doe", "2026-01-05", {}),
    DocFields.from_record("web", "/data/feeds/news.json", "José Núñez", "2025-11-20",
                          {"url": "https://www.Example-News.com/2025/ferry", "sitename": "Example News"}),
    DocFields.from_record("undated", "notes/ferry-memo.txt", None, None, {}),
    DocFields.from_record("march", "C:\\Users\\ann\\Reports\\Ferry Report.md", "Ann Lee and Jane Doe",
                          "2026-03-31", {}),
]


def select(**kwargs: Any) -> list[str]:
    return Filters.of(**kwargs).select(RECORDS)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("articles/harbour-ferry.txt", ["local"]),  # the stored path exactly
        ("HARBOUR-FERRY", ["local"]),  # part of it, any case
        ("/home/me/elsewhere/harbour-ferry.txt", ["local"]),  # the same file name under another folder
        ("./articles/harbour-ferry.txt", ["local"]),
        ("ferry report.md", ["march"]),  # a Windows path, by file name
        ("notes", ["undated"]),
    ],
)
def test_source_matches_the_stored_path_exactly_as_a_substring_in_any_case_or_by_file_name(
    source: str, expected: list[str]
) -> None:
    assert select(sources=[source]) == expected


def test_source_matches_the_page_url_or_site_name_kept_in_the_metadata() -> None:
    assert select(sources=["example-news.com"]) == ["web"]
    assert select(sources=["https://www.example-news.com/2025/ferry/"]) == ["web"]  # trailing slash
    assert select(sources=["example news"]) == ["web"]


def test_author_matches_any_part_of_the_name_ignoring_case_and_accents() -> None:
    assert select(authors=["jane doe"]) == ["local", "march"]  # also a co-author
    assert select(authors=["NUNEZ"]) == ["web"]
    assert select(authors=["Núñez"]) == ["web"]


@pytest.mark.parametrize(
    ("after", "before", "expected"),
    [
        ("2026-01-05", None, ["local", "march"]),  # inclusive lower bound
        (None, "2026-01-05", ["local", "web"]),  # inclusive upper bound
        ("2026", None, ["local", "march"]),  # a year: from its first day
        (None, "2025", ["web"]),  # ... to its last day
        ("2026-03", "2026-03", ["march"]),  # a month: the whole month, 31st included
        ("2025-11-20", "2025-11-20", ["web"]),
    ],
)
def test_dates_accept_a_day_a_month_or_a_year_and_both_bounds_are_inclusive(
    after: str | None, before: str | None, expected: list[str]
) -> None:
    assert select(published_after=after, published_before=before) == expected


def test_a_document_whose_date_is_unknown_is_excluded_by_a_date_filter_but_not_without_one() -> None:
    assert "undated" not in select(published_after="1900")
    assert "undated" not in select(published_before="2100")
    assert "undated" in select(sources=["notes"])


def test_values_of_one_filter_are_alternatives_and_different_filters_must_all_hold() -> None:
    assert select(sources=["harbour", "memo"]) == ["local", "undated"]
    assert select(authors=["jane"], published_after="2026-02") == ["march"]
    assert select(sources=["ferry"], authors=["ann lee"], published_before="2026") == ["march"]


def test_one_string_is_one_value_not_a_list_of_its_letters() -> None:
    assert select(sources="harbour-ferry", authors="Jane Doe") == ["local"]


def test_blank_values_are_no_filter() -> None:
    assert not Filters.of(["", "  "], [], "", None).active
    assert select(sources=["  "]) == [r.doc_id for r in RECORDS]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sources": ["cnn"]}, r"no document matches source 'cnn'"),
        ({"sources": ["harbour", "cnn"]}, r"no document matches source 'cnn'"),  # every value must match
        ({"authors": ["Nobody"]}, r"no document matches author 'Nobody'"),
        ({"published_after": "2027"}, r"no document was published on or after 2027-01-01 \(documents whose date"),
        ({"sources": ["memo"], "authors": ["jane"]},
         r"no document matches all the filters together: source 'memo' \(1 document\), author 'jane' "
         r"\(2 documents\)"),
    ],
)
def test_a_filter_that_matches_no_document_is_an_input_error_naming_it_and_how_to_list_documents(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        select(**kwargs)
    assert "`articleqa docs" in str(info.value)


@pytest.mark.parametrize("bad", ["2026-13", "2026-02-30", "05/01/2026", "yesterday", "26-01-05", "2026-1-5x"])
def test_a_bad_date_is_an_input_error_naming_the_option_and_the_formats(bad: str) -> None:
    with pytest.raises(InputError, match=rf"--after {bad!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY"):
        date_bound(bad, upper=False, name="--after")
    with pytest.raises(InputError, match="published_before"):
        Filters.of(published_before=bad)


def test_dates_may_be_date_objects_and_iso_timestamps() -> None:
    from datetime import date, datetime

    assert Filters.of(published_after=date(2026, 1, 5), published_before=datetime(2026, 2, 1, 10)).key()[2:] == (
        "2026-01-05", "2026-02-01")
    assert date_bound("2026-01-05T10:00:00Z", upper=True, name="x") == "2026-01-05"


def test_a_range_that_ends_before_it_starts_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"published_after \(2026-02-01\) is later than published_before"):
        Filters.of(published_after="2026-02", published_before="2026-01")


def test_the_filter_key_ignores_value_order_and_case_but_not_the_values() -> None:
    assert Filters.of(["B", "a"], ["Jane"]).key() == Filters.of(["A", "b"], ["jane"]).key()
    assert Filters.of(["a"]).key() != Filters.of(["b"]).key() != Filters.of().key()


# ---------------------------------------------------------------------------------------------- ingest dates

PROSE = "The ferry terminal in Port Elspeth will open in March after two years of delays, the port authority said."


@pytest.mark.parametrize(
    ("top", "author"),
    [
        ("By Jane Doe | Jan. 5, 2026 | 4 min read", "Jane Doe"),  # reading time beside the date
        ("By Jane Doe • 5 Jan 2026 • 3 min read", "Jane Doe"),
        ("Last modified on Mon 5 Jan 2026 10.30 GMT", None),  # a time written with a dot
        ("Jan 5, 2026 / 10:30 AM / Updated 2 hours ago", None),  # a relative time
    ],
)
def test_datelines_at_the_top_of_a_text_give_the_date_at_ingest(top: str, author: str | None) -> None:
    doc = document_from_text(f"Ferry Terminal to Open\n{top}\n\n{PROSE}\n\nThe end.")
    assert (doc.author, doc.published) == (author, "2026-01-05")
    assert prose_text(doc) == f"{PROSE}\n\nThe end."
    start, end = field_lines(doc)["published"]
    assert doc.text[start:end] == top  # kept in the text, to be quoted when asked when it was published


def test_an_agency_dateline_with_the_date_between_dashes_gives_the_date_and_keeps_the_text() -> None:
    text = f"MUSCAT, Oman (AP) — Jan. 5, 2026 — {PROSE}"
    doc = document_from_text(text)
    assert doc.published == "2026-01-05" and doc.text == text


def test_a_closing_dateline_gives_the_date_and_stays_citable() -> None:
    doc = document_from_text(f"Ferry Terminal to Open\n\nBy Jane Doe\n\n{PROSE}\n\nPublished January 5, 2026")
    assert (doc.author, doc.published) == ("Jane Doe", "2026-01-05")
    assert doc.text.endswith("Published January 5, 2026")


def test_a_date_inside_the_prose_is_not_the_publication_date() -> None:
    doc = document_from_text(f"Ferry Terminal to Open\n\n{PROSE}\n\nThe terminal opens on January 5, 2027, officials said.")
    assert doc.published is None


@pytest.mark.parametrize(
    ("record", "published"),
    [
        ({"published": "2026-01-05"}, "2026-01-05"),
        ({"date": "January 5, 2026"}, "2026-01-05"),
        ({"publishedAt": "2026-01-05T08:00:00Z"}, "2026-01-05"),  # news APIs
        ({"datePublished": "2026-01-05"}, "2026-01-05"),  # schema.org
        ({"pubDate": "Mon, 05 Jan 2026 08:00:00 GMT"}, "2026-01-05"),  # RSS
        ({"published_at": 1767600000}, "2026-01-05"),  # Unix seconds
        ({"published_at": 1767600000000}, "2026-01-05"),  # Unix milliseconds
        ({"published": 42}, None),  # a number that is no date
        ({}, None),
    ],
)
def test_json_records_take_the_date_from_common_fields_and_unix_times(
    tmp_path: Path, record: dict[str, Any], published: str | None
) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"text": PROSE, **record}), encoding="utf-8")
    doc = load_file(path)[0]
    assert doc.published == published
    assert not set(record) & set(doc.metadata)  # a date field is read, not also kept as metadata


def test_html_meta_published_time_becomes_the_date(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        '<html><head><title>Ferry</title><meta property="article:published_time" content="2026-01-05T10:00:00Z">'
        f"</head><body><article><h1>Ferry</h1><p>{PROSE}</p><p>{PROSE}</p></article></body></html>",
        encoding="utf-8",
    )
    assert load_file(path)[0].published == "2026-01-05"


# ---------------------------------------------------------------------------------------------- store


def test_rows_for_many_documents_are_read_in_batches(tmp_path: Path) -> None:
    """A date filter can select thousands of documents: more than SQLite takes parameters at once."""
    from articleqa.records import Chunk
    from articleqa.store.sqlite import RecordStore, RecordWriter

    writer = RecordWriter(tmp_path / "records.sqlite")
    ids = [f"d{i}" for i in range(2500)]
    for i, d in enumerate(ids):
        writer.add_document(Document(d, d, "x", source=f"s{i}.txt"), 1)
    writer.add_chunks((i, Chunk(f"c{i}", d, "x", 0, 1, 1), "h") for i, d in enumerate(reversed(ids)))
    writer.close()
    store = RecordStore(tmp_path / "records.sqlite")
    rows = store.rows_for_documents(ids)
    assert rows.tolist() == list(range(2500))
    assert len(store.all_document_meta()) == 2500 and (store.all_document_meta()[0].doc_id, store.all_document_meta()[0].source) == ("d0", "s0.txt")


# ---------------------------------------------------------------------------------------------- the assistant

QUESTION = "When will the ferry terminal open?"
CORPUS = [
    # (key, source, author, published, text): several strong matches, one weak one, one without a date.
    ("reuters", "feeds/harbour-reuters.txt", "Jane Doe", "2026-01-05",
     "Ferry Terminal Opening Date Set\n\nThe new ferry terminal in Port Elspeth will open in March, the port "
     "authority said on Monday. The ferry terminal cost 40 million pounds."),
    ("web", "https://www.example-news.com/2025/ferry", "José Núñez", "2025-11-20",
     "Ferry Terminal Delayed Again\n\nThe ferry terminal in Port Elspeth will now open in June, a year late, "
     "because of flooding. Ferry passengers will use the old pier until the terminal opens."),
    ("memo", "notes/ferry-memo.txt", None, None,
     "Ferry Memo\n\nThe ferry terminal will open in September according to the internal memo seen by staff. "
     "The memo says the ferry terminal needs new ramps."),
    ("council", "minutes/council-2026-02.txt", "Ann Lee", "2026-02-10",
     "Council Minutes\n\nCouncillors asked when the ferry terminal would open; officials said the ferry terminal "
     "opening depends on the harbour works."),
    ("weak", "archive/harbour-history.txt", "Weak Writer", "2024-06-01",
     "A Short History of the Harbour\n\nFishing boats have used the harbour since the twelfth century. Merchants "
     "traded wool and salt there, and a lighthouse was built in 1820. Boats still come and go."),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, dict[str, str]]:
    from articleqa import Assistant

    docs = {
        key: document_from_text(text, source=source, author=author, published=published)
        for key, source, author, published, text in CORPUS
    }
    index_dir = tmp_path_factory.mktemp("filters") / "idx"
    qa = Assistant.build(list(docs.values()), index_dir=index_dir)
    return qa, index_dir, {key: doc.doc_id for key, doc in docs.items()}


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str] | None]]:
    """The doc_ids every retrieval was restricted to: proof that filters act before ranking."""
    import articleqa.ask.passages as passages_module

    calls: list[list[str] | None] = []
    real = passages_module.retrieve

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("doc_ids"))
        return real(*args, **kwargs)

    monkeypatch.setattr(passages_module, "retrieve", spy)
    yield calls


def _docs_of(answer: Answer) -> set[str]:
    return {p.chunk.doc_id for p in answer.passages} | {c.doc_id for c in answer.citations}


def test_ask_within_a_source_searches_only_that_source(corpus, searched) -> None:
    qa, _dir, ids = corpus
    answer = qa.ask(QUESTION, sources=["harbour-reuters"])
    assert answer.passages and _docs_of(answer) == {ids["reuters"]}
    assert searched == [[ids["reuters"]]]


def test_ask_by_author_and_date_range_through_the_api(corpus) -> None:
    qa, _dir, ids = corpus
    assert _docs_of(qa.ask(QUESTION, authors=["nunez"])) == {ids["web"]}
    answer = qa.ask(QUESTION, published_after="2026-01", published_before="2026-02")
    assert _docs_of(answer) <= {ids["reuters"], ids["council"]} and _docs_of(answer)
    assert ids["memo"] not in _docs_of(qa.ask(QUESTION, published_after="2000"))  # date unknown: left out


def test_filters_apply_before_ranking_not_by_dropping_results_after_top_k(corpus) -> None:
    """With one candidate per retriever, dropping after ranking would leave nothing of the weak article."""
    from articleqa import Assistant

    _qa, index_dir, ids = corpus
    narrow = Assistant.open(index_dir)
    narrow.settings = narrow.settings.with_(candidates=1, top_k=1)
    unfiltered = narrow.ask(QUESTION)
    assert ids["weak"] not in _docs_of(unfiltered)
    answer = narrow.ask(QUESTION, authors=["weak writer"])
    assert answer.passages and _docs_of(answer) == {ids["weak"]}


def test_doc_ids_and_filters_intersect(corpus, searched) -> None:
    qa, _dir, ids = corpus
    answer = qa.ask(QUESTION, doc_ids=[ids["reuters"], ids["web"]], published_after="2026")
    assert _docs_of(answer) == {ids["reuters"]} and searched == [[ids["reuters"]]]
    with pytest.raises(InputError, match=r"none of the documents given by id matches author “Ann Lee”"):
        qa.ask(QUESTION, doc_ids=[ids["reuters"]], authors=["Ann Lee"])


def test_a_filter_matching_nothing_is_an_input_error_not_the_articles_dont_say(corpus) -> None:
    qa, _dir, _ids = corpus
    with pytest.raises(InputError, match=r"no document matches source 'bbc'.*`articleqa docs"):
        qa.ask(QUESTION, sources=["bbc"])
    with pytest.raises(InputError, match=r"no document was published on or before 2020-12-31"):
        qa.ask(QUESTION, published_before="2020")
    with pytest.raises(InputError, match=r"published_after 'last week' is not a date"):
        qa.ask(QUESTION, published_after="last week")


def test_citations_show_the_documents_date_and_author(corpus) -> None:
    from articleqa import Assistant

    _qa, index_dir, _ids = corpus
    qa = Assistant.open(index_dir)
    qa.settings = qa.settings.with_(abstain_threshold=0.0)  # always cite: this is about citations, not abstention
    answer = qa.ask(QUESTION, sources=["harbour-reuters"])
    assert answer.citations
    assert all((c.published, c.author) == ("2026-01-05", "Jane Doe") for c in answer.citations)
    memo = qa.ask(QUESTION, sources=["ferry-memo"])
    assert memo.citations and all(c.published is None for c in memo.citations)  # truly unknown


def test_the_answer_cache_key_includes_the_filters(corpus) -> None:
    qa, _dir, ids = corpus
    qa.ask(QUESTION, sources=["harbour-reuters"])
    other = qa.ask(QUESTION, sources=["example-news"])
    assert "cached" not in other.timings_ms and _docs_of(other) == {ids["web"]}
    again = qa.ask(QUESTION, sources=["EXAMPLE-NEWS"])  # the same filter written another way: a cache hit
    assert "cached" in again.timings_ms and _docs_of(again) == {ids["web"]}


def test_filters_apply_to_follow_ups_through_history_and_chat(corpus, searched) -> None:
    qa, _dir, ids = corpus
    answer = qa.ask("Why is it late?", history=[QUESTION], authors=["núñez"])
    assert _docs_of(answer) == {ids["web"]}
    conv = qa.chat()
    conv.ask(QUESTION, sources=["ferry-memo"])
    follow = conv.ask("What does it need?", sources=["ferry-memo"])
    assert _docs_of(follow) == {ids["memo"]}
    assert searched and all(call in ([ids["web"]], [ids["memo"]]) for call in searched)


# ---------------------------------------------------------------------------------------------- CLI


def test_cli_ask_takes_repeatable_source_author_and_date_options(corpus, capsys) -> None:
    from articleqa.cli import main

    _qa, index_dir, ids = corpus
    code = main(["ask", QUESTION, "--index-dir", str(index_dir), "--source", "harbour-reuters",
                 "--source", "council", "--author", "jane", "--author", "lee", "--after", "2026",
                 "--before", "2026-02-10", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert {p["chunk"]["doc_id"] for p in data["passages"]} <= {ids["reuters"], ids["council"]}
    assert all(c["published"] for c in data["citations"])


def test_cli_text_output_names_the_filters_and_each_citations_date(corpus, capsys, monkeypatch) -> None:
    from articleqa.cli import main

    _qa, index_dir, _ids = corpus
    monkeypatch.setenv("ARTICLEQA_ABSTAIN_THRESHOLD", "0")  # always cite: this is about how citations print
    assert main(["ask", QUESTION, "--index-dir", str(index_dir), "--source", "harbour-reuters"]) == 0
    out = capsys.readouterr().out
    assert "(only documents with source “harbour-reuters”)" in out
    assert "(feeds/harbour-reuters.txt, 2026-01-05, chars" in out and "date unknown" not in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--source", "bbc"], "no document matches source 'bbc'"),
        (["--author", "Nobody"], "no document matches author 'Nobody'"),
        (["--after", "2030"], "no document was published on or after 2030-01-01"),
        (["--after", "2026-13-01"], "--after '2026-13-01' is not a date; use YYYY-MM-DD, YYYY-MM or YYYY"),
        (["--before", "tomorrow"], "--before 'tomorrow' is not a date"),
        (["--after", "2026-03", "--before", "2026-01"], "--after (2026-03-01) is later than --before (2026-01-31)"),
    ],
)
def test_cli_filter_errors_exit_2_with_one_line(corpus, capsys, options: list[str], message: str) -> None:
    from articleqa.cli import main

    _qa, index_dir, _ids = corpus
    assert main(["ask", QUESTION, "--index-dir", str(index_dir), *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in captured.err


def test_cli_shows_date_unknown_only_when_the_citation_has_no_date() -> None:
    from articleqa.cli import _format_answer

    dated = Citation(1, "d", "T", "a.txt", "quote", 0, 5, 0.9, published="2026-01-05")
    undated = Citation(2, "e", "U", "b.txt", "quote", 0, 5, 0.8)
    out = _format_answer(Answer("q", "x", True, 0.9, [dated, undated]))
    assert "(a.txt, 2026-01-05, chars" in out and "(b.txt, date unknown, chars" in out


# ---------------------------------------------------------------------------------------------- UI


def _handler(app: Any, name: str) -> Any:
    return next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == name)


def test_ui_filter_row_restricts_the_chat_and_says_so_in_the_reply(corpus) -> None:
    from articleqa.ui import build_app

    qa, _dir, ids = corpus
    app = build_app(qa)
    respond = _handler(app, "respond")
    *_, last = respond(QUESTION, [], None, ["harbour-reuters.txt"], [], "2026-01", "")
    _text, chat, session, _sources, _viewer = last
    reply = html.unescape(chat[-1]["content"])
    assert "Only documents with source “harbour-reuters.txt”; published on or after 2026-01-01" in reply
    assert _docs_of(Answer.from_dict(session["answers"][-1])) == {ids["reuters"]}
    # A follow-up keeps the filters (the history is replayed inside them).
    *_, last = respond("Who said so?", chat, session, ["harbour-reuters.txt"], [], "2026-01", "")
    assert _docs_of(Answer.from_dict(last[2]["answers"][-1])) == {ids["reuters"]}


def test_ui_typed_comma_separated_values_and_bad_dates(corpus) -> None:
    from articleqa.ui import build_app, ui_filters

    filters, text = ui_filters("reuters, example-news", ["Jane Doe"], " 2026 ", None)
    assert (filters.sources, filters.authors, filters.after, filters.before) == (
        ("reuters", "example-news"), ("Jane Doe",), "2026-01-01", None)
    assert text == "source “reuters” or “example-news”; author “Jane Doe”; published on or after 2026-01-01"
    assert ui_filters([], ["Doe, Jane"], None, None)[0].authors == ("Doe, Jane",)  # a chosen chip stays whole
    qa, _dir, _ids = corpus
    respond = _handler(build_app(qa), "respond")
    *_, last = respond(QUESTION, [], None, [], [], "5 Jan", "")
    reply = last[1][-1]["content"]
    assert "aqa-error" in reply and "Published after '5 Jan' is not a date" in html.unescape(reply)
    *_, last = respond(QUESTION, [], None, ["bbc"], [], "", "")
    reply = html.unescape(last[1][-1]["content"])
    assert "No document matches source 'bbc'" in reply and "the Library tab lists" in reply  # as a sentence
    assert "articleqa docs" not in reply  # a hint for the terminal, not for the web page


def test_ui_filter_choices_are_the_librarys_file_names_urls_and_authors(corpus) -> None:
    from articleqa.ui import filter_choices

    qa, _dir, _ids = corpus
    sources, authors = filter_choices(qa.documents())
    assert "harbour-reuters.txt" in sources and "https://www.example-news.com/2025/ferry" in sources
    assert authors == sorted(authors, key=str.casefold) and {"Jane Doe", "José Núñez"} <= set(authors)


def test_ui_ask_endpoint_accepts_the_filters(corpus) -> None:
    from articleqa.ui import build_app

    qa, _dir, ids = corpus
    app = build_app(qa)
    params = [p["parameter_name"] for p in app.get_api_info()["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "history", "sources", "authors", "published_after", "published_before"]
    result = _handler(app, "ask")(QUESTION, None, None, ["núñez"], None, None)
    assert {p["chunk"]["doc_id"] for p in result["passages"]} == {ids["web"]}


def test_ui_sources_panel_says_date_unknown_only_when_it_is() -> None:
    from articleqa.ui import render_sources

    doc = Document("d", "Ferry", PROSE, source="a.txt", author="Jane Doe", published="2026-01-05")
    stand_in = Answer("q", "The articles don't say.", False, 0.1, [], [])
    cited = Answer("q", "March", True, 0.9, [Citation(1, "d", "Ferry", "a.txt", PROSE[:20], 0, 20, 0.9)])
    shown = html.unescape(render_sources(cited, {"d": doc}))
    assert "2026-01-05" in shown and "date unknown" not in shown  # the citation lacks it, the document has it
    undated = Document("d", "Ferry", PROSE, source="a.txt")
    assert "date unknown" in render_sources(cited, {"d": undated})
    assert render_sources(stand_in)  # nothing to show, but no error


def test_ui_ask_endpoint_filters_over_http_with_gradio_client(corpus) -> None:
    import socket

    from gradio_client import Client

    from articleqa.ui import build_app, launch

    qa, _dir, ids = corpus
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = build_app(qa)
    app.queue()
    _, url, _ = launch(app, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        result = client.predict(QUESTION, None, api_name="/ask", sources=["example-news"], published_after="2025")
        assert {p["chunk"]["doc_id"] for p in result["passages"]} == {ids["web"]}
        with pytest.raises(Exception, match="no document matches author 'Nobody'"):
            client.predict(QUESTION, None, api_name="/ask", authors=["Nobody"])
    finally:
        app.close()
