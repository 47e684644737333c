"""One question length limit and one empty-question message, whichever door the question comes through:
the CLI, the Python API, the web UI and its /ask endpoint."""

from __future__ import annotations

import html

import pytest

from articleqa.cli import main
from articleqa.errors import InputError
from articleqa.question import EMPTY_QUESTION, MAX_QUESTION_CHARS, checked_question, too_long_message

LONG = "Where are the talks held? " + "x" * 3000  # 3,026 characters


def _ui_handlers(qa):
    from articleqa.ui import build_app

    app = build_app(qa)
    fns = {getattr(f.fn, "__name__", ""): f.fn for f in app.fns.values()}
    return fns["respond"], fns["ask"]


def test_the_limit_counts_the_cleaned_question():
    assert checked_question("  Where  are the talks held?\x1b[0m ") == "Where are the talks held?"
    assert len(checked_question("a" * MAX_QUESTION_CHARS)) == MAX_QUESTION_CHARS
    with pytest.raises(InputError, match="at most 2,000 characters"):
        checked_question("a" * (MAX_QUESTION_CHARS + 1))


@pytest.mark.parametrize("question, message", [(LONG, too_long_message(len(LONG))), ("  \t ", EMPTY_QUESTION)],
                         ids=["too-long", "empty"])
def test_the_cli_refuses_with_the_shared_message(question, message, article_index, capsys):
    assert main(["ask", question, "--index-dir", str(article_index)]) == 2
    assert capsys.readouterr().err.strip() == f"articleqa: error: {message}"


@pytest.mark.parametrize("question, message", [(LONG, too_long_message(len(LONG))), ("", EMPTY_QUESTION)],
                         ids=["too-long", "empty"])
def test_the_python_api_refuses_with_the_shared_message(question, message, qa):
    with pytest.raises(InputError) as err:
        qa.ask(question)
    assert str(err.value) == message


@pytest.mark.parametrize("question, message", [(LONG, too_long_message(len(LONG))), ("   ", EMPTY_QUESTION)],
                         ids=["too-long", "empty"])
def test_the_web_ui_shows_the_shared_message_in_the_chat(question, message, qa):
    respond, _ask = _ui_handlers(qa)
    box, chat, session, *_ = list(respond(question, [], None))[-1]
    assert len(chat) == 1 and "aqa-error" in chat[0]["content"]
    shown = html.unescape(chat[0]["content"])
    assert message[0].upper() + message[1:] in shown  # as a sentence, otherwise word for word
    assert "value" not in box  # the text stays in the box to be corrected
    assert session["questions"] == []


@pytest.mark.parametrize("question, message", [(LONG, too_long_message(len(LONG))), ("", EMPTY_QUESTION)],
                         ids=["too-long", "empty"])
def test_the_ask_endpoint_refuses_with_the_shared_message(question, message, qa):
    import gradio as gr

    _respond, ask = _ui_handlers(qa)
    with pytest.raises(gr.Error) as err:
        ask(question)
    assert err.value.message == message


def test_a_question_at_the_limit_is_answered_everywhere(qa):
    question = "Where are the talks held?" + " " + "please " * ((MAX_QUESTION_CHARS - 26) // 7)
    assert len(checked_question(question)) <= MAX_QUESTION_CHARS
    assert qa.ask(question).question
