"""Hand-computed cases for articleqa.metrics (SQuAD scoring, retrieval, abstention, percentiles, calibration)."""

from __future__ import annotations

import pytest

from articleqa.metrics import (
    abstention_scores,
    calibration_bins,
    contains_answer,
    exact_match,
    expected_calibration_error,
    f1,
    first_hit_rank,
    max_over_gold,
    mean,
    normalize_answer,
    percentile,
    recall_at_k,
    reciprocal_rank,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Eiffel Tower", "eiffel tower"),  # case + leading article
        ("a cat and an owl", "cat and owl"),  # all three articles, word-bounded
        ("Theatre anthem", "theatre anthem"),  # articles inside words stay
        ("Muscat, Oman.", "muscat oman"),  # punctuation
        ("U.S.-Iran", "usiran"),  # punctuation removed, not replaced by space (official behaviour)
        ("  lots \t of\n space  ", "lots of space"),  # whitespace fix
        ("the", ""),
        ("", ""),
        ("Iran’s", "iran’s"),  # official script strips ASCII punctuation only
    ],
)
def test_normalize_answer(raw: str, expected: str) -> None:
    assert normalize_answer(raw) == expected


def test_exact_match_ignores_case_articles_punctuation() -> None:
    assert exact_match("the Muscat!", "muscat") == 1.0
    assert exact_match("Muscat, Oman", "Muscat") == 0.0


def test_f1_partial_overlap() -> None:
    # pred tokens: [abbas, araghchi, foreign, minister]; gold tokens: [abbas, araghchi] -> P=2/4, R=2/2
    assert f1("Abbas Araghchi, the foreign minister", "Abbas Araghchi") == pytest.approx(2 * 0.5 * 1 / 1.5)
    # pred [nine, countries], gold [at, least, nine] -> common 1, P=1/2, R=1/3, F1=0.4
    assert f1("nine countries", "at least nine") == pytest.approx(0.4)


def test_f1_counts_token_multiplicity() -> None:
    # pred [talks, talks], gold [talks] -> common 1, P=1/2, R=1 -> 2/3
    assert f1("talks talks", "talks") == pytest.approx(2 / 3)


def test_f1_disjoint_and_empty() -> None:
    assert f1("Istanbul", "Muscat") == 0.0
    assert f1("", "Muscat") == 0.0
    assert f1("Muscat", "") == 0.0
    assert f1("", "") == 1.0
    assert f1("the", "a") == 1.0  # both normalise to nothing


def test_max_over_gold() -> None:
    golds = ["Muscat", "Muscat, Oman", "Oman"]
    assert max_over_gold(exact_match, "in Oman", golds) == 0.0
    assert max_over_gold(f1, "in Oman", golds) == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert max_over_gold(exact_match, "the Muscat", golds) == 1.0
    assert max_over_gold(f1, "anything", []) == 0.0


def test_contains_answer_normalised_and_word_bounded() -> None:
    text = "The talks are now scheduled to take place in Muscat, with Iran's foreign minister confirming."
    assert contains_answer(text, ["MUSCAT"])
    assert contains_answer(text, ["Iran's Foreign Minister"])
    assert not contains_answer(text, ["Istanbul"])
    assert not contains_answer("in 1990", ["9"])
    assert not contains_answer(text, [])
    assert not contains_answer(text, ["the"])  # normalises to nothing: no signal, no hit


RANKED = ["Talks were planned in Istanbul.", "Nothing relevant here.", "They meet in Muscat on Friday."]


def test_first_hit_rank() -> None:
    assert first_hit_rank(RANKED, ["Muscat"]) == 3
    assert first_hit_rank(RANKED, ["Istanbul", "Muscat"]) == 1
    assert first_hit_rank(RANKED, ["Geneva"]) is None
    assert first_hit_rank(RANKED, []) is None


def test_recall_at_k() -> None:
    assert recall_at_k(RANKED, ["Muscat"], 1) == 0.0
    assert recall_at_k(RANKED, ["Muscat"], 2) == 0.0
    assert recall_at_k(RANKED, ["Muscat"], 3) == 1.0
    assert recall_at_k(RANKED, ["Muscat"], 10) == 1.0  # k beyond the list is fine
    with pytest.raises(ValueError):
        recall_at_k(RANKED, ["Muscat"], 0)


def test_reciprocal_rank_and_mrr() -> None:
    assert reciprocal_rank(RANKED, ["Muscat"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKED, ["Istanbul"]) == 1.0
    assert reciprocal_rank(RANKED, ["Geneva"]) == 0.0
    # MRR of ranks 1, 3 and miss = (1 + 1/3 + 0) / 3
    rrs = [reciprocal_rank(RANKED, g) for g in (["Istanbul"], ["Muscat"], ["Geneva"])]
    assert mean(rrs) == pytest.approx(4 / 9)


def test_abstention_scores() -> None:
    # 5 questions: answerable = [T, T, F, F, F]; abstained = [T, F, T, T, F]
    # abstentions = 3, correct ones (on unanswerable) = 2 -> P = 2/3; unanswerable = 3 -> R = 2/3; F1 = 2/3
    s = abstention_scores([True, False, True, True, False], [True, True, False, False, False])
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)
    assert (s.n_abstained, s.n_correct_abstentions, s.n_unanswerable) == (3, 2, 3)


def test_abstention_scores_asymmetric_and_degenerate() -> None:
    # abstain on everything: P = 1/4, R = 1/1, F1 = 2*0.25/1.25 = 0.4
    s = abstention_scores([True] * 4, [True, True, True, False])
    assert (s.precision, s.recall) == (0.25, 1.0)
    assert s.f1 == pytest.approx(0.4)
    # never abstain: zero denominators give 0.0, not an error
    s = abstention_scores([False, False], [True, False])
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        abstention_scores([True], [True, False])


def test_percentile_linear_interpolation() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([4, 1, 3, 2], 50) == 2.5  # order does not matter
    assert percentile([10, 20, 30, 40, 50], 50) == 30
    # p95 of 1..20: position 0.95 * 19 = 18.05 -> 19 + 0.05 * (20 - 19) = 19.05
    assert percentile(range(1, 21), 95) == pytest.approx(19.05)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    assert percentile([1, 2], 0) == 1 and percentile([1, 2], 100) == 2
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_mean_of_nothing_is_none() -> None:
    assert mean([]) is None
    assert mean([True, False, True, True]) == 0.75


def test_calibration_bins_and_ece() -> None:
    conf = [0.05, 0.15, 0.12, 0.95, 1.0, 0.9]
    correct = [False, True, False, True, True, False]
    bins = calibration_bins(conf, correct, n_bins=10)
    assert len(bins) == 10
    assert [b.count for b in bins] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 3]
    assert bins[0].accuracy == 0.0 and bins[0].mean_confidence == pytest.approx(0.05)
    assert bins[1].accuracy == 0.5 and bins[1].mean_confidence == pytest.approx(0.135)
    assert bins[2].accuracy is None and bins[2].mean_confidence is None  # empty bins say so
    assert bins[9].accuracy == pytest.approx(2 / 3) and bins[9].mean_confidence == pytest.approx(2.85 / 3)
    assert (bins[9].lo, bins[9].hi) == (0.9, 1.0)
    # ECE = 1/6*|0-0.05| + 2/6*|0.5-0.135| + 3/6*|2/3-0.95|
    expected = 0.05 / 6 + 2 / 6 * 0.365 + 3 / 6 * abs(2 / 3 - 0.95)
    assert expected_calibration_error(bins) == pytest.approx(expected)
    assert expected_calibration_error(calibration_bins([], [])) is None


def test_calibration_clips_out_of_range_confidence() -> None:
    bins = calibration_bins([-0.2, 1.7], [False, True], n_bins=2)
    assert [b.count for b in bins] == [1, 1]
    assert bins[0].mean_confidence == 0.0 and bins[1].mean_confidence == 1.0
