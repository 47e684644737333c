"""The trained span reader (models/reader/): question + passages → scored answer spans and no-answer scores.

Runs the shipped ONNX graph with onnxruntime and the model's own tokenizer.json with ``tokenizers`` — no torch,
no network. Each passage is read as question + passage windows (doc stride); every window scores its best
spans (start + end logits) against its own no-answer score ([CLS]).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArticleQAError

MODEL_FILES = ("reader.json", "tokenizer.json")
TOP_STARTS = 20  # start and end candidates per window; the best span is almost always among them


class ReaderModelError(ArticleQAError):
    """The reader model is missing or unreadable."""


@dataclass(frozen=True)
class ReaderSpec:
    """reader.json: how the model reads and what it was measured to do."""

    model_file: str
    max_length: int = 256
    stride: int = 96
    max_question_tokens: int = 48
    max_answer_tokens: int = 30
    threshold: float = 0.5  # calibrated confidence below which the answer is declined
    calibration: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ReaderSpec:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class SpanProposal:
    passage: int  # index into the passages read
    start: int  # absolute offsets into the document's text
    end: int
    score: float  # start + end logit
    null_score: float  # the no-answer score of the window it was read in


@dataclass
class Reading:
    spans: list[SpanProposal]  # best first, one per (passage, start, end)
    null_scores: list[float]  # per passage: its lowest window no-answer score
    windows: int = 0

    @property
    def best(self) -> SpanProposal | None:
        return self.spans[0] if self.spans else None

    @property
    def min_null(self) -> float:
        return min(self.null_scores) if self.null_scores else 0.0


def find_model_dir(configured: str | None) -> Path:
    """The configured folder, else models/reader beside the source tree (a checkout or editable install)."""
    if configured:
        return Path(configured)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "models" / "reader"
        if (candidate / "reader.json").is_file():
            return candidate
    return here.parents[3] / "models" / "reader"


class Reader:
    """One loaded model; safe to call from many threads (onnxruntime sessions are)."""

    def __init__(self, model_dir: Path, threads: int = 1) -> None:
        self.model_dir = model_dir
        fix = (f"the reader model in {model_dir} is {{}}; restore it with `git checkout -- models/reader` "
               "(or point ARTICLEQA_READER_MODEL at a folder made by `make train-reader`)")
        for name in MODEL_FILES:
            if not (model_dir / name).is_file():
                raise ReaderModelError(fix.format(f"missing {name}"))
        try:
            self.spec = ReaderSpec.load(model_dir / "reader.json")
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ReaderModelError(fix.format(f"unreadable (reader.json: {exc})")) from exc
        model_path = model_dir / self.spec.model_file
        if not model_path.is_file():
            raise ReaderModelError(fix.format(f"missing {self.spec.model_file}"))
        try:
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self._question_tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self._question_tokenizer.no_truncation()
            self._question_tokenizer.no_padding()
            self._tokenizer.no_padding()
            self._tokenizer.enable_truncation(self.spec.max_length, stride=self.spec.stride, strategy="only_second")
            self._session = _session(model_path, threads)
        except ReaderModelError:
            raise
        except Exception as exc:  # onnxruntime raises its own types for a damaged graph
            raise ReaderModelError(fix.format(f"damaged ({type(exc).__name__}: {str(exc)[:200]})")) from exc

    def _question(self, question: str) -> str:
        enc = self._question_tokenizer.encode(question, add_special_tokens=False)
        if len(enc.ids) <= self.spec.max_question_tokens:
            return question
        return question[: enc.offsets[self.spec.max_question_tokens - 1][1]]

    def read(self, question: str, texts: Sequence[str], offsets: Sequence[int], top: int = 5) -> Reading:
        """Read each text (a passage at absolute offset ``offsets[i]`` of its document) for ``question``."""
        question = self._question(" ".join(question.split()))
        encodings = self._tokenizer.encode_batch([(question, t) for t in texts])
        windows: list[tuple[int, Any]] = []
        for i, enc in enumerate(encodings):
            windows += [(i, w) for w in (enc, *enc.overflowing)]
        if not windows:
            return Reading([], [])
        width = max(len(w.ids) for _, w in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for r, (_, w) in enumerate(windows):
            n = len(w.ids)
            ids[r, :n], types[r, :n], mask[r, :n] = w.ids, w.type_ids, 1
        start_logits, end_logits = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        best: dict[tuple[int, int, int], SpanProposal] = {}
        null = [np.inf] * len(texts)
        for r, (i, w) in enumerate(windows):
            n = len(w.ids)
            s, e = start_logits[r, :n], end_logits[r, :n]
            null_score = float(s[0] + e[0])
            null[i] = min(null[i], null_score)
            in_context = np.array([sid == 1 for sid in w.sequence_ids])
            for score, a, b in window_spans(s, e, in_context, self.spec.max_answer_tokens, top):
                start, end = offsets[i] + w.offsets[a][0], offsets[i] + w.offsets[b][1]
                key = (i, start, end)
                if key not in best or best[key].score < score:
                    best[key] = SpanProposal(i, start, end, score, null_score)
        spans = sorted(best.values(), key=lambda p: -p.score)
        return Reading(spans, [float(x) for x in null], len(windows))


def window_spans(
    start: np.ndarray, end: np.ndarray, in_context: np.ndarray, max_tokens: int, top: int
) -> list[tuple[float, int, int]]:
    """Best (score, first token, last token) spans inside the context: start ≤ end < start + max_tokens."""
    s = np.where(in_context, start, -np.inf)
    e = np.where(in_context, end, -np.inf)
    k = min(TOP_STARTS, int(in_context.sum()))
    if k == 0:
        return []
    starts = np.argpartition(-s, k - 1)[:k]
    ends = np.argpartition(-e, k - 1)[:k]
    grid = s[starts][:, None] + e[ends][None, :]
    length = ends[None, :] - starts[:, None]
    grid = np.where((length >= 0) & (length < max_tokens), grid, -np.inf)
    order = np.argsort(grid, axis=None)[::-1][:top]
    out = []
    for flat in order:
        a, b = divmod(int(flat), k)
        if not np.isfinite(grid[a, b]):
            break
        out.append((float(grid[a, b]), int(starts[a]), int(ends[b])))
    return out


def _session(path: Path, threads: int) -> Any:
    """An onnxruntime session; a graph stored with fp16 weights is widened to fp32 in memory first."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    source: Any = str(path)
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    if any(p.key == "articleqa.stored_as" and p.value == "fp16" for p in model.metadata_props):
        from onnx import numpy_helper

        for init in model.graph.initializer:
            if init.data_type == onnx.TensorProto.FLOAT16:
                init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float32), init.name))
        source = model.SerializeToString()
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
