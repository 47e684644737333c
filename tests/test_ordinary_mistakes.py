"""Ordinary mistakes get one clear line that says what to do — never a traceback, never a misleading answer
(issue 12). CLI cases check the exit code and stderr; API cases the error raised; UI cases the app's own
functions (and, for the served API, the server's log)."""

from __future__ import annotations

import json
import logging
import re
import shlex
import shutil
import socket
from pathlib import Path

import pytest

from articleqa import Assistant
from articleqa.cli import main
from articleqa.errors import InputError

ARTICLE = Path(__file__).resolve().parent.parent / "articles" / "us-iran-talks-oman.txt"
QUESTION = "Where will the US and Iranian officials meet?"
MB = 1024 * 1024


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("articleqa: error: "), err
    assert "Traceback" not in err
    return lines[0]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------------------------------
# --index-dir pointing at a file


@pytest.mark.parametrize(
    "argv",
    [["index", str(ARTICLE), "--no-progress"], ["ask", QUESTION], ["docs"], ["remove", "abc"], ["serve", "--port", "{port}"]],
    ids=["index", "ask", "docs", "remove", "serve"],
)
@pytest.mark.parametrize("inside", [False, True], ids=["is-a-file", "inside-a-file"])
def test_an_index_dir_that_is_a_file_is_refused_in_one_line(argv, inside, tmp_path, capsys) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("not an index")
    index_dir = file / "idx" if inside else file
    argv = [a.format(port=_free_port()) for a in argv]

    code = main([*argv, "--index-dir", str(index_dir)])

    out, err = capsys.readouterr()
    line = _one_error_line(err)
    assert code == 2 and out == ""
    assert f"{file}, which is a file" in line if inside else f"{file} is a file" in line
    assert "pass a folder with --index-dir" in line
    assert "articleqa index" not in line  # the old hint recommended the very command that crashed
    assert file.read_text() == "not an index"


# --------------------------------------------------------------------------------------------------
# serve on a port that is taken


def test_serve_on_a_port_in_use_says_so_before_serving_and_suggests_port(article_index, capsys) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--index-dir", str(article_index), "--port", str(port)])
    out, err = capsys.readouterr()
    line = _one_error_line(err)
    assert code == 2
    assert "serving" not in out
    assert f"port {port} on 127.0.0.1 is already in use" in line
    assert re.search(r"--port \d+", line) and "server_port" not in line and "GRADIO_SERVER_PORT" not in line


# --------------------------------------------------------------------------------------------------
# an empty question through the served API


def test_an_empty_question_through_the_api_is_a_clear_error_and_logs_no_traceback(qa, capfd) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from articleqa.ui import build_app, launch

    app = build_app(qa)
    app.queue()
    _, url, _ = launch(app, server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        capfd.readouterr()
        client = Client(url, verbose=False)
        for question in ["", "   ", "\x1b[0m\t"]:
            with pytest.raises(AppError, match="the question is empty"):
                client.predict(question, None, api_name="/ask")
    finally:
        app.close()
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err, out + err


# --------------------------------------------------------------------------------------------------
# unknown document ids


def test_an_unknown_doc_id_on_the_command_line_exits_2_naming_it(article_index, capsys) -> None:
    doc_id = Assistant.open(article_index).documents()[0].doc_id
    for ids in (["nope"], [doc_id, "nope"]):
        code = main(["ask", QUESTION, "--index-dir", str(article_index), *[a for d in ids for a in ("--doc-id", d)]])
        out, err = capsys.readouterr()
        line = _one_error_line(err)
        assert code == 2 and out == ""
        assert "no document 'nope'" in line and doc_id not in line and "articleqa docs" in line


def test_doc_ids_none_of_which_is_indexed_raise_a_clear_input_error(qa) -> None:
    with pytest.raises(InputError, match=r"no document 'nope', 'gone' in .*`articleqa docs` lists the ids"):
        qa.ask(QUESTION, doc_ids=["nope", "gone"])
    with pytest.raises(InputError, match="doc_ids is empty"):
        qa.ask(QUESTION, doc_ids=[])
    with pytest.raises(InputError, match="no document 'nope'"):
        qa.ask("Who confirmed it?", history=["Where will the talks take place?"], doc_ids=["nope"])
    doc_id = next(d.doc_id for d in qa.documents() if d.source.endswith(ARTICLE.name))
    answer = qa.ask(QUESTION, doc_ids=[doc_id, "nope"])  # a partly stale filter still answers from the rest
    assert answer.passages and {p.chunk.doc_id for p in answer.passages} == {doc_id}


# --------------------------------------------------------------------------------------------------
# messages that read wrong


@pytest.mark.parametrize(
    "n_bytes, limit_mb",
    [(50 * MB + 1, 50), (50 * MB + 40 * 1024, 50), (50 * MB + 600 * 1024, 50), (10_486, 0.01), (11_000, 0.01), (500, 0.0001)],
)
def test_a_file_over_the_size_limit_is_reported_visibly_over_it(n_bytes, limit_mb, tmp_path) -> None:
    from articleqa.ingest import load_paths

    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # sparse: the size is checked with stat, nothing is read
        fh.truncate(n_bytes)
    [skipped] = load_paths([big], max_file_mb=limit_mb).skipped
    m = re.search(r"is ([\d,.]+) (bytes|KB|MB|GB), over the ([\d.]+) MB (?:\([\d,]+ bytes\) )?limit", skipped.reason)
    assert m, skipped.reason
    shown = float(m.group(1).replace(",", "")) * {"bytes": 1, "KB": 1024, "MB": MB, "GB": 1024 * MB}[m.group(2)]
    assert shown > float(m.group(3)) * MB, skipped.reason


def test_the_upload_size_message_is_visibly_over_the_limit(tmp_path) -> None:
    from articleqa.ui import upload_problem

    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(50 * MB + 1)
    problem = upload_problem(big, 50) or ""
    assert "52,428,801 bytes is larger than the 50 MB (52,428,800 bytes) limit" in problem, problem


@pytest.mark.parametrize("damage", ["manifest", "records"])
@pytest.mark.parametrize("where", ["default", "elsewhere"])
def test_the_damaged_index_hint_names_the_index_dir_that_was_used(
    damage, where, article_index, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("ARTICLEQA_INDEX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / ("index" if where == "default" else "my index")
    shutil.copytree(article_index, target)
    if damage == "manifest":
        (target / "manifest.json").write_text("{not json")
    else:
        records = target / json.loads((target / "manifest.json").read_text())["generation"] / "records.sqlite"
        records.write_bytes(records.read_bytes()[:100])

    code = main(["docs", *([] if where == "default" else ["--index-dir", str(target)])])

    line = _one_error_line(capsys.readouterr().err)
    assert code == 2
    if where == "default":
        assert "`articleqa index --rebuild PATH...`" in line
    else:
        assert f"`articleqa index --rebuild PATH... --index-dir {shlex.quote(str(target))}`" in line


def test_the_ui_says_a_question_is_too_long_instead_of_cutting_it(qa) -> None:
    from articleqa.ui import MAX_QUESTION_CHARS, build_app

    app = build_app(qa)
    box = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "aqa-question")
    assert box.max_length is None  # a browser maxlength cut pasted questions without a word
    respond = next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == "respond")
    question = "Where are the talks held? " + "x" * MAX_QUESTION_CHARS

    box_value, chat, session, *_ = list(respond(question, [], None))[-1]

    assert f"{len(question):,} characters long" in chat[-1]["content"]
    assert f"at most {MAX_QUESTION_CHARS:,}" in chat[-1]["content"]
    assert "value" not in box_value  # the question stays in the box, to be shortened
    assert session["questions"] == [] and len(session["msg_answer"]) == len(chat)


def test_building_the_bm25_index_logs_nothing_below_warning(caplog) -> None:
    from articleqa.store.lexical import LexicalIndex

    with caplog.at_level(logging.DEBUG):
        LexicalIndex.build(["Officials will meet in Muscat on Friday."])
    chatter = [r for r in caplog.records if r.name.startswith("bm25s") and r.levelno < logging.WARNING]
    assert chatter == [], [r.getMessage() for r in chatter]


# --------------------------------------------------------------------------------------------------
# how a question is read: escape codes, accents


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("\x1b[1;31mWhere are\x1b[0m the talks held?", "Where are the talks held?"),
        ("\x1b]0;window title\x07Where?", "Where?"),
        ("\x1b]8;;https://x.test\x1b\\the link\x1b]8;;\x1b\\ text", "the link text"),
        ("\x9b31mWho\x9b0m confirmed it?", "Who confirmed it?"),
        ("Who\tconfirmed\r\nit?\x00\x07", "Who confirmed it?"),
        ("Who\u200b con\u00adfirmed\ufeff it?", "Who confirmed it?"),
        ("\x1b]unterminated OSC keeps its text", "unterminated OSC keeps its text"),
        ("Ma\u0301laga?", "Málaga?"),
        ("  \x1b[0m  ", ""),
        (None, ""),
    ],
)
def test_a_question_is_read_without_escape_codes_and_control_characters(raw, clean) -> None:
    from articleqa.question import clean_question

    assert clean_question(raw) == clean


def test_a_question_with_terminal_escape_codes_is_answered_like_the_plain_one(article_index, capsys) -> None:
    answers = []
    for question in (QUESTION, f"\x1b[1m{QUESTION[:5]}\x1b[0m{QUESTION[5:]}\x1b[K\r\n"):
        assert main(["ask", question, "--index-dir", str(article_index), "--json"]) == 0
        answers.append(json.loads(capsys.readouterr().out))
    plain, pasted = answers
    assert pasted["question"] == QUESTION
    assert pasted["text"] == plain["text"] and pasted["answerable"] == plain["answerable"]
    assert [c["quote"] for c in pasted["citations"]] == [c["quote"] for c in plain["citations"]]
    assert [p["chunk"]["chunk_id"] for p in pasted["passages"]] == [p["chunk"]["chunk_id"] for p in plain["passages"]]
    assert pasted["confidence"] == pytest.approx(plain["confidence"])


@pytest.mark.parametrize(
    "texts, query",
    [
        (["The ferry to Málaga left at noon.", "Paris was busy."], "Malaga"),
        (["The ferry to Malaga left at noon.", "Paris was busy."], "Málaga"),
        (["The ﬁnal résumé of the naïve café owner.", "Paris was busy."], "final resume naive cafe"),
        (["São Paulo and Zürich signed the accord.", "Paris was busy."], "SAO PAULO ZURICH"),
    ],
)
def test_lexical_matching_ignores_accents_on_both_sides(texts, query, tmp_path) -> None:
    from articleqa.store.lexical import LexicalIndex

    built = LexicalIndex.build(texts)
    built.save(tmp_path / "bm25")
    for index in (built, LexicalIndex.load(tmp_path / "bm25")):
        rows, scores = index.search(query, 2)
        assert list(rows) == [0] and scores[0] > 0


def test_an_index_built_before_accent_folding_is_still_queried_as_it_was_built(tmp_path) -> None:
    from articleqa.store.lexical import TOKENIZER_FILE, LexicalIndex

    LexicalIndex.build(["The ferry to Málaga left at noon.", "Paris was busy."], fold=False).save(tmp_path)
    (tmp_path / TOKENIZER_FILE).unlink()  # what an older articleqa wrote
    rows, _ = LexicalIndex.load(tmp_path).search("Málaga", 2)
    assert list(rows) == [0]


def test_term_stems_ignore_accents() -> None:
    from articleqa.nlp import content_terms

    assert content_terms("Who runs the café in Málaga?") == content_terms("Who runs the cafe in Malaga?")


def test_a_tiny_index_answers_an_accentless_question_through_bm25(tmp_path, monkeypatch) -> None:
    """End to end with BM25 alone, so the dense model (which strips accents itself) cannot hide a miss."""
    from articleqa.config import Settings
    from articleqa.ingest import document_from_text

    monkeypatch.setenv("ARTICLEQA_FUSION", "bm25")
    docs = [
        document_from_text("The new ferry service to Málaga starts in June, the port authority said.", source="a"),
        document_from_text("The council approved the harbour budget on Tuesday after a long debate.", source="b"),
    ]
    qa = Assistant.build(docs, tmp_path / "idx", settings=Settings.from_env())
    assert qa.settings.fusion == "bm25"
    answer = qa.ask("What is planned for Malaga?")  # its only term that any article has is the place name
    assert answer.passages and "Málaga" in answer.passages[0].chunk.text
