"""The evaluation report's plots: answer recall@k, latency histograms and a reliability diagram (PNG files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .datasets import CORPUS, PER_DOC
from .scoring import CORRECT_F1, RECALL_KS

_COLORS = {PER_DOC: "#1f77b4", CORPUS: "#d62728"}


def write_plots(report: dict[str, Any], out_dir: Path) -> list[str]:
    """Recall@k curves, latency histograms and a reliability diagram, drawn with the Agg canvas.

    Uses matplotlib's object API (Figure + savefig) rather than pyplot, so no global backend is switched
    and nothing is shown -- safe inside the CLI, tests and a running UI alike.
    """
    settings = [s for s in report.get("evaluated", []) if isinstance(report.get(s), dict)]
    name = report["dataset"]["name"]
    return [
        _plot_recall(report, settings, name, out_dir),
        _plot_latency(report, settings, name, out_dir),
        _plot_calibration(report, settings, name, out_dir),
    ]


def _plot_recall(report: dict[str, Any], settings: list[str], name: str, out_dir: Path) -> str:
    """Answer recall@k, one line per setting."""
    from matplotlib.figure import Figure

    colors = _COLORS
    fig = Figure(figsize=(7, 4.8), dpi=120)
    ax = fig.add_subplot()
    drawn = False
    for i, s in enumerate(settings):
        ys = [report[s].get(f"retrieval.answer_recall_at_{k}") for k in RECALL_KS]
        if any(y is None for y in ys):
            continue
        drawn = True
        ax.plot(RECALL_KS, ys, marker="o", linewidth=2, color=colors.get(s), label=s)
        for k, y in zip(RECALL_KS, ys, strict=True):
            ax.annotate(
                f"{y:.2f}",
                (k, y),
                textcoords="offset points",
                xytext=(0, 8 if i % 2 == 0 else -16),
                ha="center",
                fontsize=9,
                color=colors.get(s),
            )
    ax.set_xticks(list(RECALL_KS))
    ax.set_xlim(0.5, RECALL_KS[-1] + 0.5)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("k (top passages retrieved)")
    ax.set_ylabel("answer recall@k (answerable questions)")
    ax.set_title(f"Answer recall@k: {name}")
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(loc="lower right")
    else:
        ax.text(0.5, 0.5, "no answerable questions", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(out_dir / "recall_at_k.png")
    return "recall_at_k.png"


def _panels(settings: list[str], height: float) -> tuple[Any, Any]:
    """A figure with one panel per setting, side by side."""
    from matplotlib.figure import Figure

    n = max(len(settings), 1)
    fig = Figure(figsize=(5.5 * n, height), dpi=120)
    return fig, fig.subplots(1, n, squeeze=False)[0]


def _save(fig: Any, title: str, out_dir: Path, filename: str) -> str:
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_dir / filename)
    return filename


def _plot_latency(report: dict[str, Any], settings: list[str], name: str, out_dir: Path) -> str:
    """Latency histograms, one panel per setting."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    colors = _COLORS
    fig, axes = _panels(settings, 4.2)
    for ax, s in zip(axes, settings, strict=False):
        lat = [r["latency_ms"] for r in report.get("questions", []) if r["setting"] == s]
        if lat:
            n_bins = min(40, max(5, len(lat) // 5))
            lo, hi = max(min(lat), 1e-3), max(lat)
            if (
                hi / lo > 20
            ):  # long tail: log-spaced bins on a log axis keep both the body and the tail legible
                edges = [lo * (hi / lo) ** (i / n_bins) for i in range(n_bins + 1)]
                ax.hist(lat, bins=edges, color=colors.get(s, "#555555"), alpha=0.8)
                ax.set_xscale("log")
                # Plain-number ticks at 1-2-5 steps; matplotlib's default log labels (2x10^1, ...) collide.
                ticks = [m * 10**e for e in range(-1, 7) for m in (1, 2, 5) if lo <= m * 10**e <= hi]
                ax.set_xticks(ticks)
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
                ax.xaxis.set_minor_formatter(NullFormatter())
                ax.set_xlabel("latency per question (ms, log scale)")
            else:
                ax.hist(lat, bins=n_bins, color=colors.get(s, "#555555"), alpha=0.8)
                ax.set_xlabel("latency per question (ms)")
            p50, p95 = report[s].get("latency_ms.p50"), report[s].get("latency_ms.p95")
            if p50 is not None:
                ax.axvline(p50, color="black", linestyle="--", label=f"p50 = {p50:.1f} ms")
            if p95 is not None:
                ax.axvline(p95, color="orange", linestyle="-", label=f"p95 = {p95:.1f} ms")
            ax.legend()
        ax.set_ylabel("questions")
        ax.set_title(f"{s} ({len(lat)} questions)")
        ax.grid(alpha=0.3)
    return _save(fig, f"ask() latency: {name}", out_dir, "latency.png")


def _plot_calibration(report: dict[str, Any], settings: list[str], name: str, out_dir: Path) -> str:
    """Reliability diagram, one panel per setting."""
    colors = _COLORS
    fig, axes = _panels(settings, 5)
    for ax, s in zip(axes, settings, strict=False):
        bins = report.get("calibration", {}).get(s, [])
        width = (bins[0]["hi"] - bins[0]["lo"]) if bins else 0.1
        ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
        dots: list[tuple[float, float]] = []
        for b in bins:
            if not b["count"]:
                continue
            center = (b["lo"] + b["hi"]) / 2
            ax.bar(
                center,
                b["accuracy"],
                width=width * 0.9,
                color=colors.get(s, "#555555"),
                alpha=0.75,
                edgecolor="black",
                linewidth=0.5,
            )
            dots.append((b["mean_confidence"], b["accuracy"]))
            ax.annotate(
                f"n={b['count']}",
                (center, b["accuracy"]),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                fontsize=7,
            )
        if dots:
            ax.plot(
                *zip(*dots, strict=True), "o", color="black", markersize=3, label="mean confidence in bin"
            )
        ece = report[s].get("calibration.ece")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.1)
        ax.set_xlabel("confidence")
        ax.set_ylabel(f"accuracy (answered with F1 ≥ {CORRECT_F1})")
        ax.set_title(f"{s}: ECE {'—' if ece is None else f'{ece:.3f}'}")
        ax.legend(loc="upper left")
        ax.grid(alpha=0.3)
    return _save(fig, f"Confidence vs accuracy: {name}", out_dir, "calibration.png")
