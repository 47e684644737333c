"""Reader training on a handful of questions: sources, prepared sets, the loss falls, resuming, weights in
pieces, and a result that loads as a reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paths import FIXTURES

FIXTURE = FIXTURES / "reader" / "tiny-squad.json"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from articleqa.training.data import DataConfig, build

    path = tmp_path_factory.mktemp("prepared") / "tiny.json.gz"
    build(DataConfig(sources=[str(FIXTURE)], heldout_fraction=0.0)).save(path)
    return path


@pytest.mark.slow
def test_a_tiny_training_run_lowers_the_loss_and_exports_a_loadable_reader(tmp_path: Path, prepared: Path) -> None:
    from articleqa.answer.reader import Reader
    from articleqa.training.export import export
    from articleqa.training.train import TrainConfig, train

    cfg = TrainConfig(prepared=str(prepared), newsqa="", squad2="", out=str(tmp_path / "run"), batch_size=4,
                      lr=3e-4, epochs=30.0, max_steps=12, eval_every=6, threads=2, device="cpu")
    checkpoint = train(cfg)
    losses = json.loads((tmp_path / "run" / "losses.json").read_text())
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.5
    curve = [json.loads(line) for line in (tmp_path / "run" / "curve.jsonl").read_text().splitlines()]
    assert [p["step"] for p in curve] == [6, 12]
    assert (tmp_path / "run" / "checkpoint.pt").is_file() and (tmp_path / "run" / "curve.png").is_file()

    paths = export(checkpoint, tmp_path / "onnx", ["fp32", "int8mm"])
    spec = json.loads((tmp_path / "onnx" / "reader.json").read_text())
    assert spec["model_file"] == paths["int8mm"].name == "model-int8mm.onnx"  # the shipped form by default
    assert paths["int8mm"].stat().st_size < paths["fp32"].stat().st_size / 2
    reader = Reader(tmp_path / "onnx")
    context = "The Kestrel Harbour Bridge opened to traffic on 4 May 1998 after six years of construction."
    reading = reader.read("When did the bridge open?", [context], [100])
    assert reading.spans and reading.windows == 1
    best = reading.best
    assert best is not None and 100 <= best.start < best.end <= 100 + len(context)


@pytest.mark.slow
def test_training_resumes_from_its_checkpoint_at_the_step_it_stopped(tmp_path: Path, prepared: Path) -> None:
    from articleqa.training.train import TrainConfig, train

    common = dict(prepared=str(prepared), newsqa="", squad2="", out=str(tmp_path / "run"), batch_size=4,
                  epochs=30.0, eval_every=3, device="cpu")
    train(TrainConfig(**common, max_steps=3))
    train(TrainConfig(**common, max_steps=6))
    curve = [json.loads(line) for line in (tmp_path / "run" / "curve.jsonl").read_text().splitlines()]
    assert [p["step"] for p in curve] == [3, 6]
    assert len(json.loads((tmp_path / "run" / "losses.json").read_text())) == 3  # only the steps run after resuming


@pytest.mark.slow
def test_trained_weights_cut_into_pieces_join_back_to_the_same_reader(tmp_path: Path, prepared: Path) -> None:
    import torch
    from transformers import BertForQuestionAnswering

    from articleqa.training.pieces import PIECE_BYTES, cut, join
    from articleqa.training.train import TrainConfig, base_model_path, train

    checkpoint = train(TrainConfig(prepared=str(prepared), newsqa="", squad2="", out=str(tmp_path / "run"),
                                   batch_size=4, max_steps=2, eval_every=2, device="cpu"))
    pieces = cut(checkpoint, tmp_path / "pieces", "r")
    assert len(pieces) >= 2 and all(p.stat().st_size <= PIECE_BYTES for p in pieces)
    joined = join(tmp_path / "pieces", "r", base_model_path(), tmp_path / "joined")
    a = BertForQuestionAnswering.from_pretrained(str(checkpoint)).state_dict()
    b = BertForQuestionAnswering.from_pretrained(str(joined)).state_dict()
    for name in ("qa_outputs.weight", "bert.encoder.layer.0.attention.self.query.weight"):
        assert torch.allclose(a[name], b[name], atol=1e-2)  # fp16 on the way
    pieces[0].write_bytes(pieces[0].read_bytes()[:-1] + b"\0")
    with pytest.raises(ValueError, match="sha256"):
        join(tmp_path / "pieces", "r", base_model_path(), tmp_path / "again")


def test_sources_keep_their_own_paragraphs_and_a_repeated_question_once(tmp_path: Path) -> None:
    from articleqa.training.data import SourceSpec, load_sources

    data = json.loads(FIXTURE.read_text())
    extra = {"data": [{"title": "Other", "paragraphs": [
        dict(data["data"][0]["paragraphs"][0]),  # the same paragraph and questions again: kept once
        {"context": "The ferry to Skerry Island leaves at noon.", "qas": [
            {"id": "x1", "question": "When does the ferry leave?", "is_impossible": False,
             "answers": [{"text": "at noon", "answer_start": 34}]}]},
    ]}]}
    path = tmp_path / "extra.json"
    path.write_text(json.dumps(extra))
    alone, _ = load_sources([SourceSpec(str(FIXTURE))], 13)
    joined, titles = load_sources([SourceSpec(str(FIXTURE)), SourceSpec(str(path))], 13)
    assert len(joined) == len(alone) + 1
    added = joined[-1]
    assert added.qid == "x1" and added.group.startswith("extra/") and added.answers == ("at noon",)
    assert added.source == "extra" and added.context[added.answer_start:].startswith("at noon")
    assert titles[added.group] == "extra/Other"


def test_a_source_spec_reads_a_cap_or_a_weight() -> None:
    from articleqa.training.data import SourceSpec

    assert SourceSpec.parse("train/a.json") == SourceSpec("train/a.json")
    assert SourceSpec.parse("train/a.json:5000") == SourceSpec("train/a.json", cap=5000)
    assert SourceSpec.parse("train/a.json:x3") == SourceSpec("train/a.json", weight=3)
    assert SourceSpec.parse("train/a.json:x3").name == "a"


def test_a_capped_source_keeps_whole_paragraphs_up_to_its_cap(tmp_path: Path) -> None:
    from articleqa.training.data import SourceSpec, load_sources

    capped, _ = load_sources([SourceSpec(str(FIXTURE), cap=3)], 13)
    full, _ = load_sources([SourceSpec(str(FIXTURE))], 13)
    groups = {e.group for e in capped}
    assert 3 <= len(capped) < len(full)
    assert len([e for e in full if e.group in groups]) == len(capped)  # no paragraph cut in half


def test_held_aside_paragraphs_are_never_trained_on_and_the_set_travels_whole(tmp_path: Path) -> None:
    from articleqa.training.data import DataConfig, PreparedSet, build

    data = build(DataConfig(sources=[str(FIXTURE)], heldout_fraction=0.5))
    assert data.heldout and data.train
    assert not {e.group for e in data.train if e.kind == "answerable"} & {e.group for e in data.heldout}
    kinds = {e.kind for e in data.train}
    assert "answerable" in kinds and kinds & {"bm25", "deleted", "swapped", "random", "unanswerable"}
    for e in data.train:
        if e.answers:
            assert e.context[e.answer_start:].startswith(e.answers[0])
        else:
            assert e.answer_start == -1
    path = tmp_path / "set.json.gz"
    data.save(path)
    back = PreparedSet.load(path)
    assert back.train == data.train and back.heldout == data.heldout
    assert back.sources[0]["source"] == "tiny-squad"


def test_a_missing_source_names_the_file() -> None:
    from articleqa.training.data import expand_sources

    with pytest.raises(FileNotFoundError, match=r"no-such\.json"):
        expand_sources(["/nonexistent/no-such.json"])


def test_the_runtime_never_imports_the_training_package() -> None:
    import subprocess
    import sys

    code = ("import sys, articleqa.assistant, articleqa.cli, articleqa.ui.app; "
            "print([m for m in sys.modules if m.startswith('articleqa.training')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
