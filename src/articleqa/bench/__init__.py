"""Benchmarks and load tests, driving the public API (:class:`articleqa.Assistant`) and the served UI.

``articleqa bench [--quick] [--load] [--index-dir index] [--out bench] [--articles DIR] [--questions FILE]
[--newsqa FILE]`` writes ``bench.json``, ``bench.md`` and one PNG per scale curve into ``--out``.

What is measured (all in this process unless said otherwise; timings are wall clock, medians and p95):

* corpora (:mod:`.corpora`, :mod:`.indexing`, :mod:`.latency`) — the bundled article (``articles/``) and
  NewsQA dev (``../shared/datasets/newsqa-dev.json``, skipped with a note when absent): indexing throughput
  per stage through ``Assistant.add``, question latency per stage (``Answer.timings_ms``) in the corpus
  setting, answer-recall@5, peak RSS, bytes on disk per chunk.
* baseline (:mod:`.baseline`) — plain sentence-transformers on the same corpus: fixed 150-word chunks,
  ``IndexFlatIP``, question = encode + search. Our indexing chunks/s and question latency are reported as
  ratios to it.
* cold start (:mod:`.coldstart`) — a fresh ``python -c`` process from start to its first answer over an
  existing index; the reader model's load time.
* scale (:mod:`.scale`) — 10k/100k/1M synthetic chunks (real chunk embeddings mixed and perturbed, real
  chunk texts reused), each in its own subprocess so its peak RSS is its own; the vector index kind and
  parameters are the ones ``articleqa.store.choose_spec`` picks; recall@10 against exact search.
* onnx (:mod:`.backends`) — the same model on ONNX Runtime (fp32 and int8) vs torch: encode speed and
  answer-recall@5.
* load (``--load``, :mod:`.loadtest`) — threads asking one Assistant at once, and gradio_client users on
  the UI served on a loopback port: throughput and latency.

What the bench takes from beneath the public API is listed, with reasons, in :mod:`._internal`.
"""

from __future__ import annotations

from .baseline import fixed_chunks, run_baseline
from .common import BenchQuestion, Corpus, peak_rss_mb, summarize
from .runner import run_bench
from .scale import exact_topk, synthetic_vectors

__all__ = [
    "BenchQuestion", "Corpus", "exact_topk", "fixed_chunks", "peak_rss_mb", "run_baseline", "run_bench",
    "summarize", "synthetic_vectors",
]
