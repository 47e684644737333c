"""Commits: documents appended to the current generation without copying it.

A generation as first written is commit 0 (its files are the blobs ``manifest`` and ``bm25``). An append
inserts rows numbered after the published ones (chunk rows ≥ n_chunks, sentence units ≥ n_units, document
positions ≥ n_documents) that no reader sees — every read is bounded by the published counts — then the new
BM25 files and manifest under the commit's own names, and finally one row in ``G_commits``: inserting that row
is the commit. A writer killed earlier leaves rows past the published counts, which the next append deletes
before it writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .records import PLACEHOLDER
from .schema import GenerationNames

READ = "Bounded"


@dataclass(frozen=True)
class Commit:
    """Which manifest and BM25 files are current in a generation."""

    number: int = 0

    @property
    def manifest_blob(self) -> str:
        return "manifest" if self.number == 0 else f"manifest@{self.number:06d}"

    @property
    def bm25_blob(self) -> str:
        return "bm25" if self.number == 0 else f"bm25@{self.number:06d}"

    def row(self) -> dict[str, Any]:
        payload = json.dumps({"manifest": self.manifest_blob, "bm25": self.bm25_blob})
        return {"commit": self.number, "payload": payload, "placeholder": PLACEHOLDER}


def latest(client: Any, names: GenerationNames, consistency: str = READ) -> Commit:
    """The newest commit of a generation that has a commits collection (commit 0 when nothing was appended)."""
    rows = client.query(names.commits, filter="commit >= 0", output_fields=["commit"], consistency_level=consistency)
    return Commit(max((int(r["commit"]) for r in rows), default=0))


def superseded_blobs(kept: Commit) -> str:
    """An expression for the commit files (the generation's first ones included) that neither ``kept`` nor the
    commit before it uses — a reader that opened the previous commit may still be reading its files — which
    also matches the files of an append that died before its commit."""
    keep = [Commit(n) for n in (kept.number, kept.number - 1) if n >= 0]
    names = [name for c in keep for name in (c.manifest_blob, c.bm25_blob)]
    return ('kind == "blob" and (name like "manifest@%" or name like "bm25@%" or name in ["manifest","bm25"]) '
            'and name not in [' + ",".join(json.dumps(n) for n in names) + "]")
