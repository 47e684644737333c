"""The web UI's rendering (fast, no browser) and its `ask` API endpoint through gradio_client (slow)."""

from __future__ import annotations

import html
import json
import re
import socket
from pathlib import Path

import pytest

from articleqa.records import Answer, Document
from articleqa.ui import (
    ALLOWED_SUFFIXES,
    context_window,
    render_answer,
    render_article,
    render_error,
    render_sources,
    safe_filename,
    shown_citations,
    stage_upload,
    upload_problem,
)
from paths import FIXTURES as TEST_FIXTURES

FIXTURES = TEST_FIXTURES / "ui"
OUR_TAGS = {"div", "p", "blockquote", "mark", "sup", "span", "button", "h3", "b", "a"}  # a: the phone's "Sources ↓"


@pytest.fixture
def unsafe() -> tuple[Answer, Document]:
    data = json.loads((FIXTURES / "unsafe_answer.json").read_text(encoding="utf-8"))
    return Answer.from_dict(data["answer"]), Document.from_dict(data["document"])


def _assert_only_our_markup(out: str) -> None:
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", out))
    assert tags <= OUR_TAGS, tags - OUR_TAGS
    assert "<script" not in out.lower() and "<img" not in out.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", out), "an event-handler attribute got through"
    assert "javascript:" not in out
    assert set(re.findall(r"""href=["']([^"']*)""", out)) <= {"#aqa-sources"}, "a link other than ours"


def _not_found(answer: Answer) -> Answer:
    return Answer(answer.question, "The articles don't say.", False, 0.1, [], answer.passages)


def test_render_answer_escapes_and_marks(unsafe: tuple[Answer, Document]) -> None:
    answer, _doc = unsafe
    out = render_answer(answer)
    _assert_only_our_markup(out)
    assert "&lt;script&gt;" not in out or "aqa-src-title" in out  # the title only shows for multi-article answers
    assert "onerror&#61;" in out  # visible as text, inert
    assert "<mark>4,000</mark>" in out
    assert out.index("4,000") < out.index("<blockquote>")  # short answer first
    assert '<sup class="aqa-cite">[1]</sup>' in out
    assert 'class="aqa-answer"' in out and "aqa-notfound" not in out


def test_render_not_found_is_distinct_and_offers_passages(unsafe: tuple[Answer, Document]) -> None:
    answer, _doc = unsafe
    out = render_answer(_not_found(answer))
    _assert_only_our_markup(out)
    assert 'class="aqa-notfound"' in out and "Not in the articles" in out
    assert "The articles don&#39;t say." in out
    assert "<blockquote>" in out and "Port Elspeth" in out
    assert "<mark>" not in out  # nothing is claimed as the answer


def test_render_sources_context_and_byline(unsafe: tuple[Answer, Document]) -> None:
    answer, doc = unsafe
    out = render_sources(answer, {doc.doc_id: doc})
    _assert_only_our_markup(out)
    assert "&lt;script&gt;" in out  # the title's markup as text
    assert "By Sam &lt;b&gt;Keel&lt;/b&gt;" in out and "2026&#45;01&#45;02" in out and "lighthouse.txt" in out
    assert '<span class="aqa-q">' in out and "<mark>4,000</mark>" in out
    assert 'data-cite="1"' in out
    assert "Lighthouse Festival" in html.unescape(re.sub(r"<[^>]+>", "", out))  # sentence before the quote
    nf = render_sources(_not_found(answer), {doc.doc_id: doc})
    assert "Closest passages" in nf and 'data-cite="1"' in nf
    assert render_sources(None).startswith("<div")


def test_render_article_marks_quote_with_target_id(unsafe: tuple[Answer, Document]) -> None:
    answer, doc = unsafe
    out = render_article(doc, answer.citations[0])
    _assert_only_our_markup(out)
    assert out.count('id="aqa-target"') == 1
    assert '<mark class="aqa-answer">4,000</mark>' in out
    target = re.search(r'id="aqa-target">((?:[^<]|<mark class="aqa-answer">[^<]*</mark>)*)</mark>', out)
    assert target is not None
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", target.group(1))) == answer.citations[0].quote
    body = re.search(r'<div class="aqa-article">(.*)</div>$', out, re.S)
    assert body is not None and html.unescape(re.sub(r"</?mark[^>]*>", "", body.group(1))) == doc.text
    # without a citation (or with a stale one) the article still renders, unmarked
    assert "aqa-target" not in render_article(doc)


def test_stand_in_citations_for_unanswered(unsafe: tuple[Answer, Document]) -> None:
    answer, doc = unsafe
    cites = shown_citations(_not_found(answer))
    assert [c.n for c in cites] == [1]
    assert doc.text[cites[0].start : cites[0].end] == cites[0].quote


def test_render_error_escapes() -> None:
    out = render_error('<img src=x onerror="alert(1)">')
    _assert_only_our_markup(out)


def test_context_window_takes_whole_sentences() -> None:
    text = "First one. Second one here. The quote sits here. Fourth follows. Fifth."
    s = text.index("The quote")
    e = s + len("The quote sits here.")
    lo, hi = context_window(text, s, e)
    assert text[lo:hi] == "Second one here. The quote sits here. Fourth follows."
    assert context_window(text, 0, 10) == (0, len("First one. Second one here."))
    assert context_window("abc", 0, 3) == (0, 3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/abs/path/Story.HTML", "Story.html"),
        ("..", "upload"),
        ("a/../../b.json", "b.json"),
        ("naïve café <x>.txt", "naive cafe _x_.txt"),
        (".hidden.pdf", "hidden.pdf"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected
    assert "/" not in safe_filename(name) and "\\" not in safe_filename(name)


def test_stage_upload_stays_inside_upload_dir(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("hello", encoding="utf-8")
    root = tmp_path / "uploads"
    root.mkdir()
    for name in ["../../escape.txt", "/etc/passwd", "..\\x.txt", "ok.txt"]:
        dest = stage_upload(src, root, name)
        assert root.resolve() in dest.parents
        assert dest.read_text(encoding="utf-8") == "hello"
    assert not (tmp_path / "escape.txt").exists()
    assert ALLOWED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".pdf")


def test_upload_problem(tmp_path: Path) -> None:
    ok = tmp_path / "a.md"
    ok.write_text("# Title\n\nBody.", encoding="utf-8")
    assert upload_problem(ok, 1.0) is None
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 3000)
    assert "larger than the 0.001 MB limit" in (upload_problem(big, 0.001) or "")
    exe = tmp_path / "run.exe"
    exe.write_bytes(b"MZ")
    assert "not a supported file type" in (upload_problem(exe, 1.0) or "")
    assert "could not be read" in (upload_problem(tmp_path / "missing.txt", 1.0) or "")


def test_build_app_has_named_ask_endpoint(qa) -> None:
    import gradio as gr

    from articleqa.ui import build_app

    app = build_app(qa)
    assert isinstance(app, gr.Blocks)
    names = [d.api_name for d in app.fns.values() if getattr(d, "api_name", None)]
    assert "ask" in names


def test_parse_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    from articleqa.config import Settings
    from articleqa.errors import InputError
    from articleqa.server import parse_auth

    monkeypatch.delenv("ARTICLEQA_AUTH", raising=False)
    assert parse_auth(None) is None and parse_auth(Settings.from_env().auth) is None
    assert parse_auth("ann:s3cret:x") == ("ann", "s3cret:x")
    monkeypatch.setenv("ARTICLEQA_AUTH", "bob:pw")
    assert parse_auth(Settings.from_env().auth) == ("bob", "pw")
    assert "bob" not in repr(Settings.from_env()) and "auth" not in Settings.from_env().public_dict()
    with pytest.raises(InputError):
        parse_auth("nopassword")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gradio_client_ask_endpoint(qa) -> None:
    from gradio_client import Client

    from articleqa.ui import build_app, launch

    app = build_app(qa)
    app.queue()
    _, url, _ = launch(app, server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        result = client.predict("Where are the talks held?", None, api_name="/ask")
        assert set(result) >= {"question", "text", "answerable", "confidence", "citations", "passages", "timings_ms"}
        answer = Answer.from_dict(result)
        assert answer.question == "Where are the talks held?"
        assert answer.answerable and answer.citations
        c = answer.citations[0]
        assert qa.document(c.doc_id).text[c.start : c.end] == c.quote
        follow = client.predict(question="Who urged them?", history=["Where are the talks held?"], api_name="/ask")
        assert follow["question"] == "Who urged them?" and follow["text"]
    finally:
        app.close()


def test_an_answer_shows_its_confidence_as_a_label_with_the_number_on_hover(unsafe: tuple[Answer, Document]) -> None:
    answer, _doc = unsafe
    for confidence, label in ((0.93, "high"), (0.7, "medium"), (0.52, "low")):
        answer.confidence = confidence
        out = render_answer(answer)
        _assert_only_our_markup(out)
        assert f'class="aqa-conf aqa-conf-{label}" title="confidence {confidence:.2f}' in out
        assert f">{label} confidence</span>" in out


def test_a_not_found_reply_lists_at_most_two_distinct_closest_passages(unsafe: tuple[Answer, Document]) -> None:
    import dataclasses

    answer, _doc = unsafe
    p = answer.passages[0]
    far = dataclasses.replace(p.chunk, chunk_id="far", start=p.chunk.end + 10, end=p.chunk.end + 20)
    passages = [p, dataclasses.replace(p, rank=2), dataclasses.replace(p, chunk=far, rank=3),
                dataclasses.replace(p, chunk=dataclasses.replace(far, chunk_id="far2", doc_id="other"), rank=4)]
    cites = shown_citations(Answer(answer.question, "The articles don't say.", False, 0.1, [], passages))
    assert [c.n for c in cites] == [1, 2]
    assert [c.start for c in cites] == [p.chunk.start, far.start]  # the repeat of passage 1 is listed once
    out = render_answer(Answer(answer.question, "The articles don't say.", False, 0.1, [], passages))
    assert out.count("<blockquote>") == 2 and "aqa-conf" not in out


def _handler(app, name: str):
    """A UI event handler by its function name (methods of the handler objects build_app wires up)."""
    return next(d.fn for d in app.fns.values() if getattr(d.fn, "__name__", "") == name)


def _article(i: int) -> str:
    return (f"Harbour report {i}\n\nThe harbour of Port Number{i} reopened on Monday after repairs to pier {i}. "
            f"Officials said {i * 7} ships were expected during the first week, and the mayor welcomed them.")


def test_an_upload_batch_is_one_add_call_and_one_index_generation(writable_index: Path, tmp_path: Path) -> None:
    from articleqa import Assistant
    from articleqa.store import IndexStore
    from articleqa.ui import build_app

    qa = Assistant.open(writable_index)
    calls: list[int] = []
    real_add = qa.add

    def counting_add(sources, **kwargs):
        calls.append(len(sources))
        return real_add(sources, **kwargs)

    qa.add = counting_add  # type: ignore[method-assign]
    app = build_app(qa, upload_dir=tmp_path / "uploads")
    gens_before = {p.name for p in writable_index.glob("gen-*")}
    before = int(str(IndexStore(writable_index).manifest()["generation"])[4:])
    n_before = len(qa.documents())
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = []
    for i in range(6):
        f = inbox / f"report{i}.txt"
        f.write_text(_article(i), encoding="utf-8")
        files.append(str(f))
    (inbox / "empty.txt").write_text("   ", encoding="utf-8")
    (inbox / "tool.exe").write_bytes(b"MZ")
    files += [str(inbox / "empty.txt"), str(inbox / "tool.exe")]

    outputs = list(_handler(app, "index_files")(files))

    assert calls == [7]  # one add for the batch (the .exe never reaches it)
    after = int(str(IndexStore(writable_index).manifest()["generation"])[4:])
    assert after == before + 1
    assert len({p.name for p in writable_index.glob("gen-*")} - gens_before) == 1
    assert len(qa.documents()) == n_before + 6
    final = html.unescape(outputs[-1][0])
    assert "Indexed 6 of 8 file(s)" in final
    for i in range(6):
        assert f"report{i}.txt: added" in final
    assert re.search(r"empty\.txt: skipped — [^<]*empty", final)
    assert "tool.exe: not a supported file type" in final
    # while indexing, the status head (with its progress bar) comes before any list of files
    assert all(out[0].index("<b>") < out[0].find("<ul") or "<ul" not in out[0] for out in outputs)
    # the same batch again: one add, every file reported as already there, and no new generation
    outputs = list(_handler(app, "index_files")(files[:6]))
    assert calls == [7, 6]
    assert int(str(IndexStore(writable_index).manifest()["generation"])[4:]) == after
    assert outputs[-1][0].count("already in the library") == 6


def test_remove_asks_for_confirmation_and_deletes_only_the_uploaded_copy(writable_index: Path, tmp_path: Path) -> None:
    from articleqa import Assistant
    from articleqa.ui import build_app

    qa = Assistant.open(writable_index)
    uploads = tmp_path / "uploads"
    app = build_app(qa, upload_dir=uploads)
    src = tmp_path / "mine.txt"
    src.write_text(_article(1), encoding="utf-8")
    list(_handler(app, "index_files")([str(src)]))
    doc = next(d for d in qa.documents() if "Harbour report 1" in d.title)
    copy = Path(doc.source)
    assert uploads.resolve() in copy.parents and copy.is_file()

    # first click: a question, nothing removed, the Confirm/Cancel buttons shown
    status, pending, remove_btn, confirm_btn, cancel_btn = _handler(app, "ask_remove")(doc.doc_id)
    assert "Confirm remove" in status and "uploaded copy" in status and pending == doc.doc_id
    assert confirm_btn["visible"] is True and cancel_btn["visible"] is True and remove_btn["visible"] is False
    assert any(d.doc_id == doc.doc_id for d in qa.documents()) and copy.exists()
    status, pending, *_ = _handler(app, "cancel_remove")()
    assert pending is None and any(d.doc_id == doc.doc_id for d in qa.documents())

    # confirm: the document and the copy the UI stored are gone, the user's original is not
    out = _handler(app, "remove_document")(doc.doc_id)
    assert "Removed" in out[0] and "uploaded copy was deleted" in out[0]
    assert out[-3]["visible"] is True and out[-2]["visible"] is False  # back to the single Remove button
    assert not any(d.doc_id == doc.doc_id for d in qa.documents())
    assert not copy.exists() and not copy.parent.exists() and src.exists()

    # a document indexed from a file outside the upload folder: removed from the index, file untouched
    own = tmp_path / "own.txt"
    own.write_text(_article(2), encoding="utf-8")
    qa.add([str(own)])
    other = next(d for d in qa.documents() if "Harbour report 2" in d.title)
    assert "uploaded copy" not in _handler(app, "ask_remove")(other.doc_id)[0]
    out = _handler(app, "remove_document")(other.doc_id)
    assert "Removed" in out[0] and "uploaded copy" not in out[0]
    assert own.exists() and not any(d.doc_id == other.doc_id for d in qa.documents())


def test_the_upload_progress_line_stays_above_a_long_file_list() -> None:
    from articleqa.ui import CSS, render_status

    html = render_status([f"note-{i:03d}.txt: added" for i in range(400)], ["bad.txt: empty"], "Indexing 400 files…", (120, 400))
    head, bar, ok, bad = (html.index(x) for x in ("Indexing 400 files", 'role="progressbar"', "aqa-status-ok", "aqa-status-bad"))
    assert head < bar < ok < bad and 'aria-valuenow="120"' in html
    rule = CSS[CSS.index(".aqa-status ul") :].split("}", 1)[0]
    assert "max-height" in rule and "overflow-y: auto" in rule  # the list scrolls; the head and bar do not
