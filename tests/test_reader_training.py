"""The training command on a handful of questions: the loss falls and the result loads as a reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "reader" / "tiny-squad.json"


@pytest.mark.slow
def test_a_tiny_training_run_lowers_the_loss_and_exports_a_loadable_reader(tmp_path: Path) -> None:
    from articleqa.answer.reader import Reader
    from articleqa.reader_export import export
    from articleqa.reader_training import TrainConfig, train

    cfg = TrainConfig(pool=str(FIXTURE), newsqa="", squad2="", out=str(tmp_path / "run"), batch_size=4, lr=3e-4,
                      epochs=30.0, max_steps=12, eval_every=6, heldout_fraction=0.0, threads=2)
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
def test_training_resumes_from_its_checkpoint_at_the_step_it_stopped(tmp_path: Path) -> None:
    from articleqa.reader_training import TrainConfig, train

    common = dict(pool=str(FIXTURE), newsqa="", squad2="", out=str(tmp_path / "run"), batch_size=4,
                  epochs=30.0, eval_every=3, heldout_fraction=0.0)
    train(TrainConfig(**common, max_steps=3))
    train(TrainConfig(**common, max_steps=6))
    curve = [json.loads(line) for line in (tmp_path / "run" / "curve.jsonl").read_text().splitlines()]
    assert [p["step"] for p in curve] == [3, 6]
    assert len(json.loads((tmp_path / "run" / "losses.json").read_text())) == 3  # only the steps run after resuming


def test_extra_training_files_join_the_pool_as_their_own_paragraphs(tmp_path: Path) -> None:
    from articleqa.reader_training import TrainConfig, _pool

    data = json.loads(FIXTURE.read_text())
    extra = {"data": [{"title": "Other", "paragraphs": [
        dict(data["data"][0]["paragraphs"][0]),  # the same paragraph and questions again: kept once
        {"context": "The ferry to Skerry Island leaves at noon.", "qas": [
            {"id": "x1", "question": "When does the ferry leave?", "is_impossible": False,
             "answers": [{"text": "at noon", "answer_start": 34}]}]},
    ]}]}
    path = tmp_path / "extra.json"
    path.write_text(json.dumps(extra))
    alone, _ = _pool(TrainConfig(pool=str(FIXTURE)))
    joined, titles = _pool(TrainConfig(pool=str(FIXTURE), extra=f" {path} ,"))
    assert len(joined) == len(alone) + 1
    added = joined[-1]
    assert added.qid == "x1" and added.group.startswith("f1/") and added.answers == ("at noon",)
    assert added.context[added.answer_start:].startswith("at noon")
    assert titles[added.group] == "f1/Other"
