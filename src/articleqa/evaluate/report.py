"""The evaluation report: report.json's dict, report.md (summary table, plots, worst questions) and the files.

Metrics of a setting are a flat dict with dotted keys (``report["per_doc"]["answer.f1"]``) so reports are
trivially diffed and tabulated; the layout is described in docs/evaluation.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import metrics as M
from .plots import write_plots
from .scoring import EVAL_TOP_K, N_CALIBRATION_BINS, RECALL_KS, aggregate

if TYPE_CHECKING:
    from .datasets import EvalDataset, EvalQuestion
    from .running import Run

N_WORST = 20


def jsonable(value: Any) -> Any:
    """Plain JSON values only: Paths and numpy scalars in manifest info become str/float, NaN becomes None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item"):  # numpy scalar
        return jsonable(value.item())
    return str(value)


def build_report(ds: EvalDataset, questions: list[EvalQuestion], run: Run, limit: int | None, seed: int) -> dict[str, Any]:
    """report.json's dict: dataset, settings, index, then the metrics and calibration of each setting."""
    report: dict[str, Any] = {
        "dataset": {
            "path": str(ds.path),
            "name": ds.name,
            "format": ds.format,
            "version": ds.version,
            "n_questions_total": len(ds.questions),
            "n_questions_evaluated": len(questions),
            "limit": limit,
            "seed": seed,
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": _version(),
        "settings": jsonable(run.settings.public_dict()),
        "index": run.index_info,
        "evaluated": list(run.results),
        "calibration": {},
    }
    build_seconds = run.index_info.get("build_seconds")
    for setting, rows in run.results.items():
        metrics = aggregate(rows, build_seconds)
        metrics["eval.seconds"] = run.seconds[setting]
        report[setting] = metrics
        bins = M.calibration_bins(
            [r["confidence"] for r in rows], [r["correct"] for r in rows], N_CALIBRATION_BINS
        )
        report["calibration"][setting] = [b.to_dict() for b in bins]
    if len(run.results) == 1:
        # Only one setting applies (project question set): its metrics are the report's metrics.
        report.update(report[next(iter(run.results))])
    report["questions"] = [row for rows in run.results.values() for row in rows]
    return report


def _version() -> str:
    from .. import __version__

    return str(__version__)


_ROW_ORDER = [
    "n_questions",
    "n_answerable",
    "n_unanswerable",
    "answer.exact_match",
    "answer.f1",
    "answer.f1_when_answered",
    "answer_rate_on_answerable",
    "evidence.hit_at_1",
    *(f"retrieval.answer_recall_at_{k}" for k in RECALL_KS),
    "retrieval.mrr",
    "citations.verbatim_rate",
    "citations.n",
    "abstention.precision",
    "abstention.recall",
    "abstention.f1",
    "followups.n",
    "followups.exact_match",
    "followups.f1",
    "calibration.ece",
    "latency_ms.p50",
    "latency_ms.p95",
    "latency_ms.mean",
    "index.build_seconds",
    "eval.seconds",
    "n_errors",
]


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or key.startswith("n_") or key.endswith(".n"):
        return str(int(value))
    if key.startswith("latency_ms."):
        return f"{value:.1f}"
    if key.endswith("seconds"):
        return f"{value:.2f}"
    return f"{value:.3f}"


def summary_table(report: dict[str, Any]) -> str:
    """A markdown table, metric rows × setting columns, for the CLI to print and report.md to embed."""
    settings = [s for s in report.get("evaluated", []) if isinstance(report.get(s), dict)]
    if not settings:
        return "(no results)"
    keys = [k for k in _ROW_ORDER if any(k in report[s] for s in settings)]
    keys += sorted({k for s in settings for k in report[s]} - set(keys))
    width = max(len("metric"), *(len(k) for k in keys))
    cols = [max(len(s), 7) for s in settings]
    lines = [
        "| "
        + "metric".ljust(width)
        + " | "
        + " | ".join(s.rjust(w) for s, w in zip(settings, cols, strict=True))
        + " |",
        "| " + "-" * width + " | " + " | ".join("-" * (w - 1) + ":" for w in cols) + " |",
    ]
    for k in keys:
        cells = [_fmt(k, report[s].get(k)).rjust(w) for s, w in zip(settings, cols, strict=True)]
        lines.append("| " + k.ljust(width) + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(text: Any, limit: int = 160) -> str:
    """Make arbitrary text safe inside a markdown table cell (pipes, newlines, length)."""
    if text is None:
        return ""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s.replace("\\", "\\\\").replace("|", "\\|")


def _badness(row: dict[str, Any]) -> float:
    if row["answerable"]:
        return 1.0 - float(row["scores"]["f1"] or 0.0)
    return 1.0 if row["predicted_answerable"] else 0.0


def worst_questions(report: dict[str, Any], setting: str, n: int = N_WORST) -> list[dict[str, Any]]:
    """The ``n`` worst-scored questions of a setting: lowest F1 / answered unanswerables, most confident first."""
    rows = [r for r in report.get("questions", []) if r["setting"] == setting and _badness(r) > 0]
    rows.sort(key=lambda r: (-_badness(r), -float(r["confidence"]), str(r["id"])))
    return rows[:n]


def _markdown(report: dict[str, Any], plots: Sequence[str]) -> str:
    ds = report["dataset"]
    idx = report.get("index", {})
    lines = [
        f"# articleqa evaluation: {ds['name']}",
        "",
        f"- dataset: `{ds['path']}` ({ds['format']}), {ds['n_questions_evaluated']} of "
        f"{ds['n_questions_total']} questions" + (f" (sample, seed {ds['seed']})" if ds.get("limit") else ""),
        f"- created: {report.get('created')}, articleqa {report.get('version')}",
        (
            f"- index: {'temporary' if idx.get('temporary') else idx.get('dir')}, "
            f"model {idx.get('model', '?')}, {idx.get('n_documents', '?')} documents, "
            f"{idx.get('n_chunks', '?')} chunks, build {_fmt('build_seconds', idx.get('build_seconds'))} s"
        ),
        f"- settings evaluated: {', '.join(report.get('evaluated', []))}; answers asked with top_k={EVAL_TOP_K}",
        "",
        "## Summary",
        "",
        summary_table(report),
        "",
        (
            "Scores are fractions (0..1). EM/F1 use the SQuAD normalisation, max over gold answers, over "
            "answerable questions (a declined answer scores 0). Recall@k: a gold answer inside one of the "
            "top-k passages."
        ),
        "",
    ]
    if plots:
        lines += ["## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots] + [""]
    for setting in report.get("evaluated", []):
        worst = worst_questions(report, setting)
        lines += [f"## {len(worst)} worst questions: {setting}", ""]
        if not worst:
            lines += ["Every question was answered correctly.", ""]
            continue
        lines += [
            "| id | question | gold | our answer | our quote | F1 | conf |",
            "| --- | --- | --- | --- | --- | ---: | ---: |",
        ]
        for r in worst:
            question = r["question"]
            if r["history"]:
                question = " → ".join([*r["history"], question])
            gold = " / ".join(r["gold"][:3]) if r["gold"] else "(unanswerable)"
            ours = r["answer"] if r["predicted_answerable"] else f"(declined) {r['answer']}"
            if r.get("error"):
                ours = f"(error) {r['error']}"
            f1 = r["scores"]["f1"]
            lines.append(
                f"| {_cell(r['id'], 40)} | {_cell(question)} | {_cell(gold, 100)} | {_cell(ours, 100)} | "
                f"{_cell(r['top_quote'], 200)} | {'—' if f1 is None else f'{f1:.2f}'} | {r['confidence']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_report(report: dict[str, Any], out: str | Path) -> list[str]:
    """Write report.json, report.md and the PNG plots into ``out``; return the file names written."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = write_plots(report, out_dir)
    files = ["report.json", "report.md", *plots]
    report["files"] = files
    (out_dir / "report.md").write_text(_markdown(report, plots), encoding="utf-8")
    (out_dir / "report.json").write_text(
        json.dumps(jsonable(report), indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8"
    )
    return files
