"""The scale-out backend: the index on a Milvus server (``--store milvus://HOST:PORT[/COLLECTION]``).

* ``target`` — the URI and the connection (pymilvus is imported only there, only for such a URI).
* ``schema`` — a generation's three collections and the index chosen by size.
* ``records`` — documents, texts and blobs in VARCHAR pieces.
* ``snapshot`` — :class:`MilvusSnapshot`, the reader; ``writer`` — :class:`MilvusStore`; ``copy`` — what a
  new generation keeps of the current one.
"""

from .snapshot import MilvusSnapshot
from .target import MilvusTarget, is_milvus_uri, parse_target
from .writer import MilvusStore

__all__ = ["MilvusSnapshot", "MilvusStore", "MilvusTarget", "is_milvus_uri", "parse_target"]
