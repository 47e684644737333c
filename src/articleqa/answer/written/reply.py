"""Reading a model's reply: which sentence numbers it cites, which it invented, and whether it declined.

The model only ever cites numbers (see ``prompt.py``); this module turns a reply into those numbers, renumbers
its markers in order of first citation so ``[k]`` in the shown text is the k-th citation built, and drops the
numbers the prompt never showed. Kept apart from the client so scoring (``evaluate``) and the prompt's history
can strip markers without touching anything that talks to a server. See docs/written-answers.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# What the system prompt tells the model to reply when the passages hold no answer.
NOT_FOUND_MARKER = "NOT IN THE ARTICLES"

# [3]  [3, 4]  [3; 4]  [3-5]  [#3] — numbers in square brackets, alone or as a list or a short range.
_MARKER = re.compile(r"\[\s*#?(\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*#?\d+(?:\s*[-–]\s*\d+)?)*)\s*\]")
_MAX_RANGE = 20


@dataclass(frozen=True)
class ParsedReply:
    """A reply read against the numbering.

    ``text`` keeps the bracket markers but renumbers them in order of first citation, so ``[k]`` in it is
    ``cited[k - 1]`` — the k-th citation the caller builds; markers naming unknown numbers are removed.
    ``plain`` has no markers at all (for scoring and for showing an unsourced answer).
    """

    raw: str
    text: str
    plain: str
    cited: list[int]  # prompt numbers, in order of first appearance
    dropped: list[int]  # numbers the prompt never showed, in order of first appearance
    dropped_count: int  # occurrences of those numbers
    not_found: bool  # the model said the passages do not hold the answer (→ answerable=False)


def _marker_numbers(body: str) -> list[int]:
    """The numbers one marker names; a range expands unless it is implausibly long (then its two ends)."""
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body):
        ends = [int(x) for x in re.split(r"\s*[-–]\s*", part.lstrip("#"))]
        if len(ends) == 2 and 0 <= ends[1] - ends[0] <= _MAX_RANGE:
            out.extend(range(ends[0], ends[1] + 1))
        else:
            out.extend(ends)
    return out


def _tidy(text: str) -> str:
    """Tidy what removing a marker leaves: `Oman .` → `Oman.`, doubled spaces → one."""
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def strip_markers(text: str) -> str:
    """The text without citation markers, and without the space a marker leaves before punctuation."""
    return _tidy(_MARKER.sub("", text))


def _says_not_found(text: str) -> bool:
    """Whether the reply carries the decline marker, however the model cased or punctuated it."""
    words = re.sub(r"[^a-z]+", " ", strip_markers(text).lower()).strip()
    return " ".join(NOT_FOUND_MARKER.lower().split()) in words


def parse_reply(text: str, known: Sequence[int] | set[int] | dict[int, Any]) -> ParsedReply:
    """Cited numbers in order of first appearance; unknown ones dropped and counted; markers renumbered.

    ``not_found`` is set when the reply carries the not-in-the-articles marker and cites nothing valid.
    """
    valid = set(known)
    cited: list[int] = []
    dropped: list[int] = []
    dropped_count = 0

    def renumber(match: re.Match[str]) -> str:
        nonlocal dropped_count
        keep: list[int] = []
        for n in _marker_numbers(match.group(1)):
            if n in valid:
                if n not in cited:
                    cited.append(n)
                if cited.index(n) + 1 not in keep:
                    keep.append(cited.index(n) + 1)
            else:
                dropped_count += 1
                if n not in dropped:
                    dropped.append(n)
        return "[" + ", ".join(str(k) for k in keep) + "]" if keep else ""

    renumbered = _tidy(_MARKER.sub(renumber, text))
    return ParsedReply(raw=text, text=renumbered, plain=strip_markers(text), cited=cited, dropped=dropped,
                       dropped_count=dropped_count, not_found=not cited and _says_not_found(text))
