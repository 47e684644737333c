"""Documents a user removed stay removed: indexing their folder again (``make run`` does, at every start)
leaves them out, until the file is added again by hand (named on the command line, uploaded, or passed in
as a Document) or changes (it then reads as a different document).

The list lives in the index manifest (``removed_by_user``: doc id → source and title) and every write
carries it on, so it survives restarts and is swapped in atomically with the removal itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .records import Document

Entries = dict[str, dict[str, str]]


def source_key(source: str) -> str:
    """A source as one comparable string: file paths resolved, anything else (URLs) as given."""
    try:
        return str(Path(source).resolve())
    except (OSError, ValueError):
        return source


def named_files(paths: Iterable[str | Path]) -> set[str]:
    """The files a user named themselves (not found by walking a folder): adding one of them is deliberate."""
    return {source_key(str(p)) for p in paths if Path(p).is_file()}


@dataclass
class Plan:
    """What an add does with the removed list: which read documents stay out, and the list after the add."""

    left_out: set[str] = field(default_factory=set)
    entries: Entries = field(default_factory=dict)


def removed_entries(manifest: Mapping[str, Any] | None) -> Entries:
    raw = (manifest or {}).get("removed_by_user") or {}
    return {str(k): {"source": str(v.get("source") or ""), "title": str(v.get("title") or "")} for k, v in raw.items()}


def plan_add(entries: Entries, docs: Sequence[Document], by_hand: set[int], named: set[str]) -> Plan:
    """``docs``: everything read for this add; ``by_hand``: ids (``id()``) of Documents passed in directly;
    ``named``: :func:`named_files` of the paths given.

    A removed document read from a folder is left out. Read from a file named by hand, or passed in, it is
    added again and leaves the list. A removed document whose file was read this time and no longer yields
    it (the file changed) leaves the list too: the file's new text is indexed like any new document."""
    if not entries:
        return Plan()
    kept = dict(entries)
    left_out: set[str] = set()
    read_from: dict[str, set[str]] = {}
    for doc in docs:
        key = source_key(doc.source) if doc.source else ""
        if key:
            read_from.setdefault(key, set()).add(doc.doc_id)
        if doc.doc_id not in kept:
            continue
        if id(doc) in by_hand or (key and key in named):
            kept.pop(doc.doc_id)
        else:
            left_out.add(doc.doc_id)
    for doc_id, entry in list(kept.items()):
        key = source_key(entry["source"]) if entry["source"] else ""
        if key in read_from and doc_id not in read_from[key]:
            kept.pop(doc_id)  # the file changed since it was removed
    return Plan(left_out, kept)


def with_removed(entries: Entries, doc_id: str, source: str, title: str) -> Entries:
    return {**entries, doc_id: {"source": source or "", "title": title or ""}}
