"""Running the evaluation: ask a question set on an Assistant, in one or both settings, and build its report.

SQuAD files get their own temporary index (scored per story and over the whole corpus); a project question
set is asked over an existing index. Both settings are asked on one Assistant, interleaved question by
question with alternating order, so warm caches favour neither setting's latency.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import ArticleQAError, InputError
from .datasets import CORPUS, PER_DOC, EvalDataset, EvalQuestion, load_dataset, sample_questions, squad_documents
from .report import build_report, jsonable, write_report
from .scoring import EVAL_TOP_K, Scorer, error_row

if TYPE_CHECKING:
    from ..assistant import Assistant


def evaluate(
    dataset: str | Path,
    *,
    index_dir: str | Path | None = None,
    out: str | Path | None = None,
    limit: int | None = None,
    seed: int = 0,
    settings: Settings | None = None,
    progress: bool = True,
    squad_settings: Sequence[str] = (PER_DOC, CORPUS),
) -> dict[str, Any]:
    """Evaluate the assistant on ``dataset`` and return report.json's dict (also written to ``out``).

    JSONL question sets are asked over the index at ``index_dir`` (default ``index``); SQuAD files get
    their own temporary index and are scored per document and over the whole corpus. ``limit``/``seed``
    pick a deterministic random sample of questions (for SQuAD only the sampled questions' contexts are
    indexed, so a quick run stays quick). ``squad_settings``: which of per_doc / corpus to score (one halves
    the time, which matters when a language model writes every answer).
    """
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    ds = load_dataset(dataset)
    questions = sample_questions(ds.questions, limit, seed)
    unknown = set(squad_settings) - {PER_DOC, CORPUS}
    if unknown or not squad_settings:
        raise ValueError(f"squad_settings must name {PER_DOC!r} and/or {CORPUS!r}, not {sorted(unknown) or 'none'}")
    if ds.format == "squad":
        run = _run_squad(ds, questions, settings, progress, tuple(squad_settings))
    else:
        run = _run_question_set(questions, Path(index_dir if index_dir is not None else settings.index_dir),
                                settings, progress)
    report = build_report(ds, questions, run, limit, seed)
    report["elapsed_seconds"] = time.perf_counter() - started
    report["files"] = []
    if out is not None:
        report["files"] = write_report(report, out)
    return jsonable(report)


@dataclass
class Run:
    """What asking a question set produced: rows and seconds per setting, the index, the settings used."""

    results: dict[str, list[dict[str, Any]]]
    seconds: dict[str, float]
    index_info: dict[str, Any]
    settings: Settings


def _run_squad(ds: EvalDataset, questions: list[EvalQuestion], settings: Settings, progress: bool,
               which: tuple[str, ...] = (PER_DOC, CORPUS)) -> Run:
    """SQuAD files get their own temporary index, scored per document and over the whole corpus."""
    from ..assistant import Assistant
    from ..store import scratch_store

    docs = squad_documents(ds, questions)
    # On a Milvus server the temporary index is a collection of its own, dropped afterwards: never the user's.
    build_settings = settings.with_(store=scratch_store(settings.store, f"eval_{os.getpid()}")) if settings.store else settings
    with tempfile.TemporaryDirectory(prefix="articleqa-eval-") as tmp:
        t0 = time.perf_counter()
        fresh = {"rebuild": True} if settings.store else {}  # a collection left by a killed eval is replaced
        qa = Assistant.build(docs, index_dir=Path(tmp) / "index", settings=build_settings, progress=progress, **fresh)
        build_seconds = time.perf_counter() - t0
        try:
            info = jsonable(qa.info())
            _warm_up(qa, questions[0].doc_id)
            results, seconds = _run_settings(qa, questions, which, Scorer(qa), progress)
        finally:
            _close(qa)
            drop = getattr(getattr(qa, "store", None), "drop_everything", None)
            if callable(drop):
                drop()
    index_info: dict[str, Any] = {
        "dir": None,
        "temporary": True,
        "n_contexts": len({q.context for q in questions}),
        "n_documents_built": len(docs),
        **info,
        "build_seconds": build_seconds,
    }
    return Run(results, seconds, index_info, settings.with_(model=info.get("model") or None))


def _run_question_set(questions: list[EvalQuestion], idx: Path, settings: Settings, progress: bool) -> Run:
    """A JSONL question set is asked over an existing index."""
    from ..assistant import Assistant

    if not settings.store and not idx.exists():
        raise InputError(f"no index at {str(idx)!r}; build one first with `articleqa index articles/`")
    qa = Assistant.open(idx, settings=settings)
    try:
        info = jsonable(qa.info())
        _warm_up(qa, None)
        results, seconds = _run_settings(qa, questions, (CORPUS,), Scorer(qa), progress)
    finally:
        _close(qa)
    recorded = info.get("build_seconds")
    build_seconds = float(recorded) if isinstance(recorded, (int, float)) else None
    index_info = {"dir": str(idx), "temporary": False, **info, "build_seconds": build_seconds}
    return Run(results, seconds, index_info, settings.with_(model=info.get("model") or None))


def _run_settings(
    qa: Assistant,
    questions: Sequence[EvalQuestion],
    settings: Sequence[str],
    scorer: Scorer,
    progress: bool,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, float]]:
    """Ask every question in every setting, interleaved, and score it.

    Settings share one Assistant, and its caches (sentence vectors, ...) warm up as questions come in:
    running one setting after the other would bill all cold-cache costs to the first. Interleaving per
    question, with the order alternating, spreads them evenly so latency is comparable across settings,
    and costs one cold pass instead of one per setting (NewsQA in both settings must fit in 15 minutes).
    """
    from tqdm.auto import tqdm

    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in settings}
    seconds = dict.fromkeys(settings, 0.0)
    desc = f"eval {'+'.join(settings)}"
    with tqdm(total=len(questions) * len(settings), desc=desc, unit="q", disable=not progress) as bar:
        for i, q in enumerate(questions):
            for setting in settings if i % 2 == 0 else list(reversed(settings)):
                doc_ids = [q.doc_id] if q.doc_id and (setting == PER_DOC or q.context is None) else None
                t0 = time.perf_counter()
                try:
                    answer = qa.ask(q.question, doc_ids=doc_ids, top_k=EVAL_TOP_K, history=q.history or None)
                except Exception as exc:  # recorded in the row and counted in n_errors
                    row = error_row(q, setting, (time.perf_counter() - t0) * 1000.0, exc)
                else:
                    row = scorer.score(q, answer, setting, (time.perf_counter() - t0) * 1000.0)
                rows[setting].append(row)
                seconds[setting] += time.perf_counter() - t0
                bar.update(1)
    return rows, seconds


def _close(qa: Any) -> None:
    close = getattr(qa, "close", None)
    if callable(close):
        close()


def _warm_up(qa: Assistant, doc_id: str | None) -> None:
    # Lazy model loading must not be billed to the first question's latency.
    with contextlib.suppress(ArticleQAError):
        qa.ask("warm-up question", doc_ids=[doc_id] if doc_id else None, top_k=EVAL_TOP_K)
