"""The persisted index: generations of immutable files, swapped in atomically under a writer lock.

Layout of ``index_dir``::

    manifest.json        points at the current generation; replaced atomically (write, fsync, rename)
    gen-000003/          records.sqlite, vectors.npy, bm25/, vectors.faiss (ANN only), manifest.json
    .lock                held (flock) by the one process that writes

A writer builds the next generation in a temporary folder beside the current one, fsyncs it, renames
it into place and only then replaces manifest.json. A crash at any moment leaves manifest.json naming a
complete generation, so readers always see either the old or the new documents, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexError_
from ..records import Chunk, Document, NewDocument
from .contract import Store
from .dense import VectorIndex, choose_spec
from .files import MANIFEST, content_hash, crash_point, file_checksums, file_sizes, fsync_path, fsync_tree
from .lexical import LexicalIndex
from .lock import WriterLock, check_index_folder
from .sentences import write_sentences
from .snapshot import IndexSnapshot, rebuild_hint
from .sqlite import RecordWriter

FORMAT_VERSION = 2  # 2: sentence vectors stored per generation
READABLE_FORMATS = (1, 2)  # 1 has no sentence vectors: questions then embed sentences themselves


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class _Kept:
    """What the next generation keeps of the current one."""

    documents: list[tuple[Document, int]] = field(default_factory=list)  # (document, its number of chunks)
    chunks: list[tuple[int, Chunk, str]] = field(default_factory=list)  # (old row, chunk, content hash)

    @classmethod
    def of(cls, base: IndexSnapshot | None, remove: set[str]) -> _Kept:
        if base is None:
            return cls()
        records = base._records
        infos = {i.doc_id: i.n_chunks for i in records.document_infos()}
        return cls(
            [(d, infos[d.doc_id]) for d in records.documents() if d.doc_id not in remove],
            list(records.iter_chunks(exclude_doc_ids=remove)),
        )


def removed_list(
    base_manifest: Mapping[str, Any] | None, given: Mapping[str, Mapping[str, str]] | None
) -> dict[str, dict[str, str]]:
    """The manifest's ``removed_by_user`` entry (doc id → {source, title}) for the next write: ``given`` when
    the caller changed it, else the base's (every write carries it on, as it does ``sources``)."""
    chosen = given if given is not None else (base_manifest or {}).get("removed_by_user") or {}
    return {str(k): {"source": str(v.get("source") or ""), "title": str(v.get("title") or "")}
            for k, v in sorted(chosen.items())}


class IndexStore(Store[IndexSnapshot]):
    """The embedded backend: reads the current generation of an index folder and writes the next one.

    ``crash_at``: the name of a write step at which to kill the process (crash-safety tests only)."""

    def __init__(self, root: str | Path, *, crash_at: str = "") -> None:
        self.root = Path(root)
        self.crash_at = crash_at
        check_index_folder(self.root)

    # ------------------------------------------------------------ reading
    def exists(self) -> bool:
        return (self.root / MANIFEST).is_file()

    def manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.is_file():
            raise IndexError_(
                f"no index in {self.root}; build one with `articleqa index PATH... --index-dir {self.root}`"
            )
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict) or "generation" not in manifest:
                raise ValueError("not an articleqa manifest")
        except (ValueError, UnicodeDecodeError) as exc:
            raise IndexError_(f"{path} is damaged ({exc}); {rebuild_hint(self.root)}") from exc
        version = manifest.get("format_version")
        if version not in READABLE_FORMATS:
            raise IndexError_(
                f"{path} has index format {version}, this articleqa reads formats "
                f"{', '.join(map(str, READABLE_FORMATS))}; {rebuild_hint(self.root)}"
            )
        return manifest

    def manifest_stamp(self) -> tuple[int, int]:
        """Cheap change detector so long-running readers pick up another process's writes."""
        try:
            st = (self.root / MANIFEST).stat()
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    def open_snapshot(self) -> IndexSnapshot:
        manifest = self.manifest()
        try:
            return IndexSnapshot(self.root, manifest)
        except IndexError_:
            # Two writes may have finished between reading the manifest and opening its generation (the
            # second prunes it): that is not damage. Open the newer generation instead.
            newer = self.manifest()
            if newer.get("generation") == manifest.get("generation"):
                raise
            return IndexSnapshot(self.root, newer)

    # ------------------------------------------------------------ writing
    @contextlib.contextmanager
    def lock(self) -> Iterator[WriterLock]:
        with WriterLock(self.root) as held:
            yield held

    def write(
        self,
        add: Sequence[NewDocument],
        remove: set[str],
        *,
        model: str,
        dim: int,
        base: IndexSnapshot | None,
        sources: Sequence[str] = (),
        progress: Callable[[str], None] | None = None,
        encoder: str | None = None,
        removed_by_user: Mapping[str, Mapping[str, str]] | None = None,
    ) -> dict[str, Any]:
        """The next generation, built in a new folder beside the current one and made current by replacing
        manifest.json (see :meth:`articleqa.store.contract.Store.write`)."""
        say = progress or (lambda _msg: None)
        number, tmp = self._start_generation(base)
        kept = _Kept.of(base, remove)
        say("writing records")
        new_rows = self._write_records(tmp, kept, add)
        self._crash("after-records")
        say("writing vectors")
        vectors = self._write_vectors(tmp, kept, add, base, dim)
        n_units = write_sentences(tmp, add, kept.chunks, base._sentences if base is not None else None, dim)
        self._crash("after-vectors")
        say("building search indexes")
        spec = self._write_search_indexes(tmp, kept, new_rows, vectors, base, remove)
        del vectors
        self._crash("after-indexes")
        manifest = {
            "format_version": FORMAT_VERSION,
            "generation": f"gen-{number:06d}",
            "generation_number": number,
            "model": model,
            "encoder": encoder or (base.manifest.get("encoder") if base else None),  # how new vectors were computed
            "dim": dim,
            "n_documents": len(kept.documents) + len(add),
            "n_chunks": len(kept.chunks) + len(new_rows),
            "vector_index": spec,
            **({"sentences": {"n_units": n_units, "dtype": "float16"}} if n_units is not None else {}),
            "updated": _now(),
            "created": base.manifest.get("created") if base else _now(),
            "sources": sorted(set(base.manifest.get("sources", []) if base else []) | set(sources)),
            "removed_by_user": removed_list(base.manifest if base else None, removed_by_user),
            "files": file_sizes(tmp),
            "checksums": file_checksums(tmp),
        }
        self._commit(tmp, manifest, base)
        return manifest

    def _crash(self, name: str) -> None:
        crash_point(name, self.crash_at)

    def _start_generation(self, base: IndexSnapshot | None) -> tuple[int, Path]:
        """The next generation's number and its empty temporary folder."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        # Always after every generation on disk: a rebuild (base=None) must never overwrite the current one.
        on_disk = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        number = max([*on_disk, int(base.manifest["generation_number"]) if base else 0]) + 1
        tmp = self.root / f".tmp-gen-{number:06d}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        return number, tmp

    @staticmethod
    def _write_records(tmp: Path, kept: _Kept, add: Sequence[NewDocument]) -> list[tuple[int, Chunk, str]]:
        """records.sqlite: kept documents and chunks renumbered from 0, then the new ones; the new chunk rows."""
        writer = RecordWriter(tmp / "records.sqlite")
        for doc, n in kept.documents:
            writer.add_document(doc, n)
        for nd in add:
            writer.add_document(nd.document, len(nd.chunks))
        writer.add_chunks((i, chunk, h) for i, (_old, chunk, h) in enumerate(kept.chunks))
        offset = len(kept.chunks)
        new_rows = []
        for nd in add:
            for chunk in nd.chunks:
                new_rows.append((offset, chunk, content_hash(chunk.text)))
                offset += 1
        writer.add_chunks(new_rows)
        writer.close()
        return new_rows

    @staticmethod
    def _write_vectors(
        tmp: Path, kept: _Kept, add: Sequence[NewDocument], base: IndexSnapshot | None, dim: int
    ) -> np.ndarray:
        """vectors.npy (memory-mapped while written): kept rows copied block by block, then the new ones."""
        n_total = len(kept.chunks) + sum(len(nd.chunks) for nd in add)
        vectors = np.lib.format.open_memmap(tmp / "vectors.npy", mode="w+", dtype=np.float32, shape=(n_total, dim))
        if kept.chunks and base is not None:
            old_rows = np.fromiter((r for r, _c, _h in kept.chunks), dtype=np.int64, count=len(kept.chunks))
            for i in range(0, len(old_rows), 65536):
                block = old_rows[i : i + 65536]
                vectors[i : i + len(block)] = base._vectors[block]
        pos = len(kept.chunks)
        for nd in add:
            vectors[pos : pos + len(nd.chunks)] = nd.vectors
            pos += len(nd.chunks)
        vectors.flush()
        return vectors

    @staticmethod
    def _write_search_indexes(
        tmp: Path, kept: _Kept, new_rows: Sequence[tuple[int, Chunk, str]], vectors: np.ndarray,
        base: IndexSnapshot | None, remove: set[str],
    ) -> dict[str, Any]:
        """bm25/ and, for ANN kinds, vectors.faiss; the vector index spec for the manifest."""
        texts = [c.text for _r, c, _h in kept.chunks] + [c.text for _r, c, _h in new_rows]
        LexicalIndex.build(texts).save(tmp / "bm25")
        del texts
        spec = choose_spec(len(vectors))
        old = base._dense if base is not None else None
        if old is not None and not remove and old.spec.kind == spec.kind == "hnsw":
            dense = old.extended(vectors, len(kept.chunks))
        else:
            dense = VectorIndex.build(np.asarray(vectors), spec)
        dense.save(tmp)
        return spec.to_dict()

    def _commit(self, tmp: Path, manifest: dict[str, Any], base: IndexSnapshot | None) -> None:
        """fsync the generation, rename it into place, then point manifest.json at it; prune old ones."""
        gen_name = str(manifest["generation"])
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        fsync_tree(tmp)
        self._crash("before-rename")
        final = self.root / gen_name
        if final.exists():
            shutil.rmtree(final)
        os.rename(tmp, final)
        fsync_path(self.root)
        self._crash("before-manifest")
        self._replace_manifest(manifest)
        self._crash("after-manifest")
        self._prune(keep={gen_name, base.generation if base else self._previous_generation(gen_name)})

    def _previous_generation(self, current: str) -> str:
        older = sorted(p.name for p in self.root.glob("gen-*") if p.name < current)
        return older[-1] if older else current

    def _replace_manifest(self, manifest: dict[str, Any]) -> None:
        target = self.root / MANIFEST
        tmp = self.root / f".{MANIFEST}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_path(self.root)

    def _remove_leftovers(self) -> None:
        """Temporary folders of writers that died; safe because we hold the lock."""
        for path in self.root.glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.root.glob(f".{MANIFEST}.tmp*"):
            path.unlink(missing_ok=True)

    def _prune(self, keep: set[str]) -> None:
        """Drop generations older than the previous one (a reader may still hold the previous)."""
        for path in self.root.glob("gen-*"):
            if path.is_dir() and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
