"""Sentence vectors stored with each index generation: offsets, vectors, reuse, removal, older indexes."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from articleqa import Assistant
from articleqa.ingest import document_from_text
from articleqa.store import IndexStore
from right_answers import assert_right_answer

DESIGNED_THE_ROOF = ("Tomas Reyes", "Reyes", "the architect")  # "The architect, Tomas Reyes, designed its glass roof."
SAME_TEXT = 0.98  # cosine of two encodings of one text; different sentences of a story score far lower
STORY_A = (
    "The harbour in Valdora reopened on Monday after three weeks of repairs.\n"
    "Engineers from Lisbon replaced the old sea wall with a concrete barrier.\n"
    "The mayor, Ines Carvalho, said fishing boats could return at once."
)
STORY_B = (
    "A new library opened in Brenton on Saturday.\n"
    "It holds forty thousand books and a small cinema.\n"
    "The architect, Tomas Reyes, designed its glass roof."
)


def _snapshot(index_dir: Path):  # type: ignore[no-untyped-def]
    return IndexStore(index_dir).open_snapshot()


def test_every_chunk_points_at_sentences_inside_it_with_their_own_vectors(article_index: Path, qa: Assistant) -> None:
    snap = _snapshot(article_index)
    assert snap.has_sentences
    chunks = snap.chunks(list(range(snap.n_chunks)))
    doc = snap.document(chunks[0].doc_id)
    assert doc is not None
    for row, chunk in enumerate(chunks):
        spans, vectors = snap.chunk_sentences(row)
        assert len(spans) >= 1
        assert spans[0][0] == chunk.start and spans[-1][1] == chunk.end
        assert all(chunk.start <= a < b <= chunk.end for a, b in spans)
    # A stored vector is the model's vector of that very sentence. Not bit-equal: float16 storage, and the
    # default int8 encoder quantises activations per batch, so a sentence encoded alone differs slightly.
    spans, vectors = snap.chunk_sentences(0)
    a, b = (int(x) for x in spans[0])
    fresh = qa.embedder.encode([doc.text[a:b]])[0]
    assert float(np.asarray(vectors[0], dtype=np.float32) @ fresh) > SAME_TEXT


def test_chunk_vector_is_the_normalised_mean_of_its_sentences(article_index: Path) -> None:
    snap = _snapshot(article_index)
    assert snap.has_sentences
    _spans, vectors = snap.chunk_sentences(1)
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    mean /= np.linalg.norm(mean)
    assert np.allclose(snap.chunk_vectors([1])[0], mean, atol=2e-3)


@contextlib.contextmanager
def recorded_encodes(embedder: Any) -> Iterator[list[list[str]]]:
    """Every batch of texts the embedder encodes inside the block."""
    seen: list[list[str]] = []
    original = embedder.encode

    def recording(texts, show_progress=False):  # type: ignore[no-untyped-def]
        seen.append(list(texts))
        return original(texts, show_progress=show_progress)

    embedder.encode = recording
    try:
        yield seen
    finally:
        del embedder.encode


def test_answers_quote_stored_sentences_without_encoding_them_at_question_time(qa: Assistant) -> None:
    question = "Who confirmed the meeting in Muscat, and what does the minister say?"
    with recorded_encodes(qa.embedder) as seen:
        answer = qa.ask(question, top_k=5)
    assert seen == [[question]]  # the question only
    assert answer.passages and all(p.sentences for p in answer.passages)


def test_unchanged_sentences_reuse_their_vectors_when_an_edited_article_is_added(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    qa = Assistant.build([document_from_text(STORY_A, source="a.txt", title="Harbour")], index_dir=idx)
    edited = STORY_A.replace("on Monday", "on Tuesday")
    with recorded_encodes(qa.embedder) as seen:
        qa.add([document_from_text(edited, source="a2.txt", title="Harbour")])
    encoded = [t for batch in seen for t in batch]
    assert encoded == ["The harbour in Valdora reopened on Tuesday after three weeks of repairs."]


def test_removing_an_article_keeps_the_other_articles_sentences_aligned(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    a = document_from_text(STORY_A, source="a.txt", title="Harbour")
    b = document_from_text(STORY_B, source="b.txt", title="Library")
    qa = Assistant.build([a, b], index_dir=idx)
    assert qa.remove(a.doc_id)
    snap = _snapshot(idx)
    assert snap.has_sentences and snap.n_chunks >= 1
    for row, chunk in enumerate(snap.chunks(list(range(snap.n_chunks)))):
        spans, vectors = snap.chunk_sentences(row)
        text = b.text
        fresh = qa.embedder.encode([text[int(s):int(e)] for s, e in spans])
        assert chunk.doc_id == b.doc_id
        assert np.all(np.sum(np.asarray(vectors, dtype=np.float32) * fresh, axis=1) > SAME_TEXT)
    answer = qa.ask("Who designed the glass roof?")
    assert_right_answer(qa, answer, DESIGNED_THE_ROOF, support="Tomas Reyes")


def _make_format_one(index_dir: Path) -> None:
    """What an index written before sentence vectors looks like: no sentence files, format 1."""
    manifest = json.loads((index_dir / "manifest.json").read_text())
    gen = index_dir / manifest["generation"]
    for name in ("unit_spans.npy", "unit_vectors.npy", "unit_hashes.npy", "chunk_units.npy"):
        (gen / name).unlink()
        manifest["files"].pop(name, None)
        manifest["checksums"].pop(name, None)
    manifest.pop("sentences")
    manifest["format_version"] = 1
    for path in (index_dir / "manifest.json", gen / "manifest.json"):
        path.write_text(json.dumps(manifest))


def test_an_index_without_sentence_vectors_still_answers_and_is_upgraded_on_the_next_add(
    article_index: Path, tmp_path: Path
) -> None:
    idx = tmp_path / "old"
    shutil.copytree(article_index, idx)
    _make_format_one(idx)
    old = Assistant.open(idx)
    before = len(old.documents())
    answer = old.ask("Where will the US and Iranian officials meet?")
    assert answer.answerable and answer.citations
    old.add([document_from_text(STORY_B, source="b.txt", title="Library")])
    snap = _snapshot(idx)
    assert snap.has_sentences and snap.manifest["format_version"] == 2
    assert snap.manifest["n_documents"] == before + 1
    assert_right_answer(old, old.ask("Who designed the glass roof?"), DESIGNED_THE_ROOF, support="Tomas Reyes")
