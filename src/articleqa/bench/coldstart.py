"""Start-up costs a user waits through: a fresh process's first answer, and loading the reader model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from . import _internal
from .common import COLD_QUESTION, median


def _rounded_median(times: list[float]) -> float | None:
    m = median(times)
    return round(m, 1) if m is not None else None


def reader_load(settings: Any, runs: int = 3) -> dict[str, Any]:
    """Time to load the shipped reader (ONNX graph + tokenizer) into a new session, median of ``runs``."""
    path = _internal.find_model_dir(settings.reader_model or None)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        _internal.Reader(path, threads=settings.reader_threads)
        times.append((time.perf_counter() - t) * 1000)
    spec = json.loads((path / "reader.json").read_text(encoding="utf-8"))
    model_file = path / spec["model_file"]
    return {"model": str(model_file), "megabytes": round(model_file.stat().st_size / 1e6, 1),
            "ms": [round(t, 1) for t in times], "median_ms": _rounded_median(times)}


def cold_start(index_dir: Path, runs: int, question: str = COLD_QUESTION, timeout: float = 600) -> dict[str, Any]:
    """Fresh interpreter → Assistant.open(index).ask(...) → first answer; wall ms, median of ``runs``."""
    code = textwrap.dedent(
        f"""
        import time
        from articleqa import Assistant
        a = Assistant.open({str(index_dir)!r}).ask({question!r})
        print("ANSWERED", repr(time.time()), flush=True)
        """
    )
    times, errors = [], []
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for _ in range(runs):
        start = time.time()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            errors.append(f"timed out after {timeout:.0f} s")
            continue
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("ANSWERED")), None)
        if proc.returncode != 0 or line is None:
            errors.append((proc.stderr.strip().splitlines() or ["no output"])[-1][:200])
            continue
        times.append((float(line.split()[1]) - start) * 1000)
    return {
        "index_dir": str(index_dir),
        "runs": runs,
        "ms": [round(t, 1) for t in times],
        "median_ms": _rounded_median(times),
        "errors": errors,
    }
