"""The persisted index behind a narrow typed interface.

* :class:`IndexStore` — one index folder: its manifest, the writer lock, writing the next generation.
* :class:`Snapshot` — one generation opened read-only: dense and BM25 search, chunks, sentences, documents.

Inside: ``generations`` (manifest, atomic swap), ``files`` (fsync, checksums, crash points), ``lock``,
``sqlite`` (document and chunk records), ``dense`` (FAISS), ``lexical`` (bm25s), ``sentences``.
"""

from .generations import FORMAT_VERSION, READABLE_FORMATS, IndexStore
from .lock import check_index_folder
from .snapshot import REBUILD_HINT, Snapshot, rebuild_hint

__all__ = [
    "FORMAT_VERSION", "READABLE_FORMATS", "REBUILD_HINT", "IndexStore", "Snapshot", "check_index_folder",
    "rebuild_hint",
]
