"""Vector index kinds: exact search, IVF recall against exact, save/load, filtered search, spec choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from articleqa.store import dense
from articleqa.store.dense import EXACT_LIMIT, VectorIndex, VectorIndexSpec, choose_spec


def _unit(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim)).astype(np.float32)
    v = centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_choose_spec_exact_then_ivf() -> None:
    assert choose_spec(0).kind == "flat"
    assert choose_spec(EXACT_LIMIT).kind == "flat"
    spec = choose_spec(EXACT_LIMIT + 1)
    assert spec.kind == "ivf"
    assert 1 <= spec.params["nprobe"] <= spec.params["nlist"]
    assert spec.params["train_size"] <= EXACT_LIMIT + 1
    big = choose_spec(1_000_000)
    assert big.params["nlist"] > spec.params["nlist"]
    assert VectorIndexSpec(**big.to_dict()).params == big.params  # round-trips through the manifest


def test_flat_search_is_exact() -> None:
    vecs = _unit(500)
    index = VectorIndex.build(vecs, VectorIndexSpec("flat"))
    rows, scores = index.search(vecs[7], 5)
    assert rows[0] == 7
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(rows) == list(np.argsort(-(vecs @ vecs[7]), kind="stable")[:5])


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_ann_recall_and_roundtrip(kind: str, tmp_path: Path) -> None:
    vecs = _unit(4000)
    params = {"nlist": 32, "nprobe": 8, "train_size": 2000} if kind == "ivf" else {}
    index = VectorIndex.build(vecs, VectorIndexSpec(kind, params))
    queries = vecs[:50] + 0.05
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    truth = np.argsort(-(queries @ vecs.T), axis=1)[:, :10]
    got = [index.search(q, 10)[0] for q in queries]
    recall = np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got, truth, strict=True)])
    assert recall >= 0.9
    index.save(tmp_path)
    assert (tmp_path / "vectors.faiss").is_file()
    loaded = VectorIndex.load(tmp_path, vecs, index.spec)
    assert list(loaded.search(queries[0], 10)[0]) == list(got[0])
    copy = loaded.writable_copy()  # IVF lists are memory-mapped on load; the copy can grow
    copy.add(np.ascontiguousarray(vecs[:5]))
    assert copy.ntotal == len(vecs) + 5


def test_ivf_search_params_and_filtered_rows() -> None:
    vecs = _unit(3000, seed=1)
    index = VectorIndex.build(vecs, VectorIndexSpec("ivf", {"nlist": 16, "nprobe": 1, "train_size": 1600}))
    index.set_search_params(nprobe=16)  # all lists: exact
    assert index.spec.params["nprobe"] == 16
    q = vecs[11]
    assert list(index.search(q, 5)[0]) == list(np.argsort(-(vecs @ q), kind="stable")[:5])
    rows = np.array([3, 11, 2000], dtype=np.int64)
    found, _ = index.search(q, 2, rows)
    assert len(found) == 2 and found[0] == 11 and set(found) <= set(rows)
    assert index.search(q, 5, np.zeros(0, dtype=np.int64))[0].size == 0


def test_empty_index() -> None:
    index = VectorIndex.build(np.zeros((0, 8), dtype=np.float32))
    assert index.search(np.ones(8, dtype=np.float32), 3)[0].size == 0


def test_index_store_uses_ivf_above_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "EXACT_LIMIT", 100)
    spec = dense.choose_spec(5000)
    assert spec.kind == "ivf"
    index = VectorIndex.build(_unit(5000, seed=2), spec)
    assert index.search(_unit(1, seed=3)[0], 10)[0].size == 10


def test_lexical_scores_equal_bm25s(tmp_path: Path) -> None:
    """LexicalIndex scores are bm25s' own, before and after a save/load (memory-mapped)."""
    from articleqa.store.lexical import LexicalIndex, tokenize

    texts = [
        "Officials from the United States and Iran will meet in Muscat on Friday.",
        "The talks were moved from Rome to Oman; Oman offered to host the talks.",
        "A spokesman confirmed the date of the talks talks talks.",
        "Nothing related here at all.",
    ]
    index = LexicalIndex.build(texts)
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    for query in ("talks in Oman", "Where will Iran meet, and when? talks talks", "zebra"):
        tokens = [t for t in tokenize([query])[0] if t in index._model.vocab_dict]
        expected = index._model.get_scores(tokens) if tokens else np.zeros(len(texts))
        for lex in (index, loaded):
            np.testing.assert_allclose(lex.scores(query), expected, rtol=1e-6, atol=1e-7)
    rows, scores = index.search("talks in Oman", 2)
    assert rows[0] == 1  # both query terms, twice each
    assert np.all(np.diff(scores) <= 0)
