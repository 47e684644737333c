"""What a test may assert about an answer the trained reader picked: that it is one of the right answers and that
every quote is the stored text at its offsets — never one exact string where several are right.

Why: between two right spans ("Oman", "Muscat") the top one flips with the index, with the machine's int8 kernels
(they differ between CPUs) and with every retrained reader (models/reader changes). A test that pins one of them
fails on a new machine or after retraining while the answer is still right."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# The right answers to the bundled article's questions the tests ask (each also right inside a longer span,
# e.g. "Muscat, Oman" or "in Oman").
WHERE_THE_TALKS_ARE = ("Oman", "Muscat")


def says_one_of(text: str, right: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``right`` as whole words (case and spacing ignored): "17" is in
    "17 grain ships" but not in "170"."""
    flat = " ".join(text.casefold().split())
    return any(re.search(rf"(?<!\w){re.escape(' '.join(r.casefold().split()))}(?!\w)", flat) for r in right)


def assert_quotes_verbatim(qa: Any, answer: Any) -> None:
    """Every citation's quote is the stored document text at its offsets (the one contract no model may bend)."""
    for c in answer.citations:
        stored = qa.document(c.doc_id).text[c.start : c.end]
        assert stored == c.quote, f"citation [{c.n}] quote {c.quote!r} != stored text {stored!r} at {c.start}:{c.end}"


def assert_right_answer(qa: Any, answer: Any, right: Iterable[str], support: str | None = None) -> None:
    """``answer`` is answered, says one of ``right``, has quotes and every quote verifies; with ``support``, one of
    its quotes contains that phrase (the sentence the answer comes from)."""
    right = tuple(right)
    assert answer.answerable, f"declined ({answer.text!r}, confidence {answer.confidence:.2f}); right: {right}"
    assert says_one_of(answer.text, right), f"{answer.text!r} is none of the right answers {right}"
    assert answer.citations, f"{answer.text!r} came without a quote"
    assert_quotes_verbatim(qa, answer)
    if support is not None:
        quotes = [c.quote for c in answer.citations]
        assert any(support in q for q in quotes), f"no quote contains {support!r}: {quotes}"
