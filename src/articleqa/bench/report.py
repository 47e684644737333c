"""bench.json → bench.md and the scale plots; the targets table; run metadata."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .common import load_average
from .llm import markdown as llm_markdown
from .milvus import milvus_markdown

TARGETS = {"question_p50_ms": 40.0, "question_p95_ms": 100.0, "indexing_chunks_per_s_ratio": 1.5}


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


# ---------------------------------------------------------------------------------------------- plots
def _scale_curves(rows: Sequence[dict[str, Any]]) -> dict[str, tuple[str, dict[str, list[Any]]]]:
    return {
        "scale_search_ms.png": ("search p50 (ms)", {
            "dense": [r["dense_search_ms"]["p50"] for r in rows],
            "bm25": [r["bm25_search_ms"]["p50"] for r in rows],
        }),
        "scale_build_s.png": ("build time (s)", {
            "dense": [r["dense_build_s"] for r in rows], "bm25": [r["bm25_build_s"] for r in rows],
        }),
        "scale_rss_mb.png": ("peak RSS (MB)", {"worker peak": [r["peak_rss_mb"] for r in rows]}),
        "scale_recall.png": ("dense recall@10 vs exact", {"recall@10": [r["recall_at_10"] for r in rows]}),
    }


def write_plots(report: dict[str, Any], out: Path) -> list[str]:
    """One PNG per scale curve (chunks on a log axis); none when no size was measured."""
    rows = [r for r in report.get("scale", []) if r.get("measured")]
    if not rows:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["n"] for r in rows]
    written = []
    for name, (ylabel, series) in _scale_curves(rows).items():
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        for label, ys in series.items():
            ax.plot(ns, ys, marker="o", label=label)
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        written.append(name)
    return written


# ---------------------------------------------------------------------------------------------- markdown
def _header(report: dict[str, Any]) -> list[str]:
    m = report["meta"]
    lines = [
        "# articleqa benchmarks",
        "",
        f"{m['date']} · articleqa {m['version']} · Python {m['python']} · torch {m['torch']} "
        f"({m['torch_threads']} threads) · faiss {m['faiss']} · {m['cpus']} CPUs · load average at start "
        f"{m['load_average_start']}, end {m.get('load_average_end')} · quick={m['quick']}",
        "",
        "Wall-clock timings on a shared machine: read medians and ratios, not single numbers.",
        "",
    ]
    for note in report.get("notes", []):
        lines.append(f"> {note}")
    if report.get("notes"):
        lines.append("")
    return lines


def _corpora_table(report: dict[str, Any]) -> list[str]:
    lines = ["## Corpora: indexing, questions, memory, disk", "",
             "| corpus | docs | chunks | docs/s | chunks/s | tokens/s | embedding share | bytes/chunk | "
             "peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, c in report["corpora"].items():
        if "indexing" not in c:
            lines.append(f"| {name} | skipped: {c.get('skipped', '')} | | | | | | | |")
            continue
        ix = c["indexing"]
        lines.append(
            f"| {name} | {ix['n_documents']} | {ix['n_chunks']} | {_fmt(ix['documents_per_s'])} | "
            f"{_fmt(ix['chunks_per_s'])} | {_fmt(ix['tokens_per_s'], 0)} | {ix['embedding_share']:.0%} | "
            f"{_fmt(ix['disk']['bytes_per_chunk'], 0)} | {_fmt(c.get('peak_rss_mb'))} |"
        )
    lines.append("")
    return lines


def _corpus_latency(name: str, c: dict[str, Any]) -> list[str]:
    q = c["questions"]
    ix = c["indexing"]["seconds"]
    lines = [
        f"### {name}: question latency per stage (ms, corpus setting, {q['n_questions']} questions)", "",
        f"Indexing ({c['indexing'].get('backend', 'torch')} encoder, {c['indexing'].get('n_sentences', '–')} "
        f"sentences embedded, chunk vectors pooled from them) seconds: chunking {ix['chunking']}, embedding "
        f"{ix['embedding']}, pooling {_fmt(ix.get('pooling'), 3)}, writing {ix['writing']}, "
        f"total {ix['total']}"
        + (f" ({c['indexing']['seconds_note']})" if c["indexing"].get("seconds_note") else "")
        + ". Answer-recall@5 (gold answer inside a top-5 passage): "
        f"{_fmt(q.get('answer_recall_at_5'), 3)} over {q['n_with_gold']} questions with gold answers.",
        "", "| stage | p50 | p95 |", "|---|---:|---:|",
    ]
    for stage, v in q["latency_ms"].items():
        lines.append(f"| {stage} | {_fmt(v['p50'], 2)} | {_fmt(v['p95'], 2)} |")
    lines += ["", f"Biggest cost centres (p50): {', '.join(q['cost_centres_p50'])}.", ""]
    return lines


def _baseline(b: dict[str, Any], r: dict[str, Any]) -> list[str]:
    return [
        f"**Baseline** (plain sentence-transformers, {b['chunking']}, IndexFlatIP, question = encode + "
        f"search): {b['n_chunks']} chunks, {_fmt(b['chunks_per_s'])} chunks/s; question p50 "
        f"{_fmt(b['question_ms']['p50'], 2)} ms / p95 {_fmt(b['question_ms']['p95'], 2)} ms with "
        f"{b['question_threads']} torch thread(s) (library default threads: p50 "
        f"{_fmt(b['question_ms_library_default_threads']['p50'], 2)} ms); answer-recall@5 "
        f"{_fmt(b.get('answer_recall_at_5'), 3)}.", "",
        "| ours ÷ baseline | ratio |", "|---|---:|",
        f"| indexing chunks/s | {_fmt(r['indexing_chunks_per_s'], 2)} |",
        f"| indexing documents/s | {_fmt(r['indexing_documents_per_s'], 2)} |",
        f"| question latency p50 | {_fmt(r['question_p50'], 2)} |",
        f"| question latency p95 | {_fmt(r['question_p95'], 2)} |",
        f"| answer-recall@5 (ours − baseline) | {_fmt(r['answer_recall_at_5_delta'], 3)} |", "",
        "The latency ratio compares our whole answer pipeline (retrieval, the span reader, verified "
        "quotes) with the baseline's encode + search only.", "",
    ]


def _start_up(report: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    rl = report.get("reader_load")
    if rl:
        lines += ["## Reader model load", "",
                  f"`{rl['model']}` ({rl['megabytes']} MB): loaded into a new onnxruntime session in median "
                  f"**{_fmt(rl['median_ms'], 0)} ms** (runs: {rl['ms']}).", ""]
    cs = report.get("cold_start")
    if cs:
        lines += ["## Cold start", "",
                  f"Fresh process → `Assistant.open(index).ask(...)` → first answer, index `{cs['index_dir']}`: "
                  f"median **{_fmt(cs['median_ms'], 0)} ms** of {cs['runs']} (runs: {cs['ms']})."
                  + (f" Errors: {cs['errors']}" if cs["errors"] else ""), ""]
    return lines


def _scale_row(r: dict[str, Any]) -> str:
    if not r.get("measured"):
        return f"| {r['n']:,} | not measured: {r.get('reason')} | | | | | | | | | |"
    p = ", ".join(f"{k}={v}" for k, v in r["index"]["params"].items()) or "–"
    qt = r.get("question", {}).get("latency_ms", {}).get("total", {})
    return (
        f"| {r['n']:,} | {r['index']['kind']} | {p} | {_fmt(r['dense_build_s'], 2)} | "
        f"{_fmt(r['dense_search_ms']['p50'], 2)} / {_fmt(r['dense_search_ms']['p95'], 2)} | "
        f"{_fmt(r['recall_at_10'], 3)} | {_fmt(r['bm25_build_s'], 2)} | "
        f"{_fmt(r['bm25_search_ms']['p50'], 2)} / {_fmt(r['bm25_search_ms']['p95'], 2)} | "
        f"{_fmt(qt.get('p50'), 1)} / {_fmt(qt.get('p95'), 1)} | "
        f"{_fmt(r.get('index_bytes', 0) / 2**20, 0)} | {_fmt(r['peak_rss_mb'], 0)} |"
    )


def _scale_detail(r: dict[str, Any]) -> str:
    parts = [f"RSS after vectors {_fmt(r.get('rss_after_vectors_mb'), 0)} MB, after dense index (and, for ANN, "
             f"ground truth + an exact index for comparison) {_fmt(r.get('rss_after_dense_mb'), 0)} MB, peak "
             f"(after BM25 and the full index build) {_fmt(r.get('peak_rss_mb'), 0)} MB"]
    qs = r.get("question")
    if qs:
        stages = ", ".join(f"{k} {_fmt(v['p50'], 2)}" for k, v in qs["latency_ms"].items() if k != "total")
        parts.append(f"full index written in {_fmt(r.get('full_index_build_s'), 1)} s and opened in "
                     f"{_fmt(qs['open_s'], 2)} s; {qs['n_questions']} questions, p50 per stage (ms): {stages}")
    if r.get("sweep"):
        key = "nprobe" if "nprobe" in r["sweep"][0] else "ef_search"
        sweep = ", ".join(f"{x[key]} → {x['recall_at_10']:.3f} ({x['p50_ms']:.2f} ms)" for x in r["sweep"])
        flat = r.get("flat_for_comparison", {})
        parts.append(f"{key} sweep (recall@10, p50): {sweep}")
        parts.append(f"exact search at this size: p50 {_fmt(flat.get('search_ms', {}).get('p50'), 2)} ms")
    return f"- {r['n']:,}: " + "; ".join(parts) + "."


def _scale(report: dict[str, Any], plots: Sequence[str]) -> list[str]:
    if not report.get("scale"):
        return []
    lines = ["## Scale (synthetic chunks; one subprocess each)", "",
             "| chunks | index | params | dense build s | dense p50/p95 ms | recall@10 | bm25 build s | "
             "bm25 p50/p95 ms | whole question p50/p95 ms | index on disk MB | peak RSS MB |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [_scale_row(r) for r in report["scale"]]
    lines.append("")
    lines += [_scale_detail(r) for r in report["scale"] if r.get("measured")]
    lines += ["", report.get("scale_note", ""), ""]
    lines += [f"![{p}]({p})" for p in plots]
    lines.append("")
    return lines


def _backend_row(name: str, b: dict[str, Any]) -> str:
    if "error" in b:
        return f"| {name} | error: {b['error']} | | | | | | |"
    qm, qe = b.get("question_ms") or {}, b.get("question_embedding_ms") or {}
    return (
        f"| {name} | {_fmt(b.get('indexing_chunks_per_s'))} | {_fmt(b.get('indexing_speedup_vs_torch'), 2)} | "
        f"{_fmt(qm.get('p50'), 1)} / {_fmt(qm.get('p95'), 1)} | {_fmt(qe.get('p50'), 2)} | "
        f"{_fmt(b.get('answer_recall_at_5'), 3)} | {_fmt(b.get('answer_recall_at_5_delta'), 3)} | "
        f"{_fmt(b.get('mean_cosine_to_torch'), 4)} |"
    )


def _backends(report: dict[str, Any]) -> list[str]:
    ox = report.get("onnx")
    if not ox:
        return []
    if not ox.get("backends"):
        return ["## Embedding backends", "", str(ox.get("skipped", "")), ""]
    lines = ["## Embedding backends (torch vs ONNX Runtime)", "",
             f"Each backend indexes {ox.get('corpus', 'the corpus')} and answers the same "
             f"{ox.get('n_questions', '')} questions (corpus setting).", "",
             "| backend | indexing chunks/s | speed-up | question p50 / p95 ms | question encode p50 ms | "
             "answer-recall@5 | Δ vs torch | mean cos to torch |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [_backend_row(name, b) for name, b in ox["backends"].items()]
    lines += ["", ox.get("note", ""), ""]
    return lines


def _load(report: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if report.get("load"):
        ld = report["load"]
        lines += ["## Load (concurrent users)", "",
                  f"{ld['users']} threads, {ld['questions']} questions in {ld['seconds']} s = "
                  f"{ld['questions_per_s']} questions/s; latency p50 {_fmt(ld['latency_ms']['p50'], 1)} ms, "
                  f"p95 {_fmt(ld['latency_ms']['p95'], 1)} ms; errors {ld['n_errors']}.", ""]
    if report.get("ui_load"):
        ul = report["ui_load"]
        lines += ["## Load on the web UI (gradio_client users on loopback)", "",
                  f"{ul['users']} users × {ul['questions_per_user']} questions: {ul['completed']} answered, "
                  f"{ul['errors']} errors, {ul['throughput_qps']} questions/s, latency p50 {_fmt(ul['p50_ms'], 0)} ms, "
                  f"p95 {_fmt(ul['p95_ms'], 0)} ms (max {_fmt(ul['max_ms'], 0)} ms).", ""]
    return lines


def _targets_table(report: dict[str, Any]) -> list[str]:
    t = report.get("targets")
    if not t:
        return []
    lines = ["## Targets", "", "| target | wanted | measured | met |", "|---|---:|---:|---|"]
    for row in t:
        lines.append(f"| {row['what']} | {row['wanted']} | {_fmt(row['measured'], 2)} | "
                     f"{'yes' if row['met'] else 'no' if row['met'] is not None else '–'} |")
    lines.append("")
    return lines


def render_markdown(report: dict[str, Any], plots: Sequence[str]) -> str:
    lines = _header(report) + _corpora_table(report)
    for name, c in report["corpora"].items():
        if "questions" not in c:
            continue
        lines += _corpus_latency(name, c)
        if c.get("baseline"):
            lines += _baseline(c["baseline"], c["vs_baseline"])
    lines += _start_up(report) + _scale(report, plots) + _backends(report) + _load(report) + llm_markdown(report)
    lines += milvus_markdown(report)
    lines += _targets_table(report)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- report data
def strip_private(obj: Any) -> Any:
    """Drop ``_``-keys (in-memory hand-offs such as chunk vectors) and numpy scalars before writing JSON."""
    if isinstance(obj, dict):
        return {k: strip_private(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list):
        return [strip_private(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _scale_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for r in report.get("scale", []):
        q50 = r.get("question", {}).get("latency_ms", {}).get("total", {}).get("p50") if r.get("measured") else None
        if q50 is not None and r["n"] >= 1_000_000:
            rows.append({"what": f"whole question p50 (ms) at {r['n']:,} chunks", "wanted": "< 100", "measured": q50,
                         "met": q50 < 100})
        if r.get("measured") and r["index"]["kind"] != "flat":
            rows.append({"what": f"ANN recall@10 at {r['n']:,}", "wanted": "≥ 0.95", "measured": r["recall_at_10"],
                         "met": r["recall_at_10"] >= 0.95})
    return rows


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target, what was measured and whether it was met (None when not measured)."""
    c = report["corpora"].get("newsqa-dev") or report["corpora"].get("article") or {}
    total = c.get("questions", {}).get("latency_ms", {}).get("total", {})
    ratio = c.get("vs_baseline", {}).get("indexing_chunks_per_s")
    rows = []
    for what, wanted, got, ok in (
        ("question latency p50 (ms)", "≤ 40", total.get("p50"), lambda v: v <= TARGETS["question_p50_ms"]),
        ("question latency p95 (ms)", "≤ 100", total.get("p95"), lambda v: v <= TARGETS["question_p95_ms"]),
        ("indexing chunks/s ÷ baseline", "≥ 1.5", ratio, lambda v: v >= TARGETS["indexing_chunks_per_s_ratio"]),
    ):
        rows.append({"what": what, "wanted": wanted, "measured": got, "met": ok(got) if got is not None else None})
    cold = (report.get("cold_start") or {}).get("median_ms")
    if cold is not None:
        rows.append({"what": "cold start to first answer (ms)", "wanted": "< 10,000", "measured": cold,
                     "met": cold < 10_000})
    return rows + _scale_targets(report)


def meta_info(quick: bool, seed: int, n_questions: int) -> dict[str, Any]:
    """What the numbers were measured with: versions, CPUs, load average."""
    import faiss
    import torch

    from .. import __version__

    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "faiss": getattr(faiss, "__version__", "?"),
        "cpus": os.cpu_count(),
        "load_average_start": load_average(),
        "quick": quick,
        "seed": seed,
        "n_questions": n_questions,
    }
