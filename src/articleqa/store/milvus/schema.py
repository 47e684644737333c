"""The collections of one generation, and the vector index chosen by collection size.

A generation ``G`` = ``{collection}__g{number:06d}`` is three collections:

* ``G_chunks`` — one row per chunk: ``row`` (primary key, the same row numbers as the embedded store),
  the pooled vector, text, offsets, its document's id/source/author/published (so Milvus expressions can
  filter inside the search), and the half-open range of its sentence units.
* ``G_sents`` — one row per sentence unit: offsets, content key, vector (float32 holding the float16 values
  the embedded store keeps: Milvus 2.3 has no float16 vectors).
* ``G_records`` — keyed text pieces: each document's fields (JSON) and text, the BM25 index files, and the
  manifest; Milvus 2.3 needs a vector field in every collection, so it has a 2-d placeholder.
* ``G_commits`` — one row per commit to the generation (documents added or removed in place, see ``writer`` and
  ``commits``), naming that commit's manifest and BM25 files. Empty until the first commit.

The alias ``{collection}`` names the current generation's ``_chunks`` collection: swapping it publishes a new
generation; inserting a row into ``G_commits`` publishes a commit to the current one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..dense import EXACT_LIMIT, IVF_NPROBE, ivf_lists

VARCHAR_MAX = 65_535  # Milvus' limit, in bytes
PIECE_CHARS = 16_000  # ≤ 4 UTF-8 bytes a character: a piece always fits one VARCHAR
META_CHARS = 1_000  # source/author kept on chunk rows for expressions (the full values live in records)
ID_CHARS = 256
PLACEHOLDER_DIM = 2


@dataclass(frozen=True)
class MilvusIndexSpec:
    """What the chunk vectors are indexed with; recorded in the manifest as ``vector_index``."""

    kind: str  # "flat" | "ivf" | "hnsw"
    build: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)

    @property
    def index_type(self) -> str:
        return {"flat": "FLAT", "ivf": "IVF_FLAT", "hnsw": "HNSW"}[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "index_type": self.index_type, "metric_type": "IP",
                "params": {**self.build, **self.search}, "build_params": dict(self.build),
                "search_params": dict(self.search)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MilvusIndexSpec:
        return cls(str(data["kind"]), dict(data.get("build_params", {})), dict(data.get("search_params", {})))


def choose_index(n_vectors: int) -> MilvusIndexSpec:
    """Exact (FLAT) up to the embedded store's EXACT_LIMIT, IVF_FLAT with the same lists/probes above: the
    parameters measured on FAISS for recall@10 ≥ 0.95 (store/dense.py), so both backends trade the same way."""
    if n_vectors <= EXACT_LIMIT:
        return MilvusIndexSpec("flat")
    nlist = min(65_536, ivf_lists(n_vectors))
    return MilvusIndexSpec("ivf", {"nlist": nlist}, {"nprobe": min(IVF_NPROBE, nlist)})


@dataclass(frozen=True)
class GenerationNames:
    """Collection names of one generation."""

    prefix: str  # {collection}__g000001

    @classmethod
    def of(cls, collection: str, number: int) -> GenerationNames:
        return cls(f"{collection}__g{number:06d}")

    @classmethod
    def from_chunks(cls, chunks_collection: str) -> GenerationNames:
        return cls(chunks_collection.removesuffix("_chunks"))

    @property
    def number(self) -> int:
        return int(self.prefix.rsplit("__g", 1)[1])

    @property
    def chunks(self) -> str:
        return f"{self.prefix}_chunks"

    @property
    def sents(self) -> str:
        return f"{self.prefix}_sents"

    @property
    def records(self) -> str:
        return f"{self.prefix}_records"

    @property
    def commits(self) -> str:
        return f"{self.prefix}_commits"

    @property
    def all(self) -> tuple[str, str, str, str]:
        return (self.chunks, self.sents, self.records, self.commits)


def _schema(fields_: list[tuple[str, Any, dict[str, Any]]]) -> Any:
    from pymilvus import MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    for name, dtype, kwargs in fields_:
        schema.add_field(name, dtype, **kwargs)
    return schema


def chunk_schema(dim: int) -> Any:
    from pymilvus import DataType as T

    text = {"max_length": VARCHAR_MAX}
    return _schema([
        ("row", T.INT64, {"is_primary": True}), ("vector", T.FLOAT_VECTOR, {"dim": dim}),
        ("chunk_id", T.VARCHAR, {"max_length": ID_CHARS}), ("doc_id", T.VARCHAR, {"max_length": ID_CHARS}),
        ("text", T.VARCHAR, text), ("text_in_document", T.BOOL, {}),
        ("start", T.INT64, {}), ("end", T.INT64, {}), ("n_tokens", T.INT64, {}),
        ("content_hash", T.VARCHAR, {"max_length": 64}),
        ("source", T.VARCHAR, {"max_length": VARCHAR_MAX}), ("author", T.VARCHAR, {"max_length": VARCHAR_MAX}),
        ("published", T.VARCHAR, {"max_length": 32}),
        ("unit_lo", T.INT64, {}), ("unit_hi", T.INT64, {}),
    ])


def sentence_schema(dim: int) -> Any:
    from pymilvus import DataType as T

    return _schema([
        ("unit", T.INT64, {"is_primary": True}), ("vector", T.FLOAT_VECTOR, {"dim": dim}),
        ("start", T.INT64, {}), ("end", T.INT64, {}), ("hash", T.INT64, {}),
    ])


def record_schema() -> Any:
    from pymilvus import DataType as T

    return _schema([
        ("key", T.VARCHAR, {"is_primary": True, "max_length": 2 * ID_CHARS}),
        ("kind", T.VARCHAR, {"max_length": 16}), ("name", T.VARCHAR, {"max_length": ID_CHARS}),
        ("seq", T.INT64, {}), ("position", T.INT64, {}), ("payload", T.VARCHAR, {"max_length": VARCHAR_MAX}),
        ("placeholder", T.FLOAT_VECTOR, {"dim": PLACEHOLDER_DIM}),
    ])


def commit_schema() -> Any:
    from pymilvus import DataType as T

    return _schema([
        ("commit", T.INT64, {"is_primary": True}), ("payload", T.VARCHAR, {"max_length": VARCHAR_MAX}),
        ("placeholder", T.FLOAT_VECTOR, {"dim": PLACEHOLDER_DIM}),
    ])


def index_params(client: Any, field_name: str, spec: MilvusIndexSpec) -> Any:
    params = client.prepare_index_params()
    params.add_index(field_name=field_name, index_type=spec.index_type, metric_type="IP", params=dict(spec.build))
    return params


def create_generation(client: Any, names: GenerationNames, dim: int, spec: MilvusIndexSpec) -> None:
    """The four empty collections, indexed and loaded, strongly consistent (a write is seen by the next read)."""
    flat = MilvusIndexSpec("flat")
    for name, schema, vector_field, chosen in (
        (names.chunks, chunk_schema(dim), "vector", spec),
        (names.sents, sentence_schema(dim), "vector", flat),
        (names.records, record_schema(), "placeholder", flat),
        (names.commits, commit_schema(), "placeholder", flat),
    ):
        client.create_collection(name, schema=schema, index_params=index_params(client, vector_field, chosen),
                                 consistency_level="Strong")


def pieces(text: str) -> list[str]:
    """``text`` cut into VARCHAR-sized pieces (at least one, so an empty text is stored too)."""
    return [text[i : i + PIECE_CHARS] for i in range(0, max(len(text), 1), PIECE_CHARS)] or [""]
