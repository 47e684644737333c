"""Big indexing jobs: sentences are embedded in bounded blocks, progress is shown in a terminal and summed up
in one line otherwise."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest

from articleqa import indexing
from articleqa.cli import main
from articleqa.indexing import prepare_documents
from articleqa.ingest import document_from_text
from articleqa.progress import TerminalProgress


def _fake_encode(calls: list[int]):
    def encode(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        out = np.array([[zlib.crc32(t.encode()) % 97, len(t), 1.0] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    return encode


def _docs() -> list:
    body = "\n".join(f"Sentence number {i} says the council met on day {i}. It voted {i} times." for i in range(40))
    return [document_from_text(body, source="a.txt", title="A"),
            document_from_text(body.replace("council", "board"), source="b.txt", title="B")]


def test_sentences_are_embedded_in_bounded_blocks_with_the_same_vectors(monkeypatch):
    docs = _docs()
    whole: list[int] = []
    expected = prepare_documents(docs, _fake_encode(whole), chunk_tokens=60, overlap_tokens=10)
    assert whole == [expected.n_encoded]  # one block when it fits
    monkeypatch.setattr(indexing, "ENCODE_BLOCK", 7)
    blocks: list[int] = []
    got = prepare_documents(docs, _fake_encode(blocks), chunk_tokens=60, overlap_tokens=10)
    assert max(blocks) <= 7 and sum(blocks) == expected.n_encoded and len(blocks) > 10
    for a, b in zip(expected.documents, got.documents, strict=True):
        assert a.units == b.units
        np.testing.assert_array_equal(a.unit_vectors, b.unit_vectors)
        np.testing.assert_allclose(a.vectors, b.vectors)
        assert a.unit_vectors.dtype == np.float16


def test_a_sentence_repeated_across_new_documents_is_encoded_once():
    calls: list[int] = []
    prepared = prepare_documents(_docs(), _fake_encode(calls), chunk_tokens=60, overlap_tokens=10)
    a, b = prepared.documents
    assert prepared.n_units == 160 and prepared.n_encoded == sum(calls) == 120  # "It voted i times." ×2
    text_a = [a.document.text[s:e] for s, e in a.units]
    text_b = [b.document.text[s:e] for s, e in b.units]
    for i, t in enumerate(text_b):
        if t in text_a:
            np.testing.assert_array_equal(b.unit_vectors[i], a.unit_vectors[text_a.index(t)])
    assert np.all(np.linalg.norm(b.unit_vectors.astype(np.float32), axis=1) > 0.99)


def test_terminal_progress_shows_sentences_embedded_with_a_rate():
    stream = io.StringIO()
    bars = TerminalProgress(file=stream)
    prepare_documents(_docs(), _fake_encode([]), chunk_tokens=60, overlap_tokens=10, progress=bars)
    bars.close()
    out = stream.getvalue()
    assert "cutting into sentences" in out and "2/2" in out
    assert "embedding sentences" in out and "sentence/s" in out


@pytest.mark.parametrize("flag", [[], ["--no-progress"]])
def test_index_command_without_a_terminal_prints_one_summary_line(flag, tmp_path, capsys):
    (tmp_path / "a.txt").write_text(_docs()[0].text, encoding="utf-8")
    assert main(["index", str(tmp_path / "a.txt"), "--index-dir", str(tmp_path / "idx"), *flag]) == 0
    captured = capsys.readouterr()
    # stderr is not a terminal here: no bars (a slow machine may show a plain "indexing …" line every 10 s)
    assert all(line.startswith("indexing ") for line in captured.err.splitlines()), captured.err
    lines = captured.out.strip().splitlines()
    assert len(lines) == 1 and "80 sentence(s) embedded" in lines[0] and "/s)" in lines[0]
