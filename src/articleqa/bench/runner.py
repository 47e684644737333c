"""``run_bench``: every benchmark in order, one bench.json / bench.md / PNG set per run."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import DEFAULT_MODEL, Settings
from . import _internal
from .backends import compare_backends
from .baseline import compare_with_baseline, run_baseline
from .coldstart import cold_start, reader_load
from .common import FALLBACK_QUESTIONS, BenchQuestion, Corpus, load_average, peak_rss_mb, say
from .corpora import NEWSQA_NAME, CorpusPaths, load_article_corpus, load_squad_corpus, resolve_paths
from .indexing import index_corpus
from .latency import ask_questions
from .llm import written_answers
from .loadtest import load_test, ui_load_test
from .milvus import MILVUS_SCALES, run_milvus_section
from .report import meta_info, render_markdown, strip_private, targets, write_plots
from .scale import run_scales, write_scale_data

FULL_SCALES = (10_000, 100_000, 1_000_000)
QUICK_SCALES = (10_000,)


@dataclass
class _Run:
    """What every section of one run needs: options, the shared model, a scratch folder, and hand-offs."""

    settings: Any
    embedder: Any
    work: Path
    quick: bool
    load: bool
    progress: bool
    last_texts: list[str] = field(default_factory=list)
    last_vectors: np.ndarray | None = None
    last_questions: list[BenchQuestion] = field(default_factory=list)
    article_index: Path | None = None
    article_questions: list[BenchQuestion] = field(default_factory=list)
    llm_settings: Any = None  # with a language model: only the written-answers section uses it


def _corpora(paths: CorpusPaths, run: _Run, n_questions: int, seed: int, report: dict[str, Any]) -> list[Corpus]:
    corpora = [load_article_corpus(paths.articles, paths.questions)]
    if run.quick:
        report["notes"].append("quick mode: bundled article and the 10k scale only (no NewsQA, no ONNX)")
    elif paths.newsqa is not None:
        corpora.append(load_squad_corpus(paths.newsqa, n_questions, seed))
    else:
        report["notes"].append(f"NewsQA not found at {paths.newsqa_missing}: skipped (results cover the article "
                               "only; set --newsqa PATH)")
        report["corpora"][NEWSQA_NAME] = {"skipped": f"{paths.newsqa_missing} not found"}
    return corpora


def _against_baseline(corpus: Corpus, entry: dict[str, Any], run: _Run) -> None:
    say(run.progress, f"{corpus.name}: baseline")
    threads = 1 if run.embedder.small_batch_threads == 1 else None
    entry["baseline"] = run_baseline(corpus, run.embedder.model, threads=threads)
    entry["vs_baseline"] = compare_with_baseline(entry, entry["baseline"])


def _load_tests(corpus: Corpus, qa: Any, idx: Path, run: _Run, report: dict[str, Any]) -> None:
    say(run.progress, f"{corpus.name}: load test")
    report["load"] = load_test(qa, corpus.questions)
    users, per_user = (5, 4) if run.quick else (50, 10)
    say(run.progress, f"{corpus.name}: UI server load test, {users} gradio_client users × {per_user}")
    report["ui_load"] = ui_load_test(str(idx), corpus.questions, users, per_user)


def _bench_corpus(corpus: Corpus, last: bool, run: _Run, report: dict[str, Any]) -> dict[str, Any]:
    """Index, ask, measure memory; the last corpus also meets the baseline and, with ``load``, the load tests."""
    from .. import Assistant

    say(run.progress, f"{corpus.name}: indexing {len(corpus.documents)} documents")
    idx = run.work / f"index-{corpus.name}"
    ix = index_corpus(corpus, idx, run.settings, run.embedder)
    run.last_texts, run.last_vectors = ix.pop("_texts"), ix.pop("_vectors")
    entry: dict[str, Any] = {"indexing": ix}
    qa = Assistant.open(idx, settings=run.settings)
    say(run.progress, f"{corpus.name}: asking {len(corpus.questions)} questions")
    entry["questions"] = ask_questions(qa, corpus.questions)
    entry["peak_rss_mb"] = peak_rss_mb()
    entry["peak_rss_note"] = "process peak so far (monotonic across sections; includes the model)"
    if corpus.name == "article":
        run.article_index, run.article_questions = idx, list(corpus.questions)
    if last:
        _against_baseline(corpus, entry, run)
        run.last_questions = corpus.questions
        if run.load:
            _load_tests(corpus, qa, idx, run, report)
    return entry


def _cold_start(index_dir: str | Path | None, cold_runs: int, run: _Run, report: dict[str, Any]) -> None:
    """The project's default index if it exists, else the article index built above."""
    if cold_runs <= 0:
        return
    given = Path(index_dir) if index_dir else None
    target = given if given is not None and (given / "manifest.json").is_file() else run.article_index
    if target is not None:
        say(run.progress, f"cold start x{cold_runs} on {target}")
        report["cold_start"] = cold_start(target.resolve(), cold_runs)


def _scale(scales: Sequence[int], seed: int, timeout: float, run: _Run, report: dict[str, Any]) -> None:
    if not scales:
        return
    vectors = run.last_vectors if run.last_vectors is not None else np.zeros((0, run.embedder.dim), np.float32)
    qtexts = [q.question for q in run.last_questions][:200] or list(FALLBACK_QUESTIONS)
    qvecs = run.embedder.encode(qtexts)
    report["scale"] = run_scales(scales, vectors, run.last_texts, qtexts, qvecs, run.work, seed, timeout,
                                 run.progress)
    report["scale_note"] = (
        f"Vectors: real chunk embeddings of the last corpus ({len(vectors)} chunks) mixed "
        "(a + 0.5·b) and perturbed with gaussian noise (norm 0.5), renormalised; texts cycle over the real "
        f"chunk texts; queries: {len(qvecs)} real question embeddings. Index kind and parameters are "
        "store.choose_spec's; recall@10 is against exact search over the same vectors."
    )


def _milvus(sizes: Sequence[int], newsqa: Path | None, store: str, timeout: float, run: _Run,
            report: dict[str, Any]) -> None:
    """The Milvus section (only when asked for: it starts a server, or uses the one ``store`` names)."""
    vectors = run.last_vectors if run.last_vectors is not None else np.zeros((0, run.embedder.dim), np.float32)
    qtexts = [q.question for q in run.last_questions][:200] or list(FALLBACK_QUESTIONS)
    data = write_scale_data(run.work, vectors, run.last_texts, qtexts, run.embedder.encode(qtexts))
    report["milvus"] = run_milvus_section(data, sizes, newsqa, store, timeout, run.progress)


def _write(report: dict[str, Any], out_dir: Path, progress: bool) -> dict[str, Any]:
    report["targets"] = targets(report)
    report["meta"]["load_average_end"] = load_average()
    report["meta"]["peak_rss_mb"] = peak_rss_mb()
    report = strip_private(report)
    plots = write_plots(report, out_dir)
    report["plots"] = plots
    (out_dir / "bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "bench.md").write_text(render_markdown(report, plots), encoding="utf-8")
    say(progress, f"wrote {out_dir / 'bench.md'}")
    return report


def _sections(
    run: _Run, paths: CorpusPaths, report: dict[str, Any], *, index_dir: str | Path | None, scales: Sequence[int],
    n_questions: int, seed: int, cold_runs: int, onnx: bool, scale_timeout: float, milvus: str | None = None,
    milvus_scales: Sequence[int] = MILVUS_SCALES,
) -> None:
    corpora = _corpora(paths, run, n_questions, seed, report)
    for corpus in corpora:
        key = corpus.name if corpus.name == "article" else NEWSQA_NAME
        report["corpora"][key] = _bench_corpus(corpus, corpus is corpora[-1], run, report)
    report["reader_load"] = reader_load(run.settings)
    _cold_start(index_dir, cold_runs, run, report)
    _scale(scales, seed, scale_timeout, run, report)
    if run.llm_settings is not None and run.article_index is not None:
        llm = run.llm_settings
        say(run.progress, f"written answers by {llm.llm_model} at {llm.llm_url}")
        report["llm"] = written_answers(run.article_index, llm,
                                        [q.question for q in run.article_questions] or list(FALLBACK_QUESTIONS))
    if milvus is not None:
        _milvus(milvus_scales, paths.newsqa if not run.quick else None, milvus, scale_timeout, run, report)
    if onnx and corpora:
        say(run.progress, f"embedding backends (torch / onnx / onnx-int8) on {corpora[-1].name}")
        report["onnx"] = compare_backends(corpora[-1], run.settings, run.embedder, run.work)
    else:
        report["onnx"] = {"skipped": "quick mode (or onnx=False): backends not compared"}


def run_bench(
    out: str | Path = "bench",
    index_dir: str | Path | None = None,
    quick: bool = False,
    load: bool = False,
    *,
    articles: str | Path | None = None,
    newsqa: str | Path | None = None,
    questions: str | Path | None = None,
    scales: Sequence[int] | None = None,
    n_questions: int = 300,
    seed: int = 0,
    cold_runs: int | None = None,
    onnx: bool | None = None,
    scale_timeout: float = 2400.0,
    progress: bool = True,
    settings: Settings | None = None,
    milvus: str | None = None,
    milvus_scales: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Run the benchmarks and write bench.json, bench.md and PNG curves into ``out``; returns bench.json's dict.

    ``quick``: the bundled article and the first scale only (10k), no NewsQA, no ONNX, one cold start.
    ``articles``/``questions``/``newsqa`` default to ``articles``, ``eval/questions.jsonl`` and
    ``../shared/datasets/newsqa-dev.json`` relative to the current directory (the project root under
    ``make bench``); keyword arguments point at other corpora and sizes (the tests use tiny ones).
    ``settings``: the caller's (the CLI's); from the environment when None.
    ``milvus``: also run the Milvus section — ``""`` starts a server of its own (root: inside ``unshare -n``),
    a ``milvus://`` URI uses that server; ``milvus_scales`` its synthetic sizes (default 100k and 1M).
    """
    paths = resolve_paths(articles, questions, newsqa)  # bad paths fail before any model is loaded
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = settings or Settings.from_env()
    settings = settings.with_(model=settings.model or DEFAULT_MODEL)
    llm_settings = settings if settings.llm_url else None
    settings = settings.with_(llm_url="")  # every other section measures the extractive pipeline
    embedder = _internal.shared_embedder(settings)
    embedder.encode(["load the model before timing anything"])
    report: dict[str, Any] = {"meta": meta_info(quick, seed, n_questions), "notes": list(paths.notes),
                              "corpora": {}}
    run = _Run(settings, embedder, Path(tempfile.mkdtemp(prefix="articleqa-bench-")), quick, load, progress,
               llm_settings=llm_settings)
    try:
        _sections(
            run, paths, report, index_dir=index_dir,
            scales=tuple(scales) if scales is not None else (QUICK_SCALES if quick else FULL_SCALES),
            n_questions=n_questions, seed=seed, cold_runs=cold_runs if cold_runs is not None else (1 if quick else 3),
            onnx=(not quick) if onnx is None else onnx, scale_timeout=scale_timeout, milvus=milvus,
            milvus_scales=tuple(milvus_scales) if milvus_scales is not None else (() if quick else MILVUS_SCALES),
        )
    finally:
        shutil.rmtree(run.work, ignore_errors=True)
    return _write(report, out_dir, progress)
