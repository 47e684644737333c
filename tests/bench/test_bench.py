"""`articleqa bench --quick` on a tiny corpus writes bench.json/bench.md/PNGs with the documented keys.

No timing assertions: the numbers depend on the machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from articleqa import bench

STORY = (
    "Officials from the United States and Iran will meet in Muscat, Oman, on Friday, the foreign ministry said. "
    "The talks were moved from Rome after Oman offered to host them. A spokesman confirmed the date.\n\n"
    "Arab and Muslim leaders urged Washington not to walk away from the talks, two diplomats said."
)


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("bench")
    articles = root / "articles"
    articles.mkdir()
    (articles / "story.txt").write_text("Talks in Oman\n\n" + STORY, encoding="utf-8")
    questions = root / "questions.jsonl"
    questions.write_text(
        "\n".join(json.dumps(q) for q in [
            {"id": "a", "question": "Where will the officials meet?", "answers": ["Muscat"]},
            {"id": "b", "question": "When will they meet?", "answers": ["Friday"]},
        ]),
        encoding="utf-8",
    )
    out = root / "out"
    report = bench.run_bench(
        out=out, index_dir=None, quick=True, load=True, articles=articles, questions=questions, scales=(2000,),
        cold_runs=1, progress=False,
    )
    return report, out


@pytest.mark.slow  # a real bench run: index, encode, ask and plot (about 30 s)
def test_quick_bench_writes_files_and_keys(quick_report: tuple[dict, Path]) -> None:
    report, out = quick_report
    assert (out / "bench.json").is_file() and (out / "bench.md").is_file()
    on_disk = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert on_disk["meta"]["quick"] is True
    art = on_disk["corpora"]["article"]
    for key in ("documents_per_s", "chunks_per_s", "tokens_per_s", "embedding_share", "disk", "seconds"):
        assert key in art["indexing"]
    assert art["indexing"]["disk"]["bytes_per_chunk"] > 0
    assert "total" in art["questions"]["latency_ms"]
    assert {"p50", "p95"} <= set(art["questions"]["latency_ms"]["total"])
    assert "answer_recall_at_5" in art["questions"]
    assert art["peak_rss_mb"] > 0
    for key in ("chunks_per_s", "question_ms", "answer_recall_at_5"):
        assert key in art["baseline"]
    assert {"indexing_chunks_per_s", "question_p50", "question_p95"} <= set(art["vs_baseline"])
    assert "median_ms" in on_disk["cold_start"]
    (scale,) = on_disk["scale"]
    assert scale["n"] == 2000 and scale["measured"] is True, scale
    for key in ("index", "dense_build_s", "dense_search_ms", "bm25_search_ms", "recall_at_10", "peak_rss_mb"):
        assert key in scale
    assert scale["question"]["n_questions"] >= 1 and "total" in scale["question"]["latency_ms"]
    assert "skipped" in on_disk["onnx"]
    assert on_disk["load"]["questions"] > 0 and on_disk["load"]["n_errors"] == 0
    assert on_disk["ui_load"]["completed"] == 20 and on_disk["ui_load"]["errors"] == 0
    assert on_disk["targets"]
    md = (out / "bench.md").read_text(encoding="utf-8")
    assert "# articleqa benchmarks" in md and "Cold start" in md and "Scale" in md
    for png in on_disk["plots"]:
        assert (out / png).is_file()
    assert report["corpora"]["article"]["indexing"]["n_chunks"] >= 1


def test_helpers() -> None:
    assert bench.summarize([])["p50"] is None
    s = bench.summarize([1.0, 2.0, 3.0, 4.0])
    assert s["p50"] == 2.5 and s["n"] == 4
    assert bench.fixed_chunks("a b c d e", words=2) == ["a b", "c d", "e"]
    base = np.eye(4, dtype=np.float32)
    v = bench.synthetic_vectors(base, 10, seed=0)
    assert v.shape == (10, 4) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    truth = bench.exact_topk(v, v[:2], 3, block=4)
    assert truth[0][0] == 0 and truth[1][0] == 1


@pytest.mark.slow  # exports the encoder twice (fp32, int8) and loads torch: a build
def test_onnx_backend_matches_torch(tmp_path: Path) -> None:
    """The optional ONNX Runtime backend the bench compares: same vectors as torch (fp32), close for int8."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from articleqa.embedding import Embedder

    cache = tmp_path / "onnx"
    torch_emb = Embedder(backend="torch")
    texts = ["Where are the talks held?", STORY, "A short one."]
    ref = torch_emb.encode(texts)
    for backend, floor in (("onnx", 0.9999), ("onnx-int8", 0.95)):
        emb = Embedder(backend=backend, onnx_cache=cache)
        emb._model = torch_emb.model
        got = emb.encode(texts)
        assert got.shape == ref.shape and got.dtype == np.float32
        assert np.min(np.sum(got * ref, axis=1)) >= floor
        assert emb.encode_query(texts[0]).shape == (ref.shape[1],)
        # A second process finds the export on disk and needs neither torch nor sentence-transformers.
        cached = Embedder(backend=backend, onnx_cache=cache)
        assert np.allclose(cached.encode(texts), got, atol=1e-5)
        assert cached._model is None and cached.dim == ref.shape[1]


@pytest.mark.slow  # an ONNX export and int8 quantisation: a build
def test_a_fresh_machine_exports_the_default_encoder_on_first_use(tmp_path: Path) -> None:
    """No export on disk and no model loaded yet: the first encode loads the model, exports, quantises."""
    from articleqa.embedding import Embedder

    emb = Embedder(backend="onnx-int8", onnx_cache=tmp_path / "onnx")
    vectors = emb.encode(["Where are the talks held?"])
    assert vectors.shape == (1, 384) and emb.backend == "onnx-int8"
    assert list((tmp_path / "onnx").rglob("model-int8.onnx"))


def test_default_paths_are_relative_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No articles/ here: a one-line error naming the option; a missing NewsQA default is a note, not an error."""
    from articleqa.bench.corpora import resolve_paths
    from articleqa.errors import InputError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="--articles"):
        resolve_paths(None, None, None)
    (tmp_path / "articles").mkdir()
    with pytest.raises(InputError, match="--newsqa"):
        resolve_paths(None, None, tmp_path / "missing.json")
    paths = resolve_paths(None, None, None)
    assert paths.articles == Path("articles") and paths.newsqa is None and paths.questions is None
    assert any("--questions" in note for note in paths.notes)


def test_the_bench_does_not_import_the_ui() -> None:
    """It drives the served UI over HTTP like a user; the UI's internals are not its business."""
    import ast

    package = Path(bench.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").endswith("ui"), f"{path.name} imports {node.module}"


def test_the_peak_memory_can_be_started_again_so_a_step_reports_its_own() -> None:
    """The Milvus section measures each store in one worker process: without a reset, the Milvus store's
    client peak would include the embedded build before it (it did: 12.3 GB at 1M was mostly that)."""
    import numpy as np

    from articleqa.bench.common import peak_rss_mb, reset_peak_rss

    block = np.ones(200_000_000 // 8)
    high = peak_rss_mb()
    del block
    if not reset_peak_rss():
        pytest.skip("/proc/self/clear_refs cannot be written here")
    assert peak_rss_mb() < high - 150
