"""Question + context windows for the span reader, and batches of them.

Windows follow the doc-stride shape of Hugging Face's run_qa: a long context is read in overlapping windows of
MAX_LEN tokens; a window that misses the answer points at [CLS], so span scores stay comparable across the
windows of a long story. The runtime reader (answer/reader.py) reads with the same numbers, from reader.json.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .data import QAExample

MAX_LEN = 256
STRIDE = 96
MAX_QUESTION_TOKENS = 48
MAX_ANSWER_TOKENS = 30



@dataclass
class Feature:
    input_ids: list[int]
    token_type_ids: list[int]
    start: int
    end: int


def featurize(tokenizer: Any, examples: Sequence[QAExample], with_labels: bool = True) -> tuple[list[Feature], list[dict[str, Any]]]:
    """Question + context windows (doc stride); labels point at the answer's tokens or at [CLS] (index 0)."""
    enc = tokenizer(
        [e.question.strip()[:400] for e in examples],
        [e.context for e in examples],
        truncation="only_second",
        max_length=MAX_LEN,
        stride=STRIDE,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    features: list[Feature] = []
    windows: list[dict[str, Any]] = []
    for i, ids in enumerate(enc["input_ids"]):
        ex_i = enc["overflow_to_sample_mapping"][i]
        e = examples[ex_i]
        seq = enc.sequence_ids(i)
        offsets = enc["offset_mapping"][i]
        ctx_tokens = [t for t, s in enumerate(seq) if s == 1]
        start_tok = end_tok = 0
        if with_labels and e.answer_start >= 0 and ctx_tokens:
            a0, a1 = e.answer_start, e.answer_start + len(e.answers[0])
            first, last = ctx_tokens[0], ctx_tokens[-1]
            if offsets[first][0] <= a0 and offsets[last][1] >= a1:
                s = first
                while s <= last and offsets[s][1] <= a0:
                    s += 1
                t = last
                while t >= first and offsets[t][0] >= a1:
                    t -= 1
                if s <= t:
                    start_tok, end_tok = s, t
        features.append(Feature(list(ids), list(enc["token_type_ids"][i]), start_tok, end_tok))
        windows.append({
            "example": ex_i,
            "offsets": [o if s == 1 else None for o, s in zip(offsets, seq, strict=True)],
        })
    return features, windows


def batches(features: Sequence[Feature], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Length-bucketed batches (little padding), in random order."""
    order = list(range(len(features)))
    rng.shuffle(order)
    out: list[list[int]] = []
    chunk = batch_size * 50
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda j: len(features[j].input_ids))
        out += [part[k : k + batch_size] for k in range(0, len(part), batch_size)]
    rng.shuffle(out)
    return out


def collate(features: Sequence[Feature], device: str = "cpu") -> dict[str, Any]:
    """Padded tensors of one batch, on ``device``."""
    import torch

    width = max(len(f.input_ids) for f in features)
    ids = torch.zeros((len(features), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for r, f in enumerate(features):
        n = len(f.input_ids)
        ids[r, :n] = torch.tensor(f.input_ids)
        types[r, :n] = torch.tensor(f.token_type_ids)
        mask[r, :n] = 1
    batch = {
        "input_ids": ids, "token_type_ids": types, "attention_mask": mask,
        "start_positions": torch.tensor([f.start for f in features]),
        "end_positions": torch.tensor([f.end for f in features]),
    }
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}
