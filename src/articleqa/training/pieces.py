"""Trained weights in pieces of at most 16 MiB, and back (``python -m articleqa.training.pieces``).

A remote GPU machine hands back only small files. ``cut`` writes the parameters a run trained (everything but the
frozen word-embedding table) as fp16 safetensors and cuts that file into pieces; ``join`` puts the pieces together
here, checks the whole file's sha256, and loads the weights over the base model into a checkpoint folder that
``export`` reads.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

PIECE_BYTES = 16 * 1024 * 1024 - 4096
FROZEN = ("bert.embeddings.word_embeddings.weight",)


def cut(checkpoint: Path, out: Path, name: str, include_frozen: bool = False) -> list[Path]:
    """``name.safetensors.partNN`` + ``name.json`` (sha256, piece names) under ``out``."""
    import torch
    from safetensors.torch import save
    from transformers import BertForQuestionAnswering

    model = BertForQuestionAnswering.from_pretrained(str(checkpoint))
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()
             if include_frozen or k not in FROZEN}
    blob = save(state)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(0, len(blob), PIECE_BYTES):
        p = out / f"{name}.safetensors.part{i // PIECE_BYTES:02d}"
        p.write_bytes(blob[i : i + PIECE_BYTES])
        paths.append(p)
    manifest = {"sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob), "pieces": [p.name for p in paths],
                "frozen_left_out": [] if include_frozen else list(FROZEN)}
    (out / f"{name}.json").write_text(json.dumps(manifest, indent=2))
    return paths


def join(folder: Path, name: str, base: Path, target: Path) -> Path:
    """The pieces joined and checked, loaded over ``base``, saved (fp32) with the tokenizer as ``target``."""
    import torch
    from safetensors.torch import load
    from transformers import AutoTokenizer, BertForQuestionAnswering

    manifest = json.loads((folder / f"{name}.json").read_text())
    blob = b"".join((folder / p).read_bytes() for p in manifest["pieces"])
    if hashlib.sha256(blob).hexdigest() != manifest["sha256"]:
        raise ValueError(f"{name}: the pieces do not make the file that was cut (sha256 differs); copy them again")
    state = {k: v.to(torch.float32) for k, v in load(blob).items()}
    model = BertForQuestionAnswering.from_pretrained(str(base), dtype=torch.float32)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - set(manifest["frozen_left_out"]) - {"bert.embeddings.position_ids"}:
        raise ValueError(f"{name}: weights do not fit the base model (missing {missing}, unexpected {unexpected})")
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(target))
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(str(target))
    return target


def base_fp16(target: Path, base: Path | None = None) -> Path:
    """The starting weights as fp16 safetensors (45 MB for MiniLM-L6) + tokenizer: what a remote run starts from."""
    import torch
    from transformers import AutoTokenizer, BertForQuestionAnswering

    from .train import base_model_path

    source = base or base_model_path()
    model = BertForQuestionAnswering.from_pretrained(str(source), dtype=torch.float32).to(torch.float16)
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(target))
    AutoTokenizer.from_pretrained(str(source)).save_pretrained(str(target))
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m articleqa.training.pieces", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    c = sub.add_parser("cut", help="a checkpoint folder -> pieces")
    c.add_argument("checkpoint", type=Path)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--name", default="reader")
    j = sub.add_parser("join", help="pieces -> a checkpoint folder")
    j.add_argument("folder", type=Path)
    j.add_argument("--name", default="reader")
    j.add_argument("--base", type=Path, default=None, help="the base model the run started from (default: bundled MiniLM)")
    j.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("base", help="the bundled base model as fp16, for a remote machine")
    b.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.verb == "base":
        print(base_fp16(args.out))
    elif args.verb == "cut":
        for p in cut(args.checkpoint, args.out, args.name):
            print(p)
    else:
        from .train import base_model_path

        print(join(args.folder, args.name, args.base or base_model_path(), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
