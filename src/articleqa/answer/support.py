"""Does a written answer say what the sentences it cites say? A lexical check, claim by claim.

A citation marker only proves that a sentence exists, not that it supports the claim beside it: the small test
model writes "The cost was 40 million dollars [1]." with sentence 1 about something else, or numbers its own
invented lines "[1] …" like citations. A claim is supported when its numbers and at least two thirds of its new
content words (those not already in the question) occur in the sentences it cites — its own markers, or every
cited sentence when it has none. A claim that only restates the question says nothing either way. An answer is
shown as sourced only when no claim is unsupported and at least one says something the question did not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..nlp import content_terms

MIN_COVERAGE = 2 / 3
# Words about the text rather than the world ("The article mentions that …"): they are not claims to check.
_ABOUT_THE_TEXT = frozenset(content_terms("article articles passage passages sentence sentences text mentions "
                                          "mentioned notes noted according context original"))
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_CLAIM_END = re.compile(r"(?<=[.!?])\s+(?=[\[A-Z0-9\"'“(])|\n+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class ClaimCheck:
    claim: str  # without its markers
    cites: tuple[int, ...]  # its own markers (citation numbers of the answer)
    new_terms: tuple[str, ...]  # content words the question did not contain
    missing: tuple[str, ...]  # new terms and numbers the cited sentences do not contain
    supported: bool | None  # None: it restates the question, saying nothing either way


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def check_claims(answer: str, question: str, cited: Mapping[int, str]) -> list[ClaimCheck]:
    """Each claim of ``answer`` (split at sentence ends and line breaks) against the sentences it cites."""
    asked = set(content_terms(question))
    everything = " ".join(cited.values())
    checks = []
    for raw in _CLAIM_END.split(answer):
        cites = tuple(int(n) for group in _MARKER.findall(raw) for n in re.split(r"\s*,\s*", group))
        claim = _MARKER.sub("", raw).strip()
        if not claim:
            continue
        new_terms = tuple(dict.fromkeys(t for t in content_terms(claim) if t not in asked and t not in _ABOUT_THE_TEXT))
        numbers = _numbers(claim) - _numbers(question)
        if not new_terms and not numbers:
            checks.append(ClaimCheck(claim, cites, (), (), None))
            continue
        evidence = " ".join(cited[n] for n in cites if n in cited) if cites else everything
        have = set(content_terms(evidence))
        missing_terms = [t for t in new_terms if t not in have]
        missing_numbers = sorted(numbers - _numbers(evidence))
        covered = 1 - len(missing_terms) / len(new_terms) if new_terms else 1.0
        supported = bool(evidence) and not missing_numbers and covered >= MIN_COVERAGE
        checks.append(ClaimCheck(claim, cites, new_terms, (*missing_terms, *missing_numbers), supported))
    return checks


def is_supported(checks: list[ClaimCheck]) -> bool:
    return any(c.supported for c in checks) and not any(c.supported is False for c in checks)


def first_unsupported(checks: list[ClaimCheck]) -> ClaimCheck | None:
    return next((c for c in checks if c.supported is False), None)
