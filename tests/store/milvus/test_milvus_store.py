"""The index on a real Milvus server (started by conftest.py inside `unshare -n`): the same answers, quotes,
filters, adds, removes, dedupe, model refusal and crash safety as the embedded store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from articleqa import Assistant
from articleqa.cli import main
from articleqa.config import Settings
from articleqa.errors import InputError, ModelMismatchError
from articleqa.store import MilvusStore, parse_target
from articleqa.store.milvus import schema
from paths import ROOT
from right_answers import WHERE_THE_TALKS_ARE, assert_right_answer

pytestmark = [pytest.mark.milvus, pytest.mark.slow]
ARTICLES = ROOT / "articles"
ARTICLE = ARTICLES / "us-iran-talks-oman.txt"
QUESTIONS = [
    "Where are the talks held?", "Who urged the administration to negotiate?", "How many countries reached out?",
    "What did Vantor Foods report?", "Where did the warehouse fire start?", "Who won the library contract?",
    "What is the capital of France?",
    # about the articles themselves: answered from the stored records, quoting the byline and headline lines
    "Who wrote the article about the warehouse fire?", "What is the headline of the story about Vantor Foods?",
    "Who wrote the article?", "When was the piece about the library contract published?",
]
CRASH_POINTS = ["after-records", "after-vectors", "after-indexes", "before-manifest", "after-manifest"]


def _comparable(answer: Any) -> dict[str, Any]:
    data = answer.to_dict()
    data.pop("timings_ms")
    return data


def _differences(got: Any, want: Any, tol: float = 1e-5, where: str = "") -> list[str]:
    """Where ``got`` and ``want`` differ, floats compared to ``tol``: within a filter the embedded store scores with
    numpy over the filtered rows and the Milvus store scores the server's candidates, sums that differ in the 8th
    digit (rounding both to 5 places would still split a pair that straddles a rounding boundary)."""
    if isinstance(got, float) and isinstance(want, float):
        return [] if abs(got - want) <= tol else [f"{where}: {got!r} != {want!r}"]
    if isinstance(got, dict) and isinstance(want, dict):
        if got.keys() != want.keys():
            return [f"{where}: keys {sorted(got)} != {sorted(want)}"]
        return [d for k in got for d in _differences(got[k], want[k], tol, f"{where}.{k}")]
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} items != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in _differences(g, w, tol, f"{where}[{i}]")]
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


def _open(uri: str) -> Assistant:
    return Assistant.open(settings=Settings.from_env(store=uri))


@pytest.fixture(scope="module")
def pair(milvus, tmp_path_factory) -> tuple[Assistant, Assistant]:
    """The small corpus (articles/) on Milvus and in the embedded store."""
    uri = milvus.uri(f"pair_{os.getpid()}")
    on_milvus = Assistant.build([str(ARTICLES)], settings=Settings.from_env(store=uri), rebuild=True)
    embedded = Assistant.build([str(ARTICLES)], index_dir=tmp_path_factory.mktemp("emb") / "idx")
    yield on_milvus, embedded
    on_milvus.store.drop_everything()


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_and_quotes_equal_the_embedded_store(pair, question) -> None:
    on_milvus, embedded = pair
    assert _comparable(on_milvus.ask(question)) == _comparable(embedded.ask(question))


def test_a_follow_up_about_the_article_equals_the_embedded_store(pair) -> None:
    history = ["How much did Vantor Foods' net profit fall in the second quarter?"]
    answers = [_comparable(qa.ask("Who wrote it?", history=history)) for qa in pair]
    assert answers[0] == answers[1] and answers[0]["text"] == "Leon Marchetti"
    assert answers[0]["citations"][0]["quote"] == "By Leon Marchetti"


@pytest.mark.parametrize("filters", [
    {"sources": ["vantor"]}, {"authors": ["Fielding"]}, {"published_after": "2026-01", "published_before": "2026-12"},
])
def test_filtered_answers_equal_the_embedded_store(pair, filters) -> None:
    on_milvus, embedded = pair
    for question in QUESTIONS[:4]:
        try:
            expected = _comparable(embedded.ask(question, **filters))
        except Exception as exc:  # a filter matching nothing must fail the same way
            with pytest.raises(type(exc)):
                on_milvus.ask(question, **filters)
            continue
        got = _comparable(on_milvus.ask(question, **filters))
        quotes = [(c["doc_id"], c["quote"], c["start"], c["end"]) for c in got["citations"]]
        assert (got["text"], quotes) == (expected["text"], [(c["doc_id"], c["quote"], c["start"], c["end"])
                                                            for c in expected["citations"]])
        assert _differences(got, expected) == []  # and the same passages, scores within 1e-5


def test_a_doc_id_filter_is_applied_inside_the_server_search(pair) -> None:
    on_milvus, _ = pair
    snap = on_milvus.snapshot()
    target = next(d for d in on_milvus.documents() if "vantor" in d.source.lower())
    rows = snap.rows_for_documents([target.doc_id])
    qvec = on_milvus.embedder.encode_query("Where are the talks held?")
    found, scores = snap.search_dense(qvec, 50, rows)
    assert set(found.tolist()) == set(rows.tolist())  # only that document's chunks, all of them
    assert np.all(np.diff(scores) <= 1e-6)


def test_every_stored_text_comes_back_byte_identical(pair) -> None:
    on_milvus, embedded = pair
    for info in embedded.documents():
        assert on_milvus.document(info.doc_id).text == embedded.document(info.doc_id).text
    assert [d.to_dict() for d in on_milvus.documents()] == [d.to_dict() for d in embedded.documents()]


def test_the_bundled_article_alone_answers_the_same(milvus, collection, tmp_path) -> None:
    on_milvus = Assistant.build([str(ARTICLE)], settings=Settings.from_env(store=collection))
    embedded = Assistant.build([str(ARTICLE)], index_dir=tmp_path / "idx")
    for question in QUESTIONS[:3]:
        a = on_milvus.ask(question)
        assert _comparable(a) == _comparable(embedded.ask(question))
        for c in a.citations:
            assert on_milvus.document(c.doc_id).text[c.start : c.end] == c.quote


def test_add_remove_and_dedupe_by_content_hash(collection, tmp_path) -> None:
    settings = Settings.from_env(store=collection)
    qa = Assistant.build([str(ARTICLE)], settings=settings)
    again = Assistant.build([str(ARTICLE)], settings=settings)
    assert again.last_report.added == [] and len(again.last_report.duplicates) == 1
    extra = tmp_path / "harbour.txt"
    extra.write_text("Harbour report\n\nThe port of Kelvale received 17 grain ships on Monday, officials said.\n")
    report = qa.add([str(extra)])
    assert len(report.added) == 1
    hit = qa.ask("How many grain ships did the port of Kelvale receive?")
    assert_right_answer(qa, hit, ("17",))
    assert hit.citations[0].quote.startswith("The port of Kelvale")
    assert qa.remove(report.added[0].doc_id)
    assert {d.doc_id for d in qa.documents()} == {d.doc_id for d in again.last_report.duplicates}
    store = MilvusStore(parse_target(collection))
    assert len(store._generations()) <= 2  # the current one and the one a reader may still hold


def test_a_removed_document_stays_out_when_its_folder_is_indexed_again(collection, tmp_path) -> None:
    settings = Settings.from_env(store=collection)
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "harbour.txt").write_text("Harbour report\n\nThe port of Kelvale received 17 grain ships on Monday.\n")
    (folder / "bridge.txt").write_text("Bridge report\n\nThe Kelvale bridge reopened on Tuesday after repairs.\n")
    qa = Assistant.build([str(folder)], settings=settings)
    harbour = next(d.doc_id for d in qa.documents() if d.title == "Harbour report")
    assert qa.remove(harbour)  # a commit: the removed list travels in its manifest
    again = Assistant.build([str(folder)], settings=settings)
    assert [d.doc_id for d in again.last_report.left_out] == [harbour]
    assert harbour not in {d.doc_id for d in again.documents()}
    back = Assistant.build([str(folder / "harbour.txt")], settings=settings)  # named by hand: added again
    assert harbour in {d.doc_id for d in back.documents()}


def _rows_held(uri: str) -> dict[str, int]:
    """Every row the server holds in the current generation's collections, published or not."""
    from articleqa.store.milvus.snapshot import count_rows

    store = MilvusStore(parse_target(uri))
    names = store.current()
    return {name: count_rows(store.client, name) for name in (names.chunks, names.sents)}


def test_adding_documents_appends_to_the_generation_and_answers_like_the_embedded_store(collection, tmp_path) -> None:
    harbour = tmp_path / "harbour.txt"
    harbour.write_text("Harbour report\n\nThe port of Kelvale received 17 grain ships on Monday, officials said.\n")
    fire = ARTICLES / "warehouse-fire-harlow-creek.txt"
    settings = Settings.from_env(store=collection)
    qa = Assistant.build([str(ARTICLE)], settings=settings)
    embedded = Assistant.build([str(ARTICLE)], index_dir=tmp_path / "idx")
    store = MilvusStore(parse_target(collection))
    first = store.current()
    for n, path in enumerate([harbour, fire], start=1):
        qa.add([str(path)])
        embedded.add([str(path)])
        assert store.current() == first and len(store._generations()) == 1  # appended: nothing copied
        assert qa.info()["commit"] == n and store.manifest_stamp() == (first.number, n)
    later = Assistant.open(settings=settings)  # another reader sees the commit too
    for reader in (qa, later):
        assert {d.doc_id for d in reader.documents()} == {d.doc_id for d in embedded.documents()}
        for question in [*QUESTIONS, "How many grain ships did the port of Kelvale receive?"]:
            assert _comparable(reader.ask(question)) == _comparable(embedded.ask(question)), question
    snap = qa.snapshot()
    snap.check()
    assert _rows_held(collection) == {first.chunks: snap.n_chunks, first.sents: snap.n_units}
    from articleqa.store.milvus.records import read_blob

    assert read_blob(store.client, first.records, "bm25") is None  # commit 0's files went once commit 2 was made
    assert read_blob(store.client, first.records, "bm25@000001") is not None  # commit 1's stay for its readers



def test_removing_a_document_is_a_commit_that_hides_it_and_the_next_write_deletes_its_rows(collection, tmp_path) -> None:
    settings = Settings.from_env(store=collection)
    qa = Assistant.build([str(ARTICLES)], settings=settings)
    embedded = Assistant.build([str(ARTICLES)], index_dir=tmp_path / "idx")
    store = MilvusStore(parse_target(collection))
    first = store.current()
    fire = next(d.doc_id for d in qa.documents() if "fire" in d.title.lower())
    held = _rows_held(collection)
    assert qa.remove(fire) and embedded.remove(fire)
    assert store.current() == first and qa.info()["commit"] == 1  # no new generation: nothing was copied
    assert _rows_held(collection) == held  # hidden, not yet deleted: a reader of commit 0 may still read them
    later = Assistant.open(settings=settings)
    for reader in (qa, later):
        assert {d.doc_id for d in reader.documents()} == {d.doc_id for d in embedded.documents()}
        for question in QUESTIONS:  # BM25 over the kept rows only, with its positions mapped to the rows
            assert _comparable(reader.ask(question)) == _comparable(embedded.ask(question)), question
    with pytest.raises(InputError):
        qa.ask("Where did the warehouse fire start?", doc_ids=[fire])
    # The next write deletes the hidden rows; the same article added back gets new rows and answers again.
    qa.add([str(ARTICLES / "warehouse-fire-harlow-creek.txt")])
    embedded.add([str(ARTICLES / "warehouse-fire-harlow-creek.txt")])
    snap = qa.snapshot()
    snap.check()
    assert qa.info()["commit"] == 2 and store.current() == first
    assert _rows_held(collection) == {first.chunks: snap.n_chunks, first.sents: snap.n_units}
    for question in QUESTIONS:  # the same documents in another order than the embedded store's: same answers
        assert _comparable(qa.ask(question))["text"] == _comparable(embedded.ask(question))["text"], question
    # Removing everything but one leaves a commit whose rows have gaps; a new generation copies only the rest.
    for doc in qa.documents()[1:]:
        qa.remove(doc.doc_id)
    assert len(qa.documents()) == 1 and qa.snapshot().n_chunks == qa.snapshot().count_chunks()
    rebuilt = Assistant.build([str(ARTICLE)], settings=settings, rebuild=True)
    assert_right_answer(rebuilt, rebuilt.ask("Where are the talks held?"), WHERE_THE_TALKS_ARE)


def test_a_generation_written_before_appends_existed_is_read_and_rewritten_on_add(collection, tmp_path) -> None:
    settings = Settings.from_env(store=collection)
    Assistant.build([str(ARTICLE)], settings=settings)
    store = MilvusStore(parse_target(collection))
    old = store.current()
    store.client.drop_collection(old.commits)  # as generations were written before commits
    qa = Assistant.open(settings=settings)
    assert_right_answer(qa, qa.ask("Where are the talks held?"), WHERE_THE_TALKS_ARE)
    qa.add([str(ARTICLES / "warehouse-fire-harlow-creek.txt")])
    assert store.current() != old and store.client.has_collection(store.current().commits)
    assert len(qa.documents()) == 2


def test_a_commit_drops_what_a_dead_generation_write_left_and_the_generation_before(collection) -> None:
    settings = Settings.from_env(store=collection)
    qa = Assistant.build([str(ARTICLE)], settings=settings)
    store = MilvusStore(parse_target(collection))
    first = store.current()
    Assistant.build([str(ARTICLE)], settings=settings, rebuild=True)  # a new generation; the first one is kept
    second = store.current()
    dead = schema.GenerationNames.of(parse_target(collection).collection, second.number + 1)
    schema.create_generation(store.client, dead, qa.embedder.dim, schema.choose_index(10))  # a rebuild killed mid-way
    assert {g.prefix for g in store._generations()} == {first.prefix, second.prefix, dead.prefix}
    qa.add([str(ARTICLES / "warehouse-fire-harlow-creek.txt")])
    assert store.current() == second and qa.info()["commit"] == 1
    assert [g.prefix for g in store._generations()] == [second.prefix]


def test_a_different_model_is_refused(collection) -> None:
    Assistant.build([str(ARTICLE)], settings=Settings.from_env(store=collection))
    with pytest.raises(ModelMismatchError, match="built with model"):
        Assistant.open(settings=Settings.from_env(store=collection), model="paraphrase-MiniLM-L3-v2")


def test_an_ivf_collection_answers_like_the_exact_one(milvus, collection, monkeypatch, pair) -> None:
    from articleqa.store.milvus import writer

    monkeypatch.setattr(writer, "choose_index", lambda n: schema.MilvusIndexSpec("ivf", {"nlist": 4}, {"nprobe": 4}))
    qa = Assistant.build([str(ARTICLES)], settings=Settings.from_env(store=collection))
    assert qa.info()["vector_index"]["index_type"] == "IVF_FLAT"
    assert qa.info()["vector_index"]["search_params"] == {"nprobe": 4}
    for question in QUESTIONS[:3]:  # every list probed: the same candidates, the same answers
        assert _comparable(qa.ask(question)) == _comparable(pair[1].ask(question))


def test_the_cli_indexes_and_answers_over_milvus(collection, capsys) -> None:
    assert main(["index", str(ARTICLE), "--store", collection, "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["ask", "Where are the talks held?", "--store", collection, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["answerable"] and any(place in answer["text"] for place in WHERE_THE_TALKS_ARE), answer["text"]
    assert answer["citations"] and answer["citations"][0]["quote"]
    assert main(["docs", "--store", collection]) == 0
    assert "1 document(s)" in capsys.readouterr().out


# ------------------------------------------------------------------ a writer killed mid-write


def _run_index(paths: list[Path | str], uri: str, crash_at: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARTICLEQA_CRASH_AT"}
    if crash_at:
        env["ARTICLEQA_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "articleqa", "index", *map(str, paths), "--store", uri,
                           "--no-progress"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


AS_PUBLISHED = "as published"


@dataclass(frozen=True)
class Seen:
    """What a new reader of a collection sees: the generation and commit the server names as current, the
    documents of that commit, and whether the server holds exactly the rows the commit published."""

    generation: int
    commit: int
    doc_ids: frozenset[str]
    rows: str  # AS_PUBLISHED, or what went wrong reading or checking them

    def __str__(self) -> str:
        return f"generation {self.generation} commit {self.commit}: {len(self.doc_ids)} document(s), rows {self.rows}"


def _seen(uri: str) -> Seen:
    """The state a new reader (a new client; no models loaded) of ``uri`` sees now."""
    try:
        snap = MilvusStore(parse_target(uri)).open_snapshot()
        doc_ids = frozenset(d.doc_id for d in snap.document_infos())
    except Exception as exc:  # an unreadable index is a state to report, not a crash of the test
        return Seen(-1, -1, frozenset(), f"unreadable: {type(exc).__name__}: {str(exc)[:300]}")
    try:
        snap.check()
        rows = AS_PUBLISHED
    except Exception as exc:
        rows = f"NOT as published: {str(exc)[:300]}"
    return Seen(snap.names.number, snap.commit.number, doc_ids, rows)


def _wait_for(uri: str, what: str, want: Callable[[Seen], bool], earlier: Callable[[Seen], bool] = lambda s: False,
              timeout_s: float = 60.0) -> Seen:
    """New readers of ``uri`` until one sees ``want``. Readers read with bounded staleness (snapshot.py READ), so
    another process's last commit may reach a new client a moment late: a state ``earlier`` allows (the complete
    state before that commit) is waited through, for at most ``timeout_s``. Any other state fails at once.
    Failures name every state seen. No sleep: each look is a few Strong reads, which wait for the server's tick."""
    states: list[Seen] = []
    deadline = time.monotonic() + timeout_s
    while True:
        state = _seen(uri)
        if not states or states[-1] != state:
            states.append(state)
        if want(state):
            return state
        history = "; then ".join(map(str, states))
        assert earlier(state), f"waiting for {what}, a reader saw: {history}"
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not seen within {timeout_s:.0f} s; readers saw: {history}")


def _complete(doc_ids: set[str] | frozenset[str]) -> Callable[[Seen], bool]:
    """A complete commit holding exactly ``doc_ids``."""
    return lambda s: s.rows == AS_PUBLISHED and s.doc_ids == doc_ids


@pytest.fixture(scope="module")
def harbour(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("harbour")
    for i in range(12):
        (folder / f"harbour-{i:02d}.txt").write_text(
            f"Harbour report {i}\n\nThe port of Kelvale{i} received {i + 3} grain ships on Monday, officials said.\n")
    return folder


WRITES = [("append", point) for point in CRASH_POINTS] + [("new generation", p) for p in ("after-vectors", "after-manifest")]


@pytest.mark.parametrize("write, point", WRITES)
def test_a_write_killed_at_any_point_leaves_the_collection_answering(write, point, milvus, harbour) -> None:
    """An add is a commit to the generation; `index --rebuild` writes a new generation."""
    uri = milvus.uri(f"crash_{write[0]}_{point.replace('-', '_')}_{os.getpid()}")
    try:
        built = _run_index([ARTICLE], uri)
        assert built.returncode == 0, built.stderr
        old = _wait_for(uri, "the first build", lambda s: s.rows == AS_PUBLISHED and len(s.doc_ids) == 1).doc_ids
        first = MilvusStore(parse_target(uri)).current()
        paths = [harbour] if write == "append" else [ARTICLE, harbour, "--rebuild"]
        killed = _run_index(paths, uri, crash_at=point)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        new = lambda s: s.rows == AS_PUBLISHED and old < s.doc_ids and len(s.doc_ids) == len(old) + 12  # noqa: E731
        if point == "after-manifest":  # the commit was made: the new documents, never a mix
            _wait_for(uri, f"the {write} killed {point} published", new, earlier=_complete(old))
        else:  # nothing was published: the old documents, never a mix
            _wait_for(uri, f"the {write} killed {point} left unpublished", _complete(old))
        qa = _open(uri)
        assert_right_answer(qa, qa.ask("Where are the talks held?"), WHERE_THE_TALKS_ARE)
        finished = _run_index([harbour], uri)  # the next write succeeds and drops what the dead one left
        assert finished.returncode == 0, finished.stderr
        _wait_for(uri, "the write after the killed one", new, earlier=_complete(old))
        qa = _open(uri)
        assert len(qa.documents()) == len(old) + 12
        assert_right_answer(qa, qa.ask("How many grain ships did the port of Kelvale7 receive?"), ("10",),
                            support="Kelvale7")
        generations = MilvusStore(parse_target(uri))._generations()
        assert len(generations) <= 2, [g.prefix for g in generations]
        snap = qa.snapshot()
        if write == "append":  # the dead write's rows are gone, not merely hidden
            assert snap.names == first
            assert _rows_held(uri) == {first.chunks: snap.n_chunks, first.sents: snap.n_units}
    finally:
        MilvusStore(parse_target(uri)).drop_everything()


@pytest.mark.parametrize("point", ["after-indexes", "before-manifest", "after-manifest"])
def test_a_removal_killed_mid_write_leaves_the_document_or_removes_it_never_half(point, milvus) -> None:
    uri = milvus.uri(f"crash_remove_{point.replace('-', '_')}_{os.getpid()}")
    try:
        built = _run_index([ARTICLES], uri)
        assert built.returncode == 0, built.stderr
        everything = _wait_for(uri, "the first build", lambda s: s.rows == AS_PUBLISHED and len(s.doc_ids) == 4).doc_ids
        fire = next(d.doc_id for d in _open(uri).documents() if "fire" in d.title.lower())
        killed = subprocess.run([sys.executable, "-m", "articleqa", "remove", fire, "--store", uri], cwd=ROOT,
                                env={**os.environ, "ARTICLEQA_CRASH_AT": point}, capture_output=True, text=True,
                                timeout=600)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        gone = point == "after-manifest"
        if gone:  # the removal was committed: all but the fire article, never a mix
            _wait_for(uri, f"the removal killed {point} published", _complete(everything - {fire}),
                      earlier=_complete(everything))
        else:
            _wait_for(uri, f"the removal killed {point} left unpublished", _complete(everything))
        qa = _open(uri)
        qa.snapshot().check()
        assert (fire not in {d.doc_id for d in qa.documents()}) is gone
        cited = {c.doc_id for c in qa.ask("Where did the warehouse fire start?").citations}
        assert (fire in cited) is not gone, cited
        assert_right_answer(qa, qa.ask("Where are the talks held?"), WHERE_THE_TALKS_ARE)
        if not gone:
            assert qa.remove(fire)  # the same removal again, after the dead one
        qa.add([str(ARTICLES / "warehouse-fire-harlow-creek.txt")])  # and back: this write deletes the hidden rows
        snap = qa.snapshot()
        assert len(qa.documents()) == 4
        assert _rows_held(uri) == {snap.names.chunks: snap.n_chunks, snap.names.sents: snap.n_units}
        assert qa.ask("Where did the warehouse fire start?").citations[0].doc_id == fire
    finally:
        MilvusStore(parse_target(uri)).drop_everything()


def test_the_bench_section_measures_milvus_against_the_embedded_store(milvus, pair, tmp_path) -> None:
    from articleqa.bench.milvus import milvus_markdown, run_milvus_section
    from articleqa.bench.scale import write_scale_data

    embedder = pair[1].embedder
    texts = [c.text for c in pair[1].snapshot().chunks(range(pair[1].snapshot().n_chunks))]
    base = pair[1].snapshot().chunk_vectors(slice(None))
    data = write_scale_data(tmp_path, base, texts, QUESTIONS[:3], embedder.encode(QUESTIONS[:3]))
    result = run_milvus_section(data, [2000], None, milvus.uri("bench_section"), timeout=1200, progress=False)
    assert result["complete"], result
    row = result["scales"][0]
    for name in ("embedded", "milvus"):
        assert row[name]["recall_at_10"] == 1.0  # exact search on both sides at this size
        assert row[name]["question_ms"]["n"] == 3 and row[name]["index_s"] > 0
        assert row[name]["add_one_chunks"] >= 1 and row[name]["add_one_s"] > 0 and row[name]["remove_one_s"] > 0
    assert (row["milvus"]["add_one_by"], row["embedded"]["add_one_by"]) == ("append (commit)", "new generation")
    assert "| synthetic 2,000 | milvus |" in "\n".join(milvus_markdown({"milvus": result}))
