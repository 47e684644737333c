"""JSON Lines files (.jsonl): one record per line, read with the same record rules as JSON files."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..records import Document
from .common import Problems, decode
from .json import record_document


def read_jsonl(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    """Each line → a Document; a bad line (invalid JSON, no text) is a problem, never the whole file's end."""
    raw, _ = decode(data, path)
    docs: list[Document] = []
    problems: Problems = []
    # split on "\n" only: str.splitlines() would also split inside records at U+2028, valid in JSON strings
    for lineno, line in enumerate(raw.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        label = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((label, f"invalid JSON on line {lineno} ({exc.msg} at column {exc.colno}); fix the line"))
            continue
        try:
            docs.append(record_document(obj, str(path), str(lineno), fmt))
        except InputError as exc:
            problems.append((label, f"line {lineno}: {exc}"))
    return docs, problems
