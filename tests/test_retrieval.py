"""Retrieval's fusion and ranking (articleqa.retrieval), against a small fake snapshot: no model, no index files.

The fake implements only what ``retrieve`` calls. Its dense search is exact cosine over hand-made unit vectors and
its lexical search counts the question's words in a chunk, so every expected ranking can be worked out by hand."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from articleqa.records import Chunk, DocumentMeta
from articleqa.retrieval import RRF_K, fuse, retrieve


def _unit(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


class FakeSnapshot:
    """Chunks given as (doc_id, text, pooled vector[, sentence vectors]); every search call is recorded."""

    def __init__(self, chunks: Sequence[tuple], *, sentences: bool = False) -> None:
        self._chunks: list[Chunk] = []
        self._vectors: list[np.ndarray] = []
        self._sentence_vectors: list[np.ndarray] = []
        offsets: dict[str, int] = {}
        for row, (doc_id, text, vector, *rest) in enumerate(chunks):
            start = offsets.get(doc_id, 0)
            self._chunks.append(Chunk(f"{doc_id}:{row}", doc_id, text, start, start + len(text), len(text.split())))
            offsets[doc_id] = start + len(text) + 1
            self._vectors.append(np.asarray(vector, dtype=np.float32))
            self._sentence_vectors.append(np.asarray(rest[0] if rest else [vector], dtype=np.float32))
        self.has_sentences = sentences
        self.calls: list[tuple[str, object]] = []

    # what retrieve reads
    def rows_for_documents(self, doc_ids: Sequence[str]) -> np.ndarray:
        return np.asarray([r for r, c in enumerate(self._chunks) if c.doc_id in doc_ids], dtype=np.int64)

    def _among(self, rows: np.ndarray | None) -> list[int]:
        return list(range(len(self._chunks))) if rows is None else [int(r) for r in rows]

    def search_dense(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None):
        self.calls.append(("dense", None if rows is None else sorted(int(r) for r in rows)))
        scored = sorted(((float(self._vectors[r] @ query_vector), r) for r in self._among(rows)), reverse=True)[:k]
        return np.asarray([r for _s, r in scored], dtype=np.int64), np.asarray([s for s, _r in scored])

    def search_lexical(self, question: str, k: int, rows: np.ndarray | None = None):
        self.calls.append(("lexical", None if rows is None else sorted(int(r) for r in rows)))
        words = set(question.lower().split())
        counts = [(sum(w in words for w in self._chunks[r].text.lower().split()), r) for r in self._among(rows)]
        scored = sorted(((float(n), r) for n, r in counts if n > 0), reverse=True)[:k]
        return np.asarray([r for _s, r in scored], dtype=np.int64), np.asarray([s for s, _r in scored])

    def chunk_similarities(self, rows: Sequence[int], query_vector: np.ndarray) -> np.ndarray:
        return np.asarray([self._vectors[r] @ query_vector for r in rows], dtype=np.float32)

    def best_sentence_similarities(self, rows: Sequence[int], query_vector: np.ndarray) -> np.ndarray:
        return np.asarray([max(self._sentence_vectors[r] @ query_vector) for r in rows], dtype=np.float32)

    def chunk_sentences(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        chunk, vectors = self._chunks[row], self._sentence_vectors[row]
        step = max(1, (chunk.end - chunk.start) // len(vectors))
        spans = [(chunk.start + i * step, chunk.start + (i + 1) * step) for i in range(len(vectors))]
        return np.asarray(spans, dtype=np.int64), vectors.astype(np.float16)

    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        return [self._chunks[r] for r in rows]

    def document_meta(self, doc_ids: Sequence[str]) -> dict[str, DocumentMeta]:
        return {d: DocumentMeta(d, f"Title of {d}", f"/news/{d}.txt", None, None) for d in set(doc_ids)}


# ------------------------------------------------------------------------------------------------ fuse
def test_rrf_puts_a_row_both_searches_rank_second_above_rows_only_one_search_ranks_first() -> None:
    dense = {1: 0.9, 2: 0.8, 3: 0.1}
    lexical = {4: 9.0, 2: 5.0, 3: 1.0}
    fused = fuse(dense, lexical, "rrf")
    assert max(fused, key=lambda r: fused[r]) == 2
    assert fused[2] == pytest.approx(2 / (RRF_K + 2))
    assert fused[1] == fused[4] == pytest.approx(1 / (RRF_K + 1))


def test_rrf_reads_ranks_so_the_scale_of_either_score_does_not_matter() -> None:
    dense = {1: 0.9, 2: 0.5, 3: 0.2}
    lexical = {3: 7.0, 1: 2.0}
    scaled = fuse({r: s * 1000 for r, s in dense.items()}, {r: s / 1000 for r, s in lexical.items()}, "rrf")
    assert scaled == pytest.approx(fuse(dense, lexical, "rrf"))


def test_weighted_fusion_min_max_scales_each_side_and_a_missing_side_counts_zero() -> None:
    dense = {1: 0.8, 2: 0.6, 3: 0.4}  # scaled: 1, 0.5, 0
    lexical = {3: 10.0, 4: 2.0}  # scaled: 1, 0
    fused = fuse(dense, lexical, "weighted", dense_weight=0.75)
    assert fused == pytest.approx({1: 0.75, 2: 0.375, 3: 0.25, 4: 0.0})


def test_weighted_fusion_gives_equal_scores_full_marks_not_a_division_by_zero() -> None:
    fused = fuse({1: 0.3, 2: 0.3}, {}, "weighted", dense_weight=0.5)
    assert fused == pytest.approx({1: 0.5, 2: 0.5})


def test_the_dense_weight_moves_the_weighted_ranking_between_the_two_sides() -> None:
    dense = {1: 0.9, 2: 0.1}
    lexical = {1: 1.0, 2: 8.0}
    by_dense, by_words = fuse(dense, lexical, "weighted", 0.9), fuse(dense, lexical, "weighted", 0.1)
    assert by_dense[1] > by_dense[2]
    assert by_words[2] > by_words[1]


@pytest.mark.parametrize(("method", "side"), [("dense", 0), ("bm25", 1)])
def test_a_one_sided_method_returns_that_side_as_a_copy(method: str, side: int) -> None:
    scores = ({1: 0.5, 2: 0.4}, {3: 2.0})
    fused = fuse(*scores, method)
    assert fused == scores[side]
    fused[99] = 1.0
    assert 99 not in scores[side]


@pytest.mark.parametrize("method", ["rrf", "weighted", "dense", "bm25"])
def test_no_candidates_fuse_to_nothing(method: str) -> None:
    assert fuse({}, {}, method) == {}


# ------------------------------------------------------------------------------------------------ retrieve
QUERY = _unit(1, 0, 0)
CORPUS = [
    ("oman", "talks in muscat oman on saturday", _unit(1, 0.1, 0)),  # row 0: the closest in meaning
    ("oman", "the delegations will meet again", _unit(0.2, 1, 0)),  # row 1
    ("fire", "a fire burned acres of farmland", _unit(0, 0, 1)),  # row 2: no word of the question
    ("fire", "where the talks were held nobody said", _unit(0.6, 0, 0.8)),  # row 3: the most question words
    ("weather", "weather report for the week", _unit(0.3, 0, 1)),  # row 4: first in neither search
]
QUESTION = "where are the talks"


def test_doc_ids_restrict_the_candidates_before_ranking_not_after() -> None:
    # With one candidate per search, the whole library's candidates are rows 0 and 3: filtering them afterwards
    # would leave nothing of doc "weather". Restricted first, its best chunk is found.
    everywhere = retrieve(FakeSnapshot(CORPUS), QUESTION, QUERY, k=2, candidates=1, sentence_weight=0)
    assert "weather" not in {p.chunk.doc_id for p in everywhere.passages}
    snapshot = FakeSnapshot(CORPUS)
    result = retrieve(snapshot, QUESTION, QUERY, k=2, candidates=1, doc_ids=["weather"], sentence_weight=0)
    assert [p.chunk.chunk_id for p in result.passages] == ["weather:4"]
    assert snapshot.calls == [("dense", [4]), ("lexical", [4])]


def test_without_doc_ids_every_row_is_searched() -> None:
    snapshot = FakeSnapshot(CORPUS)
    retrieve(snapshot, QUESTION, QUERY, k=2, sentence_weight=0)
    assert snapshot.calls == [("dense", None), ("lexical", None)]


def test_doc_ids_that_match_nothing_give_no_passages() -> None:
    result = retrieve(FakeSnapshot(CORPUS), QUESTION, QUERY, k=3, doc_ids=["not-indexed"], sentence_weight=0)
    assert result.passages == []


def test_passages_are_ranked_from_one_and_carry_every_score_title_and_source() -> None:
    result = retrieve(FakeSnapshot(CORPUS), QUESTION, QUERY, k=3, sentence_weight=0)
    passages = result.passages
    assert [p.rank for p in passages] == [1, 2, 3]
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert p.score == p.scores["fused"]
        assert set(p.scores) == {"dense", "bm25", "fused"}
        assert (p.title, p.source) == (f"Title of {p.chunk.doc_id}", f"/news/{p.chunk.doc_id}.txt")
    assert set(result.timings_ms) >= {"dense_search", "bm25", "fusion"}


def test_k_larger_than_the_corpus_returns_every_chunk_once() -> None:
    passages = retrieve(FakeSnapshot(CORPUS), QUESTION, QUERY, k=10, sentence_weight=0).passages
    assert sorted(p.chunk.chunk_id for p in passages) == ["fire:2", "fire:3", "oman:0", "oman:1", "weather:4"]


def test_a_row_found_only_by_words_gets_its_dense_rank_too_so_agreement_wins() -> None:
    # One candidate per search: row 0 by meaning, row 3 by words. Row 3's own similarity (0.6) is filled in before
    # fusion, ranking it second by meaning as well: in both lists beats first in one. Left at zero, it would tie
    # with row 0 and lose on row order.
    passages = retrieve(FakeSnapshot(CORPUS), QUESTION, QUERY, k=2, candidates=1, sentence_weight=0).passages
    assert [p.chunk.chunk_id for p in passages] == ["fire:3", "oman:0"]
    assert passages[0].scores["dense"] == pytest.approx(0.6)
    assert passages[0].scores["bm25"] == 3.0  # "where", "the", "talks"


def test_equal_scores_are_ordered_by_row_whatever_order_the_search_returned() -> None:
    twins = [("a", "same words", _unit(1, 1, 0)), ("b", "same words", _unit(1, 1, 0)),
             ("c", "same words", _unit(1, 1, 0))]
    passages = retrieve(FakeSnapshot(twins), "same", QUERY, k=3, method="dense", sentence_weight=0).passages
    assert [p.chunk.doc_id for p in passages] == ["a", "b", "c"]


def test_the_dense_method_never_runs_the_word_search_and_bm25_never_the_vector_search() -> None:
    dense_only = FakeSnapshot(CORPUS)
    passages = retrieve(dense_only, QUESTION, QUERY, k=2, method="dense", sentence_weight=0).passages
    assert [c for c, _rows in dense_only.calls] == ["dense"]
    assert all(p.scores["bm25"] == 0.0 for p in passages)

    words_only = FakeSnapshot(CORPUS)
    passages = retrieve(words_only, QUESTION, QUERY, k=2, method="bm25").passages
    assert [c for c, _rows in words_only.calls] == ["lexical"]
    assert [p.chunk.chunk_id for p in passages] == ["fire:3", "oman:0"]  # 3 of the question's words, then 1


def test_a_chunk_with_one_sentence_close_to_the_question_rises_by_its_best_sentence() -> None:
    # Row 1's pooled vector is far from the question, but one of its sentences is the question's meaning.
    chunks = [
        ("x", "a broad chunk about many things", _unit(0.6, 0.8, 0)),
        ("y", "a long chunk. one precise sentence", _unit(0.5, 1, 0), [_unit(0, 1, 0), _unit(1, 0, 0)]),
    ]
    pooled = retrieve(FakeSnapshot(chunks, sentences=True), "zzz", QUERY, k=2, method="dense", sentence_weight=0)
    blended = retrieve(FakeSnapshot(chunks, sentences=True), "zzz", QUERY, k=2, method="dense", sentence_weight=0.5)
    assert [p.chunk.doc_id for p in pooled.passages] == ["x", "y"]
    assert [p.chunk.doc_id for p in blended.passages] == ["y", "x"]


def test_passages_carry_their_sentences_with_offsets_and_similarity_when_the_index_stores_them() -> None:
    chunks = [("y", "first half. second half", _unit(1, 1, 0), [_unit(0, 1, 0), _unit(1, 0, 0)])]
    with_sentences = retrieve(FakeSnapshot(chunks, sentences=True), "half", QUERY, k=1).passages[0]
    assert [(s.start, s.end) for s in with_sentences.sentences] == [(0, 11), (11, 22)]
    assert [round(s.similarity, 2) for s in with_sentences.sentences] == [0.0, 1.0]
    assert retrieve(FakeSnapshot(chunks), "half", QUERY, k=1).passages[0].sentences == []
