"""Written answers (a language model) turned into Answers: citations are verified stored sentences, invented
numbers and unverifiable quotes never show as sources, and every failure falls back to the extractive answer.

The grounding step is tested here without a server (a reply text is read against a real prompt's numbering);
tests/answer/written/test_generator.py and the `llm`-marked tests below use a real llama.cpp server."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from articleqa.answer.citations import quote_is_verbatim
from articleqa.answer.written import (
    INSTRUCTIONS,
    UNSOURCED,
    GenerationDone,
    GenerationEvent,
    GenerationFailed,
    Generator,
    GeneratorConfig,
    Prompt,
    TextDelta,
    answer_from_failure,
    answer_from_generation,
    build_prompt,
    parse_reply,
    write_answer,
)
from articleqa.cli import main
from articleqa.records import Answer, Passage
from right_answers import WHERE_THE_TALKS_ARE, says_one_of

QUESTION = "Where are the talks held?"


@pytest.fixture(scope="module")
def extractive(qa) -> Answer:  # type: ignore[no-untyped-def]
    return qa.ask(QUESTION)


def _done(extractive: Answer, reply_text: str) -> GenerationDone:
    prompt = build_prompt(QUESTION, extractive.passages)
    return GenerationDone(reply_text, parse_reply(reply_text, prompt.numbering), prompt, completion_tokens=5,
                          ttft_s=0.1, tokens_per_s=10.0, total_s=0.5, attempts=1)


def _text_of(qa):  # type: ignore[no-untyped-def]
    return lambda doc_id: qa.document(doc_id).text


def _said(qa, numbering, n: int) -> str:  # type: ignore[no-untyped-def]
    """The first words of prompt sentence n: a claim that sentence supports (answer/support.py)."""
    s = numbering[n]
    return " ".join(qa.document(s.doc_id).text[s.start : s.end].split()[:8]).rstrip(".,;:!?\"'”")


def test_cited_numbers_become_verbatim_quotes_of_the_stored_sentences(qa, extractive: Answer) -> None:  # type: ignore[no-untyped-def]
    numbering = build_prompt(QUESTION, extractive.passages).numbering
    first, second = sorted(numbering)[:2]
    done = _done(extractive, f"{_said(qa, numbering, second)} [{second}], and {_said(qa, numbering, first)} [{first}].")
    answer = answer_from_generation(done, extractive, extractive.passages, _text_of(qa), "tiny-model")
    assert answer.answerable and answer.generated_by == "tiny-model" and answer.notice is None
    assert [c.n for c in answer.citations] == [1, 2]
    for c, n in zip(answer.citations, (second, first), strict=True):
        assert (c.doc_id, c.start, c.end) == (numbering[n].doc_id, numbering[n].start, numbering[n].end)
        assert quote_is_verbatim(qa.document(c.doc_id).text, c.start, c.end, c.quote)
    assert re.findall(r"\[(\d+)\]", answer.text) == ["1", "2"]  # the text's markers name the quotes shown


def test_invented_numbers_are_dropped_and_never_shown_as_sources(qa, extractive: Answer) -> None:  # type: ignore[no-untyped-def]
    numbering = build_prompt(QUESTION, extractive.passages).numbering
    real = min(numbering)
    done = _done(extractive, f"{_said(qa, numbering, real)} [{real}] and on the moon [999].")
    answer = answer_from_generation(done, extractive, extractive.passages, _text_of(qa), "m")
    assert len(answer.citations) == 1 and "[999]" not in answer.text and "[2]" not in answer.text
    assert answer.timings_ms["llm_dropped_citations"] == 1


def test_a_written_answer_with_no_valid_citation_is_replaced_by_the_extractive_one(qa, extractive: Answer) -> None:  # type: ignore[no-untyped-def]
    fresh = qa.ask(QUESTION)
    done = _done(fresh, "Somewhere nice [999].")
    answer = answer_from_generation(done, fresh, fresh.passages, _text_of(qa), "m")
    assert answer.generated_by is None and answer.text == extractive.text
    assert answer.notice and UNSOURCED in answer.notice
    assert answer.citations and all(quote_is_verbatim(qa.document(c.doc_id).text, c.start, c.end, c.quote)
                                    for c in answer.citations)


def test_a_claim_its_cited_sentence_does_not_say_is_replaced_by_the_extractive_answer(qa, extractive: Answer) -> None:  # type: ignore[no-untyped-def]
    from articleqa.answer.written import UNSUPPORTED

    numbering = build_prompt(QUESTION, extractive.passages).numbering
    fresh = qa.ask(QUESTION)
    done = _done(fresh, f"The talks cost 40 million dollars [{min(numbering)}].")  # a real number, a made-up claim
    answer = answer_from_generation(done, fresh, fresh.passages, _text_of(qa), "m")
    assert answer.generated_by is None and answer.text == extractive.text
    assert answer.notice and UNSUPPORTED in answer.notice and "40" in answer.notice
    assert answer.alternative == done.reply.text


def test_a_quote_that_fails_verification_is_dropped_and_the_markers_renumbered(qa, extractive: Answer) -> None:  # type: ignore[no-untyped-def]
    numbering = build_prompt(QUESTION, extractive.passages).numbering
    by_start = sorted(numbering.values(), key=lambda s: s.start)
    early, late = by_start[0], by_start[-1]
    claim = _said(qa, numbering, early.n)  # cited first with the sentence that will fail, then with its own
    done = _done(extractive, f"{claim} [{late.n}]. {claim} [{early.n}].")
    stored = qa.document(late.doc_id).text

    def text_of(doc_id: str) -> str:  # the stored text no longer reaches the later sentence
        return stored[: late.start] if doc_id == late.doc_id else qa.document(doc_id).text

    answer = answer_from_generation(done, extractive, extractive.passages, text_of, "m")
    assert [(c.n, c.start) for c in answer.citations] == [(1, early.start)]
    assert re.findall(r"\[(\d+)\]", answer.text) == ["1"] and answer.text.startswith(f"{claim}. {claim}")


def test_the_model_saying_not_in_the_articles_makes_the_answer_unanswerable(qa, extractive: Answer) -> None:  # type: ignore[no-untyped-def]
    done = _done(extractive, "NOT IN THE ARTICLES")
    answer = answer_from_generation(done, extractive, extractive.passages, _text_of(qa), "m")
    assert not answer.answerable and not answer.citations and answer.generated_by == "m"


def test_a_failed_model_leaves_the_extractive_answer_with_a_one_line_notice(qa) -> None:  # type: ignore[no-untyped-def]
    fresh = qa.ask(QUESTION)
    failed = GenerationFailed("connect", "connection refused", "http://127.0.0.1:9/v1")
    answer = answer_from_failure(failed, fresh)
    assert answer.text == fresh.text and answer.generated_by is None
    assert answer.notice and "http://127.0.0.1:9/v1" in answer.notice and "\n" not in answer.notice


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_language_model_by_default_and_ask_streams_only_the_answer(qa) -> None:  # type: ignore[no-untyped-def]
    assert qa.generator is None
    items = list(qa.stream(QUESTION))
    assert len(items) == 1 and isinstance(items[0], Answer) and items[0].notice is None


def test_a_server_that_is_down_gives_the_extractive_answer_and_says_so(article_index: Path) -> None:
    from articleqa import Assistant
    from articleqa.config import Settings

    url = f"http://127.0.0.1:{_closed_port()}/v1"
    settings = Settings.from_env(llm_url=url, llm_model="m", llm_timeout=5.0)
    writing = Assistant.open(article_index, settings=settings)
    plain = Assistant.open(article_index)
    answer = writing.ask(QUESTION)
    assert answer.text == plain.ask(QUESTION).text and answer.generated_by is None
    assert answer.notice and url in answer.notice


def test_a_url_without_a_model_name_is_a_clear_error(article_index: Path) -> None:
    from articleqa import Assistant
    from articleqa.config import Settings
    from articleqa.errors import InputError

    with pytest.raises(InputError, match="--llm-model"):
        Assistant.open(article_index, settings=Settings.from_env(llm_url="http://127.0.0.1:8080/v1"))


def test_the_cli_falls_back_with_a_note_when_the_server_is_down(article_index: Path, qa, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    code = main(["ask", QUESTION, "--index-dir", str(article_index), "--llm-url", url, "--llm-model", "m"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "articleqa: note:" in err and url in err
    # The extractive answer (one of the right places) with its label, then its quotes, each the stored text.
    head, *rest = out.splitlines()
    shape = re.fullmatch(r"(.+?)  \((high|medium|low) confidence, [01]\.\d\d\)", head)
    assert shape and says_one_of(shape.group(1), WHERE_THE_TALKS_ARE), out
    quotes = [re.fullmatch(r"  \[(\d+)\] “(.*)” — .* \((.+?), .*, chars (\d+)–(\d+)\)", line) for line in rest]
    quotes = [q for q in quotes if q]
    assert quotes and quotes[0].group(1) == "1", out
    by_source = {d.source: d.doc_id for d in qa.documents()}
    for q in quotes:
        n, quote, source, start, end = q.groups()
        assert qa.document(by_source[source]).text[int(start) : int(end)] == quote, (n, quote)


@pytest.mark.llm
@pytest.mark.slow
def test_the_assistant_streams_pieces_then_an_answer_whose_quotes_are_verified(article_index: Path, llama_server) -> None:  # type: ignore[no-untyped-def]
    from articleqa import Assistant
    from articleqa.config import Settings

    settings = Settings.from_env(llm_url=llama_server.url, llm_model="smollm2", llm_max_tokens=48, llm_timeout=60.0)
    qa = Assistant.open(article_index, settings=settings)
    items = list(qa.stream(QUESTION))
    pieces, answer = items[:-1], items[-1]
    assert pieces and all(isinstance(p, str) for p in pieces) and "".join(pieces).strip()
    assert isinstance(answer, Answer)
    for c in answer.citations:
        assert quote_is_verbatim(qa.document(c.doc_id).text, c.start, c.end, c.quote)
    if answer.generated_by:  # written and sourced: every marker in its text names a quote shown
        assert answer.notice is None and answer.citations
        assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} <= {c.n for c in answer.citations}
        assert answer.timings_ms["llm_first_token"] > 0
    else:  # the model cited nothing verifiable: the extractive answer stands, and says so
        assert answer.notice and (UNSOURCED in answer.notice or "language model" in answer.notice)


def test_both_answers_are_kept_so_eval_can_compare_written_with_extractive(qa, extractive: Answer) -> None:  # type: ignore[no-untyped-def]
    from articleqa.evaluate import EvalQuestion
    from articleqa.evaluate.scoring import llm_metrics, llm_row

    numbering = build_prompt(QUESTION, extractive.passages).numbering
    claim = _said(qa, numbering, min(numbering))
    written = answer_from_generation(_done(extractive, f"{claim} [{min(numbering)}]."), extractive,
                                     extractive.passages, _text_of(qa), "m")
    assert written.generated_by == "m" and written.alternative == extractive.text
    fresh = qa.ask(QUESTION)
    unsourced = answer_from_generation(_done(fresh, "Somewhere on the moon [999]."), fresh, fresh.passages,
                                       _text_of(qa), "m")
    assert unsourced.generated_by is None and unsourced.alternative == "Somewhere on the moon."

    q = EvalQuestion("q1", QUESTION, [extractive.text], True)
    rows = [{"answerable": True, "llm": llm_row(q, a, a.text, a.citations)} for a in (written, unsourced)]
    assert rows[0]["llm"]["written"] == f"{claim}." and rows[0]["llm"]["extractive"] == extractive.text
    assert rows[1]["llm"]["written"] == "Somewhere on the moon." and rows[1]["llm"]["extractive_f1"] == 1.0
    metrics = llm_metrics(rows)
    assert metrics["llm.extractive_f1"] == 1.0 and metrics["llm.written_f1"] < 1.0


# ---------------------------------------------------------------- write_answer: the written step as one call


class ScriptedWriter(Generator):
    """A Generator that replays events a script makes from the real prompt, and records what it was asked."""

    def __init__(self, script: Callable[[Prompt], list[GenerationEvent]]) -> None:
        super().__init__(GeneratorConfig("http://127.0.0.1:9/v1", "scripted"))
        self.script = script
        self.asked: list[tuple[str, list[Passage], list[tuple[str, str]]]] = []

    def stream(self, question: str, passages: Sequence[Passage], history: Sequence[tuple[str, str]] = ()) -> Iterator[GenerationEvent]:
        self.asked.append((question, list(passages), list(history)))
        yield from self.script(self.prompt(question, passages, history))


def _replying(make_reply: Callable[[Prompt], str]) -> Callable[[Prompt], list[GenerationEvent]]:
    """A script that streams ``make_reply(prompt)`` in three pieces, then its GenerationDone."""
    def script(prompt: Prompt) -> list[GenerationEvent]:
        reply = make_reply(prompt)
        third = len(reply) // 3 + 1
        pieces: list[GenerationEvent] = [TextDelta(reply[i : i + third]) for i in range(0, len(reply), third)]
        return [*pieces, GenerationDone(reply, parse_reply(reply, prompt.numbering), prompt, completion_tokens=5,
                                        ttft_s=0.1, tokens_per_s=10.0, total_s=0.5, attempts=1)]
    return script


def test_write_answer_streams_the_pieces_then_one_written_answer_with_verified_quotes(qa) -> None:  # type: ignore[no-untyped-def]
    extractive = qa.ask(QUESTION)
    writer = ScriptedWriter(_replying(lambda p: f"{_said(qa, p.numbering, min(p.numbering))} [{min(p.numbering)}]."))
    items = list(write_answer(writer, extractive, [("Who is meeting?", "US and Iranian officials [2].")], _text_of(qa)))
    pieces, answer = items[:-1], items[-1]
    assert len(pieces) == 3 and all(isinstance(x, str) for x in pieces)
    assert isinstance(answer, Answer) and answer.generated_by == "scripted" and answer.notice is None
    assert answer.text.startswith("".join(pieces).split(" [")[0]) and answer.text.endswith("[1].")
    assert len(answer.citations) == 1 and answer.kind == extractive.kind
    c = answer.citations[0]
    assert quote_is_verbatim(qa.document(c.doc_id).text, c.start, c.end, c.quote)
    asked, passages, history = writer.asked[0]
    assert asked == (extractive.rewritten_question or QUESTION) and passages == extractive.passages
    assert history == [("Who is meeting?", "US and Iranian officials [2].")]


def test_write_answer_replaces_a_stream_that_broke_with_the_extractive_answer_and_its_notice(qa) -> None:  # type: ignore[no-untyped-def]
    extractive = qa.ask(QUESTION)
    writer = ScriptedWriter(lambda p: [TextDelta("Oman"), GenerationFailed(
        "stream", "the connection closed mid-answer", "http://127.0.0.1:9/v1", partial_text="Oman", prompt=p)])
    items = list(write_answer(writer, extractive, [], _text_of(qa)))
    assert items[0] == "Oman" and len(items) == 2
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.generated_by is None and answer.text == extractive.text
    assert answer.notice and "stopped mid-answer" in answer.notice and "http://127.0.0.1:9/v1" in answer.notice


def test_write_answer_writes_a_list_from_its_verified_sentences_and_keeps_the_list_kind(qa) -> None:  # type: ignore[no-untyped-def]
    extractive = qa.ask("Who voted against the contract?")
    assert extractive.kind == "list" and extractive.parts
    writer = ScriptedWriter(_replying(lambda p: f"- Maureen Pryce [{min(p.numbering)}]\n- Owen Tasker [{min(p.numbering)}]"))
    answer = list(write_answer(writer, extractive, [], _text_of(qa)))[-1]
    asked, passages, _ = writer.asked[0]
    assert INSTRUCTIONS["list"] in asked
    assert {(p.chunk.start, p.chunk.end) for p in passages} == {(c.start, c.end) for c in extractive.citations}
    assert isinstance(answer, Answer) and answer.generated_by == "scripted", answer.notice
    assert answer.kind == "list" and answer.parts == []  # the model's lines are the list now, not the reader's parts
