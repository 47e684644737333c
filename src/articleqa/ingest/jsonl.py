"""JSON Lines files (.jsonl): one record per line, read with the same record rules as JSON files.

:func:`iter_jsonl` is the project's one JSONL line reader: ingest and the evaluation question sets
(:func:`articleqa.evaluate.load_dataset`) both walk their files with it, each deciding what a bad line means.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Document
from .common import Problems, decode
from .json import record_document


@dataclass(frozen=True)
class JsonlLine:
    """One non-blank line: its number (from 1) and the parsed value, or the error that says why it is not JSON."""

    lineno: int
    value: Any = None
    error: json.JSONDecodeError | None = None


def iter_jsonl(raw: str, *, any_line_break: bool = False) -> Iterator[JsonlLine]:
    """Parse each non-blank line of JSONL text; a bad line is yielded with its error, never raised, so the
    caller decides whether it skips the line (ingest) or stops at it (question sets).

    Lines end at "\\n" (or "\\r\\n"): str.splitlines() would also split inside records at U+2028, which is
    valid in JSON strings. ``any_line_break=True`` splits with str.splitlines() instead, as the question-set
    loader always has.
    """
    lines = raw.splitlines() if any_line_break else raw.replace("\r\n", "\n").split("\n")
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield JsonlLine(lineno, error=exc)
            continue
        yield JsonlLine(lineno, value)


def read_jsonl(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    """Each line → a Document; a bad line (invalid JSON, no text) is a problem, never the whole file's end."""
    raw, _ = decode(data, path)
    docs: list[Document] = []
    problems: Problems = []
    for line in iter_jsonl(raw):
        label = f"{path}:{line.lineno}"
        if line.error is not None:
            exc = line.error
            problems.append(
                (label, f"invalid JSON on line {line.lineno} ({exc.msg} at column {exc.colno}); fix the line")
            )
            continue
        try:
            docs.append(record_document(line.value, str(path), str(line.lineno), fmt))
        except InputError as exc:
            problems.append((label, f"line {line.lineno}: {exc}"))
    return docs, problems
