"""Training data for the span reader: any set of SQuAD-format files, each a *source* with an optional cap or
weight, a held-aside slice of every source, and unanswerable look-alikes made from the data itself.

A source is written ``PATH``, ``PATH:N`` (at most N questions, whole paragraphs drawn at random) or ``PATH:xK``
(every training question K times, for a small source worth more than its size). Paragraphs, not questions, are
held aside, so no held-aside paragraph is ever trained on; the held-aside slices feed the learning curve and the
confidence calibration. Evaluation sets are never read here.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..metrics import normalize_answer


@dataclass(frozen=True)
class QAExample:
    qid: str
    question: str
    context: str
    answers: tuple[str, ...]
    answer_start: int  # of answers[0] in context; -1 when there is no answer in this context
    group: str  # the paragraph (or story) the question was written about
    source: str = ""  # the training file it came from (its stem)
    kind: str = "answerable"  # answerable | unanswerable (written by people) | bm25 | random | deleted | swapped


@dataclass(frozen=True)
class SourceSpec:
    path: str
    cap: int = 0  # >0: at most this many questions, whole paragraphs drawn at random
    weight: int = 1  # each training question repeated this many times

    @property
    def name(self) -> str:
        return Path(self.path).name.removesuffix(".json")

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        path, _, opt = text.strip().rpartition(":") if re.search(r":x?\d+$", text.strip()) else (text.strip(), "", "")
        if not opt:
            return cls(path)
        if opt.startswith("x"):
            return cls(path, weight=max(1, int(opt[1:])))
        return cls(path, cap=int(opt))


@dataclass
class DataConfig:
    """How the prepared set is made: sources, the held-aside share and the share of each made-up negative."""

    sources: list[str] = field(default_factory=lambda: ["../shared/datasets/train/squad-train-pool.json"])
    seed: int = 13
    heldout_fraction: float = 0.05
    heldout_cap: int = 400  # at most this many held-aside questions per source (calibration cost stays bounded)
    retrieval_negatives: float = 0.3  # share of answerable questions also paired with a look-alike paragraph
    random_negatives: float = 0.05  # ... and with a random paragraph of another article
    swapped_negatives: float = 0.2  # ... asked about another name/date than their paragraph's (entity swap)
    deleted_negatives: float = 0.2  # ... asked over their paragraph without the sentence that answers
    unanswerable_weight: int = 1  # people-written unanswerable questions repeated this many times


def expand_sources(items: Iterable[str]) -> list[SourceSpec]:
    """Source specs, globs expanded (``train/squadshifts-*.json:5000``), each file once."""
    out: list[SourceSpec] = []
    seen: set[str] = set()
    for item in items:
        if not item.strip():
            continue
        spec = SourceSpec.parse(item)
        matches = sorted(Path().glob(spec.path)) if any(c in spec.path for c in "*?[") else [Path(spec.path)]
        for p in matches:
            if not p.is_file():
                raise FileNotFoundError(f"training source not found: {p} (give a SQuAD-format JSON file)")
            if str(p) not in seen:
                seen.add(str(p))
                out.append(SourceSpec(str(p), spec.cap, spec.weight))
    return out


def _read(path: str | Path) -> list[dict[str, Any]]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["data"]


def squad_examples(path: str | Path, prefix: str = "", source: str = "") -> list[QAExample]:
    """Every question of a SQuAD v1/v2 file; an answer whose offset is off is looked up in its context."""
    return _examples(_read(path), prefix, source)


def _examples(data: list[dict[str, Any]], prefix: str, source: str) -> list[QAExample]:
    out: list[QAExample] = []
    for a_i, article in enumerate(data):
        for p_i, para in enumerate(article["paragraphs"]):
            ctx = para["context"]
            group = f"{prefix}{a_i}:{p_i}"
            for qa in para["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", []) if a["text"].strip())
                if qa.get("is_impossible") or not answers:
                    out.append(QAExample(str(qa["id"]), qa["question"], ctx, (), -1, group, source, "unanswerable"))
                    continue
                first = qa["answers"][0]
                start = int(first["answer_start"])
                if ctx[start : start + len(first["text"])] != first["text"]:
                    start = ctx.find(first["text"])
                    if start < 0:
                        continue
                out.append(QAExample(str(qa["id"]), qa["question"], ctx, answers, start, group, source))
    return out


def _titles(data: list[dict[str, Any]], prefix: str) -> dict[str, str]:
    return {f"{prefix}{a_i}:{p_i}": f"{prefix}{article.get('title', '')}"
            for a_i, article in enumerate(data) for p_i, _ in enumerate(article["paragraphs"])}


def load_sources(specs: Sequence[SourceSpec], seed: int) -> tuple[list[QAExample], dict[str, str]]:
    """Every source's examples (a question asked twice about the same paragraph kept once, caps applied by
    paragraph) and each paragraph group's title; groups are prefixed by source so files stay apart."""
    examples: list[QAExample] = []
    titles: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        prefix = f"{spec.name}/"
        data = _read(spec.path)  # parsed once for its titles and its questions
        titles.update(_titles(data, prefix))
        own = _examples(data, prefix, spec.name)
        if spec.cap and len(own) > spec.cap:
            groups = sorted({e.group for e in own})
            random.Random(f"{seed}:{spec.name}").shuffle(groups)
            keep: set[str] = set()
            count = 0
            per_group: dict[str, int] = {}
            for e in own:
                per_group[e.group] = per_group.get(e.group, 0) + 1
            for g in groups:
                if count >= spec.cap:
                    break
                keep.add(g)
                count += per_group[g]
            own = [e for e in own if e.group in keep]
        for e in own:
            key = (normalize_answer(e.question), e.context[:200])
            if key not in seen:
                seen.add(key)
                examples.append(e)
    return examples, titles


def _contains_answer(answers: Sequence[str], text: str) -> bool:
    norm = normalize_answer(text)
    return any(normalize_answer(a) in norm for a in answers)


def lookalike_negatives(examples: Sequence[QAExample], contexts: dict[str, str], titles: dict[str, str],
                        cfg: DataConfig, rng: random.Random) -> list[QAExample]:
    """Answerable questions paired with a paragraph that does not answer them: the BM25 look-alike (what
    retrieval hands the reader when the articles don't say) and a random one of another article."""
    import bm25s

    groups = sorted(contexts)
    if len(groups) < 2:
        return []
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([contexts[g] for g in groups], stopwords="en", show_progress=False),
                    show_progress=False)
    answerable = [e for e in examples if e.answers]
    picked = [e for e in answerable if rng.random() < cfg.retrieval_negatives]
    out: list[QAExample] = []
    if picked:
        q_tokens = bm25s.tokenize([e.question for e in picked], stopwords="en", show_progress=False)
        docs, _ = retriever.retrieve(q_tokens, k=min(4, len(groups)), show_progress=False)
        for e, row in zip(picked, docs, strict=True):
            for idx in row:
                g = groups[int(idx)]
                if g == e.group or _contains_answer(e.answers, contexts[g]):
                    continue
                out.append(QAExample(e.qid + "#bm25", e.question, contexts[g], (), -1, g, e.source, "bm25"))
                break
    for e in answerable:
        if rng.random() >= cfg.random_negatives:
            continue
        for _ in range(5):
            g = rng.choice(groups)
            untitled = titles.get(g, "").rsplit("/", 1)[-1] in ("", "untitled")
            if titles.get(g) != titles.get(e.group) or untitled:
                if not _contains_answer(e.answers, contexts[g]):
                    out.append(QAExample(e.qid + "#rand", e.question, contexts[g], (), -1, g, e.source, "random"))
                break
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")
SWAP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "EVENT", "FAC", "WORK_OF_ART", "LAW", "PRODUCT",
               "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "TIME"}


def deleted_negatives(examples: Sequence[QAExample], share: float, rng: random.Random) -> list[QAExample]:
    """The question over its paragraph minus the sentence(s) holding the answer: same topic, no answer."""
    out = []
    for e in examples:
        if not e.answers or rng.random() >= share:
            continue
        bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(e.context)] + [len(e.context)]
        a0, a1 = e.answer_start, e.answer_start + len(e.answers[0])
        kept = [e.context[s:t] for s, t in itertools.pairwise(bounds) if t <= a0 or s >= a1]
        rest = "".join(kept).strip()
        if len(rest) < 80 or _contains_answer(e.answers, rest):
            continue
        out.append(QAExample(e.qid + "#deleted", e.question, rest, (), -1, e.group, e.source, "deleted"))
    return out


def swapped_negatives(examples: Sequence[QAExample], share: float, rng: random.Random) -> list[QAExample]:
    """SQuAD2-style look-alikes: a name, date or number of the question replaced by one of the same kind that
    its paragraph never mentions, so the paragraph no longer answers it."""
    from ..nlp import pipeline

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
                out.append(QAExample(e.qid + "#swapped", question, e.context, (), -1, e.group, e.source, "swapped"))
                break
    return out


def with_negatives(examples: list[QAExample], titles: dict[str, str], cfg: DataConfig,
                   rng: random.Random) -> list[QAExample]:
    contexts = {e.group: e.context for e in examples}
    return (examples + lookalike_negatives(examples, contexts, titles, cfg, rng)
            + deleted_negatives(examples, cfg.deleted_negatives, rng)
            + swapped_negatives(examples, cfg.swapped_negatives, rng))


@dataclass
class PreparedSet:
    """What training needs, independent of where it runs: the train list, held-aside list and their recipe."""

    train: list[QAExample]
    heldout: list[QAExample]
    config: dict[str, Any]
    sources: list[dict[str, Any]]

    def save(self, path: Path) -> None:
        """One gzip JSON file; each context stored once (by hash), so the whole set travels in a few MB."""
        contexts: dict[str, str] = {}

        def row(e: QAExample) -> list[Any]:
            key = hashlib.sha1(e.context.encode()).hexdigest()[:16]
            contexts.setdefault(key, e.context)
            return [e.qid, e.question, key, list(e.answers), e.answer_start, e.group, e.source, e.kind]

        payload = {"config": self.config, "sources": self.sources,
                   "train": [row(e) for e in self.train], "heldout": [row(e) for e in self.heldout]}
        payload["contexts"] = contexts
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as fh:
            json.dump(payload, fh, separators=(",", ":"))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PreparedSet:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            payload = json.load(fh)
        ctx = payload["contexts"]

        def example(r: list[Any]) -> QAExample:
            return QAExample(r[0], r[1], ctx[r[2]], tuple(r[3]), int(r[4]), r[5], r[6], r[7])

        return cls([example(r) for r in payload["train"]], [example(r) for r in payload["heldout"]],
                   payload["config"], payload["sources"])


def build(cfg: DataConfig, max_examples: int = 0) -> PreparedSet:
    """(train, held-aside) from every source: paragraphs split per source, negatives made on each side."""
    rng = random.Random(cfg.seed)
    specs = expand_sources(cfg.sources)
    examples, titles = load_sources(specs, cfg.seed)
    by_source: dict[str, list[QAExample]] = {}
    for e in examples:
        by_source.setdefault(e.source, []).append(e)
    train: list[QAExample] = []
    heldout: list[QAExample] = []
    summary = []
    held_rng = random.Random(cfg.seed + 1)
    for spec in specs:
        own = by_source.get(spec.name, [])
        groups = sorted({e.group for e in own})
        rng.shuffle(groups)
        held = set(groups[: int(len(groups) * cfg.heldout_fraction)])
        own_train = [e for e in own if e.group not in held]
        own_held = [e for e in own if e.group in held]
        if cfg.heldout_cap and len(own_held) > cfg.heldout_cap:
            own_held = held_rng.sample(own_held, cfg.heldout_cap)
        summary.append({"source": spec.name, "path": spec.path, "cap": spec.cap, "weight": spec.weight,
                        "questions": len(own), "paragraphs": len(groups), "held_aside": len(own_held)})
        train += [e for e in own_train for _ in range(spec.weight)] if spec.weight > 1 else own_train
        heldout += own_held
    train = with_negatives(train, titles, cfg, rng)
    if cfg.unanswerable_weight > 1:
        train += [e for e in train if e.kind == "unanswerable"] * (cfg.unanswerable_weight - 1)
    heldout = with_negatives(heldout, titles, cfg, held_rng)
    rng.shuffle(train)
    if max_examples:
        train = train[:max_examples]
        heldout = heldout[: max(8, max_examples // 4)]
    kinds: dict[str, int] = {}
    for e in train:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    for s in summary:
        s["train_examples"] = sum(1 for e in train if e.source == s["source"])
    return PreparedSet(train, heldout, {**asdict(cfg), "train_kinds": kinds}, summary)
