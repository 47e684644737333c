"""The persisted index behind a narrow typed interface, stated once in ``contract``.

* :class:`Store` — one index: its manifest, the writer lock, writing the next generation.
* :class:`Snapshot` — one generation opened read-only: dense and BM25 search, chunks, sentences, documents.

Two backends implement them: the embedded folder (:class:`IndexStore` / :class:`IndexSnapshot`: ``generations``
(manifest, atomic swap), ``snapshot``, ``files`` (fsync, checksums, crash points), ``lock``, ``sqlite``
(document and chunk records), ``dense`` (FAISS), ``lexical`` (bm25s), ``sentences``) and a Milvus server
(:class:`MilvusStore` / :class:`MilvusSnapshot`, ``milvus/``). :func:`open_store` picks one from the settings.
The dense and lexical indexes themselves (:class:`VectorIndex`, :class:`LexicalIndex`) are public too: the
benchmarks build and measure them on their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .contract import Snapshot, Store
from .dense import VectorIndex, VectorIndexSpec, choose_spec
from .generations import FORMAT_VERSION, READABLE_FORMATS, IndexStore
from .lexical import LexicalIndex
from .lock import check_index_folder
from .milvus import MilvusSnapshot, MilvusStore, is_milvus_uri, parse_target
from .snapshot import REBUILD_HINT, IndexSnapshot, rebuild_hint

if TYPE_CHECKING:
    from ..config import Settings


def open_store(settings: Settings) -> Store[Any]:
    """``settings.store`` empty: the embedded store in ``settings.index_dir`` (the default, no network); a
    ``milvus://HOST:PORT[/COLLECTION]`` URI: that Milvus server, with ``settings.milvus_token`` (connected now,
    so a bad URI fails here). ``settings.crash_at``: crash-safety tests only."""
    if settings.store and is_milvus_uri(settings.store):
        return MilvusStore(parse_target(settings.store, settings.milvus_token), crash_at=settings.crash_at)
    if settings.store:
        from ..errors import InputError

        raise InputError(f"--store {settings.store!r} is not a store URI; use milvus://HOST:PORT[/COLLECTION], or "
                         "leave it out for the folder given by --index-dir")
    return IndexStore(settings.index_dir, crash_at=settings.crash_at)


def scratch_store(store: str, suffix: str) -> str:
    """A Milvus URI for a temporary index beside ``store``'s collection (eval's own corpus): never the user's."""
    t = parse_target(store)
    return f"{'milvus+tls' if t.secure else 'milvus'}://{t.host}:{t.port}/{t.collection}_{suffix}"


__all__ = [
    "FORMAT_VERSION", "READABLE_FORMATS", "REBUILD_HINT", "IndexSnapshot", "IndexStore", "LexicalIndex",
    "MilvusSnapshot", "MilvusStore", "Snapshot", "Store", "VectorIndex", "VectorIndexSpec", "check_index_folder",
    "choose_spec", "open_store", "rebuild_hint", "scratch_store",
]
