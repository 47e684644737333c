"""Milvus section: the NewsQA corpus and synthetic 100k / 1M chunks on a Milvus server and in the embedded
FAISS store, side by side — index time, question p50/p95, dense recall@10 against exact search, memory.

Each measurement runs in a worker subprocess. Without a server URI the worker starts a Milvus 2.3 standalone
server itself (the ``milvus`` package) inside a private network namespace (``unshare -n``, loopback only:
the server listens on every interface), so its memory is measured from /proc; with ``--store milvus://…``
it uses that server, whose memory this machine cannot see."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .common import COLD_QUESTION, peak_rss_mb, reset_peak_rss, say, summarize
from .latency import stage_latencies
from .scale import K, exact_topk, synthetic_vectors, topk_recall

MILVUS_SCALES = (100_000, 1_000_000)


def _server_memory(pid: int | None) -> dict[str, float | None]:
    """Resident and peak memory of the server process (MiB), when it runs on this machine."""
    if pid is None:
        return {"rss_mb": None, "peak_rss_mb": None}
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS"), "peak_rss_mb": fields.get("VmHWM")}


def _dense_recall(snap: Any, vectors: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    """Top-10 of the store's own dense search against exact search over the same vectors; its latency."""
    lat, found = [], np.full((len(queries), K), -1, dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        rows, _s = snap.search_dense(q, K)
        lat.append((time.perf_counter() - t) * 1000)
        found[i, : len(rows)] = rows[:K]
    truth = exact_topk(vectors, queries, K)
    return {"recall_at_10": round(topk_recall(found, truth), 4), "dense_search_ms": summarize(lat)}


def _ask(qa: Any, questions: Sequence[str]) -> tuple[dict[str, Any], list[Any]]:
    qa.ask(COLD_QUESTION)  # lazy loading (reader, spaCy) is not billed
    wall, answers = [], []
    for q in questions:
        t = time.perf_counter()
        answers.append(qa.ask(q))
        wall.append((time.perf_counter() - t) * 1000)
    stages = stage_latencies([a.timings_ms for a in answers])
    return {"question_ms": summarize(wall), "n_questions": len(questions),
            "stage_p50_ms": {k: v["p50"] for k, v in stages.items()}}, answers


def _same(a: Any, b: Any) -> bool:
    return (a.text, a.answerable, [c.to_dict() for c in a.citations]) == (
        b.text, b.answerable, [c.to_dict() for c in b.citations])


def _add_and_remove_one(qa: Any, texts: Sequence[str]) -> dict[str, Any]:
    """Seconds (and the client's peak memory) to add one new article to the index just measured — on Milvus an
    append to the generation, in the embedded store a new generation — and to remove it again, which writes a
    new generation in both (on Milvus every kept row is streamed through this client)."""
    from ..records import Document

    text = "\n\n".join(texts[:6])
    before = qa.info()
    reset_peak_rss()
    t = time.perf_counter()
    qa.add([Document("bench-added-article", "An article added after indexing", text, source="bench/added")])
    out: dict[str, Any] = {"add_one_s": round(time.perf_counter() - t, 2), "add_one_peak_rss_mb": peak_rss_mb()}
    after = qa.info()
    out.update(add_one_chunks=after["n_chunks"] - before["n_chunks"],
               add_one_by="append (commit)" if after.get("commit") else "new generation")
    reset_peak_rss()
    t = time.perf_counter()
    qa.remove("bench-added-article")
    out.update(remove_one_s=round(time.perf_counter() - t, 2), remove_one_peak_rss_mb=peak_rss_mb())
    return out


def _synthetic(n: int, data: Path, uri: str, work: Path, pid: int | None, seed: int) -> dict[str, Any]:
    from .. import Assistant
    from ..config import Settings
    from ..store import open_store
    from . import _internal

    base, queries = np.load(data / "base.npy"), np.load(data / "queries.npy")
    meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
    vectors = synthetic_vectors(base, n, seed)
    out: dict[str, Any] = {"n": n, "vectors_mb": round(vectors.nbytes / 2**20, 1)}
    for name, store_uri in (("embedded", ""), ("milvus", uri)):
        idx = work / f"index-{n}"
        store = open_store(Settings.from_env(store=store_uri, index_dir=str(idx)))
        reset_peak_rss()  # each store's own peak, not the process's (the embedded 1M build came first)
        t = time.perf_counter()
        _internal.write_synthetic_index(idx, vectors, meta["texts"], store=store)
        entry: dict[str, Any] = {"index_s": round(time.perf_counter() - t, 2)}
        qa = Assistant.open(idx, settings=Settings.from_env(store=store_uri))
        entry["vector_index"] = qa.info()["vector_index"]
        entry.update(_dense_recall(qa.snapshot(), vectors, queries))
        entry.update(_ask(qa, meta["questions"][:100])[0])
        entry["client_peak_rss_mb"] = peak_rss_mb()  # build, recall and questions
        entry.update(_add_and_remove_one(qa, meta["texts"]))
        if name == "milvus":
            entry["server"] = _server_memory(pid)
            store.drop_everything()
        shutil.rmtree(idx, ignore_errors=True)
        out[name] = entry
    return out


def _newsqa(path: Path, n_questions: int, uri: str, work: Path, pid: int | None, seed: int) -> dict[str, Any]:
    from .. import Assistant
    from ..config import Settings
    from .corpora import load_squad_corpus

    corpus = load_squad_corpus(path, n_questions, seed)
    questions = [q.question for q in corpus.questions]
    out: dict[str, Any] = {"n_documents": len(corpus.documents)}
    answers: dict[str, list[Any]] = {}
    for name, store_uri in (("embedded", ""), ("milvus", uri)):
        t = time.perf_counter()
        qa = Assistant.build(corpus.documents, index_dir=work / "newsqa", settings=Settings.from_env(store=store_uri),
                             rebuild=True)
        entry: dict[str, Any] = {"index_s": round(time.perf_counter() - t, 2), "n_chunks": qa.info()["n_chunks"]}
        measured, answers[name] = _ask(qa, questions)
        entry.update(measured)
        if name == "milvus":
            entry["server"] = _server_memory(pid)
            qa.store.drop_everything()
        out[name] = entry
    out["identical_answers"] = sum(_same(a, b) for a, b in zip(answers["embedded"], answers["milvus"], strict=True))
    return out


def _main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="articleqa.bench.milvus worker")
    p.add_argument("--data", required=True, help="scale-data folder (base.npy, queries.npy, meta.json)")
    p.add_argument("--sizes", default="", help="comma-separated synthetic sizes")
    p.add_argument("--newsqa", default=None)
    p.add_argument("--questions", type=int, default=300)
    p.add_argument("--store", default="", help="an existing Milvus server; default: start one here")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="articleqa-bench-milvus-"))
    server, pid, uri = None, None, args.store
    if not uri:
        from milvus import default_server

        default_server.set_base_dir(str(work / "milvus"))
        default_server.start()
        server, pid = default_server, int(default_server.server_proc.pid)
        uri = f"milvus://127.0.0.1:{default_server.listen_port}/bench"
    result: dict[str, Any] = {"server_started_here": server is not None, "server_idle": _server_memory(pid)}
    try:
        if args.newsqa:
            result["newsqa"] = _newsqa(Path(args.newsqa), args.questions, uri, work, pid, args.seed)
            print("PARTIAL " + json.dumps(result), flush=True)
        result["scales"] = []
        for n in [int(x) for x in args.sizes.split(",") if x]:
            result["scales"].append(_synthetic(n, Path(args.data), uri, work, pid, args.seed))
            print("PARTIAL " + json.dumps(result), flush=True)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("RESULT " + json.dumps(result), flush=True)


def run_milvus_section(
    data: Path, sizes: Sequence[int], newsqa: Path | None, store: str, timeout: float, progress: bool,
) -> dict[str, Any]:
    """The worker in its own process: in `unshare -n` with a server of its own, or against ``store``."""
    args = [sys.executable, "-c", "import sys; from articleqa.bench.milvus import _main; _main(sys.argv[1:])",
            "--data", str(data),
            "--sizes", ",".join(map(str, sizes)), *(["--newsqa", str(newsqa)] if newsqa else []),
            *(["--store", store] if store else [])]
    if not store:
        if importlib.util.find_spec("milvus") is None or importlib.util.find_spec("pymilvus") is None:
            return {"skipped": "the Milvus server and client are not installed: pip install -e '.[dev]' "
                               "(milvus==2.3.5, pymilvus==2.5.18), or give --store milvus://HOST:PORT"}
        if os.geteuid() != 0 or not shutil.which("unshare"):
            return {"skipped": "starting a Milvus server needs a private network namespace (root, unshare -n); "
                               "or give --store milvus://HOST:PORT"}
        args = ["unshare", "-n", "sh", "-c", "ip link set lo up && exec " + " ".join(map(_quote, args))]
    say(progress, f"milvus: {'NewsQA and ' if newsqa else ''}{', '.join(f'{n:,}' for n in sizes)} chunks "
                  f"(subprocess, timeout {timeout:.0f} s)")
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
        stdout = proc.stdout
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        proc = None
    lines = [ln for ln in stdout.splitlines() if ln.startswith(("RESULT ", "PARTIAL "))]
    if not lines:
        return {"measured": False, "reason": "no result" if proc is None else (proc.stderr.strip().splitlines()
                                                                               or ["no output"])[-1][:300]}
    result = json.loads(lines[-1].split(" ", 1)[1])
    result["complete"] = lines[-1].startswith("RESULT ")
    return result


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)



def _row(what: str, name: str, e: dict[str, Any]) -> str:
    q = e.get("question_ms", {})
    dense = e.get("dense_search_ms", {})
    server = e.get("server") or {}
    index = e.get("vector_index", {}).get("index_type") or e.get("vector_index", {}).get("kind", "")
    mem = f"{server.get('rss_mb')} / {server.get('peak_rss_mb')}" if server.get("rss_mb") is not None else "—"
    add = f"{e['add_one_s']} ({e['add_one_by']})" if "add_one_s" in e else "—"
    remove = str(e["remove_one_s"]) if "remove_one_s" in e else "—"
    client = e.get("client_peak_rss_mb", "—")
    return (f"| {what} | {name} | {e.get('index_s', '—')} | {q.get('p50', '—')} / {q.get('p95', '—')} | "
            f"{e.get('recall_at_10', '—')} | {dense.get('p50', '—')} | {index or '—'} | {mem} | {client} | {add} | "
            f"{remove} |")


def milvus_markdown(report: dict[str, Any]) -> list[str]:
    """The Milvus section of bench.md: one row per corpus and backend."""
    m = report.get("milvus")
    if not m:
        return []
    lines = ["## Milvus vs embedded FAISS", ""]
    if "skipped" in m or m.get("measured") is False:
        return [*lines, f"Not measured: {m.get('skipped') or m.get('reason')}.", ""]
    lines += ["| corpus | store | index s | question p50 / p95 ms | dense recall@10 | dense search p50 ms | "
              "index | server RSS / peak MiB | client peak MiB | add 1 article s | remove it s |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    if "newsqa" in m:
        n = m["newsqa"]
        for name in ("embedded", "milvus"):
            lines.append(_row(f"NewsQA ({n[name]['n_chunks']:,} chunks)", name, n[name]))
    for s in m.get("scales", []):
        for name in ("embedded", "milvus"):
            lines.append(_row(f"synthetic {s['n']:,}", name, s[name]))
    if "newsqa" in m:
        lines += ["", f"NewsQA: {m['newsqa']['identical_answers']} of {m['newsqa']['milvus']['n_questions']} answers "
                      "(text and citations) identical between the stores."]
    lines += ["", f"Idle server: {m.get('server_idle')}. Complete: {m.get('complete')}. Question times are the whole "
                  "pipeline (retrieval, reader, verified quotes) through `Assistant.ask`.", ""]
    return lines
