"""Turn a trained reader checkpoint into the files that ship under models/reader/.

Writes ONNX forms of the same weights — fp32, int8 (dynamic, per channel; the span head kept in float),
fp16-stored (weights kept as fp16 on disk, widened to fp32 when loaded, so answers equal fp32's to rounding) and
int8mm (int8 matrix products, the embedding tables fp16-stored: the shipped form) — plus tokenizer.json and
reader.json. Which form ships is decided by measurement (``articleqa eval``), not here.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

FORMS = ("fp32", "int8", "fp16", "int8mm")


def export_fp32(checkpoint: Path, target: Path) -> None:
    import torch
    from transformers import AutoTokenizer, BertForQuestionAnswering

    model = BertForQuestionAnswering.from_pretrained(str(checkpoint)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
    sample = tokenizer(["a question?", "another question"], ["a passage", "a longer passage here"],
                       padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class _Logits(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.start_logits, out.end_logits

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "start_logits", "end_logits"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Logits(model), tuple(sample[n] for n in names), str(tmp), input_names=names,
                          output_names=["start_logits", "end_logits"], dynamic_axes=axes, opset_version=17,
                          dynamo=False)
    os.replace(tmp, target)


def quantize_int8(source: Path, target: Path, ops: Sequence[str] = ("MatMul", "Gemm", "Gather")) -> None:
    """Dynamic int8 weights for the encoder's matrix products (and, by default, the embedding tables); the
    final start/end projection stays float."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    head = [n.name for n in graph.node if n.op_type in {"MatMul", "Gemm"} and ("qa_outputs" in n.name or any("qa_outputs" in i for i in n.input))]
    if not head:  # the exporter may name the head's weight after the node instead
        head = [n.name for n in graph.node if n.op_type in {"MatMul", "Gemm"}][-1:]
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=head, op_types_to_quantize=list(ops))
    finally:
        logging.disable(logging.NOTSET)


def store_fp16(source: Path, target: Path) -> None:
    """Same graph, float initializers stored as fp16 (half the bytes); the loader widens them back."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    for init in model.graph.initializer:
        if init.data_type == onnx.TensorProto.FLOAT:
            arr = numpy_helper.to_array(init).astype(np.float16)
            init.CopyFrom(numpy_helper.from_array(arr, init.name))
    model.metadata_props.add(key="articleqa.stored_as", value="fp16")
    onnx.save(model, str(target))


def export(checkpoint: Path, out: Path, forms: Sequence[str] = FORMS, ship: str = "int8mm") -> dict[str, Path]:
    """All requested forms into ``out`` (model-<form>.onnx), with tokenizer.json and a reader.json naming the
    ``ship`` form; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model-fp32.onnx"
    export_fp32(checkpoint, fp32)
    paths = {"fp32": fp32}
    if "int8" in forms:
        quantize_int8(fp32, out / "model-int8.onnx")
        paths["int8"] = out / "model-int8.onnx"
    if "fp16" in forms:
        store_fp16(fp32, out / "model-fp16.onnx")
        paths["fp16"] = out / "model-fp16.onnx"
    if "int8mm" in forms:  # int8 matrix products, every other float (the embedding tables) stored as fp16
        tmp = out / "model-int8mm.tmp.onnx"
        quantize_int8(fp32, tmp, ("MatMul", "Gemm"))
        store_fp16(tmp, out / "model-int8mm.onnx")
        tmp.unlink()
        paths["int8mm"] = out / "model-int8mm.onnx"
    shutil.copyfile(checkpoint / "tokenizer.json", out / "tokenizer.json")
    from .features import MAX_ANSWER_TOKENS, MAX_LEN, MAX_QUESTION_TOKENS, STRIDE

    spec_path = out / "reader.json"
    spec = json.loads(spec_path.read_text(encoding="utf-8")) if spec_path.is_file() else {}
    spec.update({
        "model_file": paths[ship if ship in paths else "fp32"].name, "max_length": MAX_LEN, "stride": STRIDE,
        "max_question_tokens": MAX_QUESTION_TOKENS, "max_answer_tokens": MAX_ANSWER_TOKENS,
        "info": {"checkpoint": str(checkpoint), **_training_info(checkpoint)},
    })
    spec_path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return paths


def _training_info(checkpoint: Path) -> dict[str, object]:
    """What the run that made ``checkpoint`` recorded: its settings and last learning-curve point."""
    run = checkpoint.parent
    info: dict[str, object] = {}
    if (run / "config.json").is_file():
        info["training"] = json.loads((run / "config.json").read_text(encoding="utf-8"))
    if (run / "curve.jsonl").is_file():
        lines = [line for line in (run / "curve.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        if lines:
            info["last_curve_point"] = json.loads(lines[-1])
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m articleqa.training.export", description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="a saved checkpoint folder (build/reader/latest)")
    parser.add_argument("--out", type=Path, default=Path("build/reader/onnx"))
    parser.add_argument("--forms", default=",".join(FORMS))
    parser.add_argument("--ship", default="int8mm", choices=FORMS, help="the form reader.json points at")
    args = parser.parse_args(argv)
    paths = export(args.checkpoint, args.out, [f for f in args.forms.split(",") if f], args.ship)
    print(json.dumps({k: f"{v} ({v.stat().st_size / 1e6:.1f} MB)" for k, v in paths.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
