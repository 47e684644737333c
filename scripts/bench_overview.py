"""Overview latency: "Summarize the article about …" over an index of one article and of 300 articles.

Usage: .venv/bin/python scripts/bench_overview.py [--newsqa ../shared/datasets/newsqa-dev.json] [--repeat 20]

The 300-article index is the four bundled articles plus NewsQA dev stories (read in place, indexed in a temporary
folder). Each question is asked with the answer cache off, so every ask retrieves, picks the article and selects
its sentences; "first" is an article's first overview (its sentences read from the index), "again" the later ones.
Prints p50/p95 in milliseconds per setting.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from articleqa import Assistant
from articleqa.config import Settings
from articleqa.records import Document

ROOT = Path(__file__).resolve().parent.parent
TOPICS = {"us-iran-talks-oman.txt": "the Iran nuclear talks", "vantor-foods-quarterly-profit.txt": "Vantor Foods",
          "warehouse-fire-harlow-creek.txt": "the Harlow Creek warehouse fire",
          "westmere-library-contract.txt": "the Westmere library contract"}


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure(qa: Assistant, topics: list[str], repeat: int) -> dict[str, float]:
    first, again = [], []
    for n in range(repeat):
        for topic in topics:
            t = time.perf_counter()
            answer = qa.ask(f"Summarize the article about {topic}")
            ms = (time.perf_counter() - t) * 1000
            assert answer.kind == "overview" and answer.answerable, (topic, answer.text)
            (first if n == 0 else again).append(ms)
    return {"n": len(first) + len(again), "first_p50": _p(first, 0.5), "again_p50": _p(again, 0.5),
            "again_p95": _p(again, 0.95), "all_p50": statistics.median(first + again)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--newsqa", default=str(ROOT.parent / "shared" / "datasets" / "newsqa-dev.json"))
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    settings = Settings.from_env().with_(answer_cache=0)
    report: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        one = Assistant.build([str(ROOT / "articles" / "vantor-foods-quarterly-profit.txt")],
                              index_dir=Path(tmp) / "one", settings=settings)
        report["1 article"] = measure(one, ["Vantor Foods"], args.repeat)
        data = json.loads(Path(args.newsqa).read_text(encoding="utf-8"))
        stories = [(a.get("title") or f"story {i}", p["context"]) for i, a in enumerate(data["data"])
                   for p in a["paragraphs"]][: args.articles - len(TOPICS)]
        docs = [Document(f"newsqa-{i}", title, text, source=f"newsqa#{i}") for i, (title, text) in enumerate(stories)]
        t = time.perf_counter()
        many = Assistant.build([str(ROOT / "articles"), *docs], index_dir=Path(tmp) / "many", settings=settings)
        built = time.perf_counter() - t
        n_docs = len(many.documents())
        report[f"{n_docs} articles"] = measure(many, list(TOPICS.values()), args.repeat)
        report[f"{n_docs} articles"]["build_s"] = built
    for name, r in report.items():
        print(f"{name:14s} " + "  ".join(f"{k} {v:.1f}" for k, v in r.items()))


if __name__ == "__main__":
    main()
