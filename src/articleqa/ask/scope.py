"""Which documents a question may search: the ids it names ∩ the documents its filters match, resolved before
ranking."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ..filters import LIST_HINT, DocFields, Filters
from ..store import Snapshot


class Scoper:
    """Resolves a request's scope; keeps every document's filter fields per generation (generations never
    change, so they are read once)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self._fields: tuple[str, list[DocFields]] | None = None

    def scope(self, snap: Snapshot | None, doc_ids: Sequence[str] | None, filters: Filters) -> list[str] | None:
        """The documents a question may search (None: all). InputError when that is nothing: "the articles
        don't say" would hide the mistake."""
        if doc_ids is not None:
            if not any(snap is not None and snap.has_document(d) for d in doc_ids):
                raise InputError(
                    f"no document {', '.join(map(repr, doc_ids))} in {self.where}; `articleqa docs` lists the ids"
                    if doc_ids else "doc_ids is empty; give document ids (`articleqa docs` lists them), or None for all"
                )
        if not filters.active:
            return list(doc_ids) if doc_ids is not None else None
        if snap is None:
            raise InputError(f"no documents in {self.where} to filter; add some with `articleqa index PATH...`")
        matching = filters.select(self._filter_fields(snap))
        if doc_ids is None:
            return matching
        wanted = set(doc_ids)
        both = [d for d in matching if d in wanted]
        if not both:
            raise InputError(
                f"none of the documents given by id matches {filters.describe()}; drop the ids or loosen the "
                f"filters; {LIST_HINT}"
            )
        return both

    def _filter_fields(self, snap: Snapshot) -> list[DocFields]:
        cached = self._fields
        if cached is not None and cached[0] == snap.generation:
            return cached[1]
        fields = [DocFields.from_meta(meta) for meta in snap.all_document_meta()]
        self._fields = (snap.generation, fields)
        return fields
