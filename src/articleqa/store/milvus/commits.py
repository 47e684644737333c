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


@dataclass(frozen=True)
class Removed:
    """A document a commit removed: its rows stay on the server, hidden, until the next write deletes them (a
    reader of the previous commit may still be reading them)."""

    doc_id: str
    rows: tuple[int, int]  # [first, last) chunk rows
    units: tuple[int, int]  # [first, last) sentence units
    position: int

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "rows": list(self.rows), "units": list(self.units), "position": self.position}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Removed:
        return cls(str(data["doc_id"]), (int(data["rows"][0]), int(data["rows"][1])),
                   (int(data["units"][0]), int(data["units"][1])), int(data["position"]))


def _outside(key: str, spans: list[tuple[int, int]]) -> str:
    return "".join(f" and ({key} < {a} or {key} >= {b})" for a, b in spans if b > a)


@dataclass(frozen=True)
class Published:
    """What one commit shows: the chunk rows, sentence units and document positions below its bounds, except
    the documents it removed. Without removals and appends the bounds are the counts."""

    rows: int
    units: int
    positions: int
    removed: tuple[Removed, ...] = ()

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> Published:
        bounds = manifest.get("bounds") or {}
        return cls(int(bounds.get("rows", manifest["n_chunks"])),
                   int(bounds.get("units", manifest["sentences"]["n_units"])),
                   int(bounds.get("positions", manifest["n_documents"])),
                   tuple(Removed.from_dict(r) for r in manifest.get("removed", [])))

    def bounds(self) -> dict[str, int]:
        return {"rows": self.rows, "units": self.units, "positions": self.positions}

    @property
    def chunk_filter(self) -> str:
        return f"row < {self.rows}" + _outside("row", [r.rows for r in self.removed])

    @property
    def unit_filter(self) -> str:
        return f"unit < {self.units}" + _outside("unit", [r.units for r in self.removed])

    @property
    def document_filter(self) -> str:
        hidden = ",".join(json.dumps(r.doc_id) for r in self.removed)
        return f"position < {self.positions}" + (f" and name not in [{hidden}]" if hidden else "")
