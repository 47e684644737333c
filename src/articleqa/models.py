"""The models every assistant in a process shares: one embedder per model, one reader per model folder, and
the language model client that writes answers when one is configured."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .answer import Reader, find_model_dir
from .answer.written import Generator, GeneratorConfig
from .config import DEFAULT_MODEL, Settings
from .embedding import Embedder, canonical_model_name
from .errors import InputError

_LOCK = threading.Lock()
_EMBEDDERS: dict[tuple[str, int, str, str], Embedder] = {}
_READERS: dict[tuple[str, int], Reader] = {}


@dataclass(frozen=True)
class Models:
    """What answering needs besides the index."""

    embedder: Embedder
    reader: Reader
    generator: Generator | None


def shared_embedder(settings: Settings) -> Embedder:
    """One loaded model per process, whichever Assistant asks for it."""
    model = settings.model or DEFAULT_MODEL
    key = (canonical_model_name(model), settings.batch_size, settings.embedding_backend, settings.onnx_cache)
    with _LOCK:
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = Embedder(
                model, settings.batch_size, backend=settings.embedding_backend,
                onnx_cache=Path(settings.onnx_cache) if settings.onnx_cache else None,
                allow_network=settings.allow_network,
            )
        return _EMBEDDERS[key]


def shared_reader(configured: str, threads: int) -> Reader:
    """One loaded reader per process and model folder; a missing or damaged model is a ReaderModelError."""
    path = find_model_dir(configured or None).resolve()
    key = (str(path), threads)
    with _LOCK:
        if key not in _READERS:
            _READERS[key] = Reader(path, threads=threads)
        return _READERS[key]


def make_generator(settings: Settings) -> Generator | None:
    """The language model that writes answers, when ``llm_url`` is set; nothing is contacted until a question."""
    if not settings.llm_url:
        return None
    if not settings.llm_model:
        raise InputError("a language model URL needs its model name too: add --llm-model NAME (ARTICLEQA_LLM_MODEL)")
    try:
        return Generator(GeneratorConfig(
            settings.llm_url, settings.llm_model, api_key=settings.llm_api_key, timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
            context_tokens=settings.llm_context_tokens, max_seconds=settings.llm_answer_seconds,
        ))
    except ValueError as exc:
        raise InputError(f"the language model settings are not usable: {exc}") from exc


def load_models(settings: Settings, embedder: Embedder) -> Models:
    return Models(embedder, shared_reader(settings.reader_model, settings.reader_threads), make_generator(settings))
