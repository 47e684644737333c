"""One Settings object for the whole package; every field can be overridden by ARTICLEQA_<NAME>.

Settings are built once at each entry point (CLI, server, eval, bench, the Python API's ``Assistant.build``/
``open``) from arguments and the environment, then passed down: this is the only module that reads
ARTICLEQA_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_BACKEND = "onnx-int8"
DEFAULT_INDEX_DIR = "index"
_TRUE = {"1", "true", "yes", "on"}
# Names that mean "the bundled copy of all-MiniLM-L6-v2" and so never need the network.
BUNDLED_MODEL_ALIASES = frozenset(
    {"default", DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
)


@dataclass(frozen=True)
class Settings:
    """Tunable behaviour. Defaults are the measured best; docs/settings.md says what each does."""

    model: str = field(
        default="",
        metadata={"help": "sentence-transformers model name or path (default: the index's own model; a new index: "
                          f"the bundled {DEFAULT_MODEL})"},
    )
    index_dir: str = field(default=DEFAULT_INDEX_DIR, metadata={"help": "where the index lives"})
    store: str = field(
        default="", metadata={"help": "empty: the embedded index in index_dir (default, no network); "
                                      "milvus://HOST:PORT[/COLLECTION]: the index on that Milvus server"}
    )
    milvus_token: str = field(
        default="", repr=False, metadata={"help": "token (user:password or API key) for that Milvus server", "secret": True}
    )
    chunk_tokens: int = field(default=200, metadata={"help": "token budget of a chunk (cl100k_base)"})
    chunk_overlap_tokens: int = field(default=30, metadata={"help": "tokens of trailing sentences repeated"})
    top_k: int = field(default=5, metadata={"help": "passages returned with an answer"})
    candidates: int = field(default=50, metadata={"help": "candidates per retriever before fusion"})
    fusion: str = field(default="weighted", metadata={"help": "weighted | rrf | dense | bm25 (measured: docs/architecture.md)"})
    fusion_weight: float = field(default=0.6, metadata={"help": "dense weight for weighted fusion"})
    sentence_weight: float = field(
        default=0.5, metadata={"help": "share of a chunk's best sentence in its dense score (0: pooled vector only)"}
    )
    abstain_threshold: float | None = field(
        default=None, metadata={"help": "confidence below which we decline (default: the reader's calibrated cut)"}
    )
    reader_model: str = field(
        default="", metadata={"help": "folder of the trained span reader (default: models/reader of this checkout)"}
    )
    read_passages: int = field(
        default=2, metadata={"help": "best passages the reader reads per question (2 meets the 40 ms p50; docs/benchmarks.md)"}
    )
    reader_threads: int = field(
        default=2, metadata={"help": "CPU threads one question's reading may use (2: 49 ms vs 69 ms for 3 passages)"}
    )
    max_citations: int = field(default=3, metadata={"help": "quotes shown under an answer"})
    answer_cache: int = field(default=256, metadata={"help": "recent answers kept (0 turns the cache off)"})
    max_file_mb: float = field(default=50.0, metadata={"help": "files larger than this are skipped"})
    embedding_backend: str = field(
        default=DEFAULT_BACKEND, metadata={"help": "onnx-int8 (default) | onnx | torch — measured in bench/bench.md"}
    )
    batch_size: int = field(default=64, metadata={"help": "embedding batch size"})
    onnx_cache: str = field(
        default="", metadata={"help": "folder of the exported ONNX embedding models (default ~/.cache/articleqa/onnx)"}
    )
    allow_network: bool = field(default=False, metadata={"help": "let Hugging Face hub downloads happen"})
    auth: str = field(
        default="", repr=False, metadata={"help": "user:password that turns on the web UI's login", "secret": True}
    )
    llm_url: str = field(
        default="", metadata={"help": "base URL of an OpenAI-compatible server that writes the answer (off when empty), "
                                      "e.g. http://127.0.0.1:8080/v1"}
    )
    llm_model: str = field(default="", metadata={"help": "the model name that server serves"})
    llm_api_key: str = field(
        default="", repr=False, metadata={"help": "API key for that server (never logged or shown)", "secret": True}
    )
    llm_timeout: float = field(default=30.0, metadata={"help": "seconds to connect and between streamed pieces"})
    llm_answer_seconds: float = field(
        default=120.0, metadata={"help": "wall-clock cap on one whole written answer (raise it for a slow CPU model)"}
    )
    llm_max_tokens: int = field(default=256, metadata={"help": "longest written answer, in tokens"})
    llm_temperature: float = field(default=0.0, metadata={"help": "sampling temperature of the written answer"})
    llm_context_tokens: int = field(
        default=2048, metadata={"help": "the model's context window: passages are fitted into it with tiktoken"}
    )
    crash_at: str = field(
        default="", metadata={"help": "testing only: the index write step at which the process kills itself"}
    )

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ARTICLEQA_* environment variables, then explicit overrides (not None)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"ARTICLEQA_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(raw, f.type, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def public_dict(self) -> dict[str, Any]:
        """Every field but secrets (the login): what reports and logs may show."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.metadata.get("secret")}

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def location(self) -> str:
        """What messages name: the Milvus URI, or the index folder."""
        return self.store or self.index_dir


def _parse(raw: str, type_name: Any, name: str) -> Any:
    t = str(type_name)
    if t.endswith(" | None"):
        if raw.strip().lower() in {"", "none"}:
            return None
        t = t.removesuffix(" | None")
    try:
        if t == "int":
            return int(raw)
        if t == "float":
            return float(raw)
        if t == "bool":
            return raw.strip().lower() in _TRUE
    except ValueError as exc:
        from .errors import InputError

        raise InputError(f"ARTICLEQA_{name.upper()}={raw!r} is not a valid {t}; fix or unset it") from exc
    return raw


def network_opt_in() -> bool:
    """ARTICLEQA_ALLOW_NETWORK alone, read when the package is imported: Hugging Face libraries take their
    offline switches at import, before any Settings exist (and a bad value elsewhere must not break import)."""
    return os.environ.get("ARTICLEQA_ALLOW_NETWORK", "").strip().lower() in _TRUE
