"""Files and folders → :class:`~articleqa.records.Document` records.

Everything downstream (chunk offsets, citation quotes) refers to ``Document.text``, so this package is
the one place where text is decoded, cleaned and stripped of page furniture. After that, the text is
never touched again.

Modules: one reader per format (:mod:`.text`, :mod:`.markdown`, :mod:`.html`, :mod:`.json`, :mod:`.jsonl`,
:mod:`.pdf`); the cleaning rules apart in :mod:`.cleaning` (dates in :mod:`.dates`); the Document builder
in :mod:`.document`; size limit, decoding and result types in :mod:`.common`; the format table and the
entry points in :mod:`.loader`.

Public API (relied on by other modules):

* :func:`load` — one path → (documents, per-record problems), or
  :class:`~articleqa.errors.InputError`; the entry the two below go through.
* :func:`load_paths` — a batch of files/folders → :class:`IngestResult` (documents + skipped files);
  one bad file never stops the batch.
* :func:`load_file` — one file → documents, or :class:`~articleqa.errors.InputError` saying what was
  wrong and what to do.
* :func:`document_from_text` — raw text → Document (``clean=False`` keeps the text byte-for-byte,
  for datasets whose answer offsets must stay valid).
* :func:`content_id` — the stable content hash used as ``doc_id``.
* :data:`SUPPORTED_EXTENSIONS`.
"""

from __future__ import annotations

from .cleaning import clean_text
from .common import IngestResult, Problems, size_against_limit
from .dates import parse_date
from .document import content_id, document_from_text
from .loader import SUPPORTED_EXTENSIONS, load, load_file, load_paths

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "IngestResult",
    "Problems",
    "clean_text",
    "content_id",
    "document_from_text",
    "load",
    "load_file",
    "load_paths",
    "parse_date",
    "size_against_limit",
]
