"""Build a prepared training set (``python -m articleqa.training.prepare``): every source read, capped and split,
the made-up negatives added (bm25s and spaCy run here), written as one gzip file that training reads anywhere —
on a GPU machine that has neither bm25s nor spaCy, too."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from .data import DataConfig, build


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m articleqa.training.prepare", description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", help="SQuAD-format files or globs, each PATH, PATH:N (cap) or PATH:xK (weight)")
    parser.add_argument("--out", type=Path, required=True, help="the prepared set to write (.json.gz)")
    defaults = DataConfig()
    for name, value in asdict(defaults).items():
        if name != "sources":
            parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    cfg = DataConfig(sources=args.sources, **{k: getattr(args, k) for k in asdict(defaults) if k != "sources"})
    try:
        data = build(cfg)
    except FileNotFoundError as exc:
        parser.exit(2, f"error: {exc}\n")
    data.save(args.out)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size, "train": len(data.train),
                      "heldout": len(data.heldout), "kinds": data.config["train_kinds"], "sources": data.sources},
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
