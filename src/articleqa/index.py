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
import fcntl
import json
import logging
import os
import shlex
import shutil
import signal
import stat
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import Settings
from .errors import IndexError_, IndexLockedError, InputError
from .lexical import LexicalIndex
from .records import Chunk, Document
from .store import RecordStore, RecordWriter
from .vectorindex import VectorIndex, VectorIndexSpec, choose_spec

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: sentence vectors stored per generation
READABLE_FORMATS = (1, 2)  # 1 has no sentence vectors: questions then embed sentences themselves
MANIFEST = "manifest.json"
REBUILD_HINT = "run `articleqa index --rebuild PATH...` to build it again from your files"


def rebuild_hint(root: Path) -> str:
    """REBUILD_HINT naming ``--index-dir`` when the index is not where the command looks by default: the
    suggested command must repair *this* index, not build a new one in ./index."""
    default = Path(os.environ.get("ARTICLEQA_INDEX_DIR") or Settings.index_dir)
    if Path(os.path.abspath(root)) == Path(os.path.abspath(default)):
        return REBUILD_HINT
    return REBUILD_HINT.replace("PATH...`", f"PATH... --index-dir {shlex.quote(str(root))}`")


def check_index_folder(root: Path) -> None:
    """Refuse an index path that is (or lies under) a file, with a message that says so.

    Otherwise mkdir fails deep inside a write with FileExistsError/NotADirectoryError, and the "no index
    here, build one" hint sends the user to that crashing command."""
    for path in (root, *root.parents):
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return  # unreadable: the real open/mkdir reports it with its own reason
        if stat.S_ISDIR(mode):
            return
        what = "is a file, not a folder" if path == root else f"is inside {path}, which is a file"
        raise InputError(f"the index path {root} {what}; pass a folder with --index-dir (it is created if missing)")


def _crash_point(name: str) -> None:
    """Fault injection for the crash-safety tests: ARTICLEQA_CRASH_AT=<name> kills the process here."""
    if os.environ.get("ARTICLEQA_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_path(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            _fsync_path(Path(dirpath) / name)
        _fsync_path(Path(dirpath))


def _file_sizes(gen_dir: Path) -> dict[str, int]:
    return {
        str(p.relative_to(gen_dir)): p.stat().st_size
        for p in sorted(gen_dir.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _crc32(path: Path) -> str:
    crc = 0
    with open(path, "rb") as fh:
        while block := fh.read(4 << 20):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def _file_checksums(gen_dir: Path) -> dict[str, str]:
    """CRC-32 of every file: sizes catch truncation, this catches same-size damage or tampering (~GB/s)."""
    return {
        str(p.relative_to(gen_dir)): _crc32(p)
        for p in sorted(gen_dir.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def content_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def sentence_hashes(texts: Sequence[str]) -> np.ndarray:
    """64-bit content keys of sentence texts: re-indexing an unchanged sentence reuses its vector."""
    import hashlib

    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little") for t in texts),
        dtype=np.uint64,
        count=len(texts),
    )


@dataclass
class NewDocument:
    """A document ready to store: its chunks and their vectors (same order), and its sentence units with
    theirs. ``chunk_units[i]`` is chunk i's half-open range into ``units``."""

    document: Document
    chunks: list[Chunk]
    vectors: np.ndarray
    units: list[tuple[int, int]]
    chunk_units: list[tuple[int, int]]
    unit_vectors: np.ndarray  # float16, one row per unit
    unit_hashes: np.ndarray  # uint64, one per unit


@dataclass
class SentenceData:
    """Per generation: every sentence unit's offsets, vector (float16) and content key, and each chunk's
    range of units. Memory-mapped, so a question reads only the rows of its candidate passages."""

    spans: np.ndarray  # (n_units, 2) int64, offsets into the document text
    vectors: np.ndarray  # (n_units, dim) float16
    hashes: np.ndarray  # (n_units,) uint64
    chunk_units: np.ndarray  # (n_chunks, 2) int64, half-open unit rows per chunk

    FILES = ("unit_spans.npy", "unit_vectors.npy", "unit_hashes.npy", "chunk_units.npy")

    @classmethod
    def load(cls, gen_dir: Path) -> SentenceData | None:
        if not (gen_dir / cls.FILES[0]).is_file():
            return None
        spans, vectors, hashes, chunk_units = (np.load(gen_dir / n, mmap_mode="r") for n in cls.FILES)
        return cls(spans, vectors, hashes, chunk_units)

    def for_chunk(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = (int(x) for x in self.chunk_units[row])
        return self.spans[lo:hi], self.vectors[lo:hi]

    def best_similarity(self, rows: Sequence[int], query_vector: np.ndarray) -> np.ndarray:
        """Each chunk's highest sentence similarity to the question (one gather, one product)."""
        out = np.zeros(len(rows), dtype=np.float32)
        if not len(rows):
            return out
        ranges = np.asarray(self.chunk_units[np.asarray(rows, dtype=np.int64)])
        lengths = ranges[:, 1] - ranges[:, 0]
        nonempty = lengths > 0
        if not nonempty.any():
            return out
        starts, lens = ranges[nonempty, 0], lengths[nonempty]
        offsets = np.repeat(starts - np.cumsum(np.r_[0, lens[:-1]]), lens) + np.arange(int(lens.sum()))
        order = np.argsort(offsets, kind="stable")  # memory-mapped reads go faster in file order
        gathered = np.empty((len(offsets), self.vectors.shape[1]), dtype=np.float32)
        gathered[order] = self.vectors[offsets[order]]
        sims = gathered @ query_vector
        out[nonempty] = np.maximum.reduceat(sims, np.r_[0, np.cumsum(lens)[:-1]])
        return out


class Snapshot:
    """One generation, opened read-only. Immutable, so any number of threads may search it."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.manifest = manifest
        self.generation = str(manifest["generation"])
        gen_dir = root / self.generation
        try:
            self._check_files(gen_dir, manifest)
            self.records = RecordStore(gen_dir / "records.sqlite")
            self.vectors: np.ndarray = np.load(gen_dir / "vectors.npy", mmap_mode="r")
            if self.vectors.shape != (manifest["n_chunks"], manifest["dim"]):
                raise ValueError(f"vectors.npy has shape {self.vectors.shape}")
            spec = VectorIndexSpec(**manifest["vector_index"])
            self.dense = VectorIndex.load(gen_dir, self.vectors, spec)
            self.lexical = LexicalIndex.load(gen_dir / "bm25")
            if self.records.count_chunks() != manifest["n_chunks"]:
                raise ValueError("chunk count differs from the manifest")
            self.sentences = SentenceData.load(gen_dir)
            if self.sentences is not None and (
                self.sentences.chunk_units.shape != (manifest["n_chunks"], 2)
                or self.sentences.vectors.shape != (manifest["sentences"]["n_units"], manifest["dim"])
            ):
                raise ValueError("sentence files differ from the manifest")
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"the index in {root} is damaged ({exc}); {rebuild_hint(root)}") from exc

    @staticmethod
    def _check_files(gen_dir: Path, manifest: dict[str, Any]) -> None:
        if not gen_dir.is_dir():
            raise IndexError_(
                f"the index in {gen_dir.parent} is missing {gen_dir.name}/; {rebuild_hint(gen_dir.parent)}"
            )
        expected = manifest.get("files", {})
        actual = _file_sizes(gen_dir)
        for name, size in expected.items():
            if actual.get(name) != size:
                got = "missing" if name not in actual else f"{actual[name]} bytes, expected {size}"
                raise IndexError_(
                    f"the index in {gen_dir.parent} is damaged ({gen_dir.name}/{name}: {got}); "
                    f"{rebuild_hint(gen_dir.parent)}"
                )
        for name, crc in manifest.get("checksums", {}).items():  # indexes written before checksums: none
            if _crc32(gen_dir / name) != crc:
                raise IndexError_(
                    f"the index in {gen_dir.parent} is damaged ({gen_dir.name}/{name}: contents changed since it "
                    f"was written); {rebuild_hint(gen_dir.parent)}"
                )

    @property
    def n_chunks(self) -> int:
        return int(self.manifest["n_chunks"])

    def close(self) -> None:
        self.records.close()


class WriterLock:
    """One writer per index directory; a second one is told who holds the lock."""

    def __init__(self, root: Path) -> None:
        self.path = root / ".lock"
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        check_index_folder(self.path.parent)  # it may have become a file since the store was opened
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the index folder {self.path.parent} ({exc.strerror or exc}); "
                "pass a folder you can write to with --index-dir"
            ) from exc
        fd = os.open(str(self.path), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise IndexLockedError(
                f"another articleqa process (pid {holder}) is writing to {self.path.parent}; "
                "wait for it to finish, then try again"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class IndexStore:
    """Reads the current generation and writes the next one."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        check_index_folder(self.root)

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

    def open_snapshot(self) -> Snapshot:
        manifest = self.manifest()
        try:
            return Snapshot(self.root, manifest)
        except IndexError_:
            # Two writes may have finished between reading the manifest and opening its generation (the
            # second prunes it): that is not damage. Open the newer generation instead.
            newer = self.manifest()
            if newer.get("generation") == manifest.get("generation"):
                raise
            return Snapshot(self.root, newer)

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
        base: Snapshot | None,
        sources: Sequence[str] = (),
        progress: Callable[[str], None] | None = None,
        encoder: str | None = None,
    ) -> dict[str, Any]:
        """Write the next generation = base − remove + add, and make it current. Caller holds the lock."""
        say = progress or (lambda _msg: None)
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        # Always after every generation on disk: a rebuild (base=None) must never overwrite the current one.
        on_disk = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        number = max([*on_disk, int(base.manifest["generation_number"]) if base else 0]) + 1
        gen_name = f"gen-{number:06d}"
        tmp = self.root / f".tmp-{gen_name}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()

        kept_chunks: list[tuple[int, Chunk, str]] = []
        kept_docs: list[tuple[Document, int]] = []
        if base is not None:
            infos = {i.doc_id: i.n_chunks for i in base.records.document_infos()}
            kept_docs = [(d, infos[d.doc_id]) for d in base.records.documents() if d.doc_id not in remove]
            kept_chunks = list(base.records.iter_chunks(exclude_doc_ids=remove))
        n_new = sum(len(nd.chunks) for nd in add)
        n_total = len(kept_chunks) + n_new

        say("writing records")
        writer = RecordWriter(tmp / "records.sqlite")
        for doc, n in kept_docs:
            writer.add_document(doc, n)
        for nd in add:
            writer.add_document(nd.document, len(nd.chunks))
        writer.add_chunks((i, chunk, h) for i, (_old, chunk, h) in enumerate(kept_chunks))
        offset = len(kept_chunks)
        new_rows = []
        for nd in add:
            for chunk in nd.chunks:
                new_rows.append((offset, chunk, content_hash(chunk.text)))
                offset += 1
        writer.add_chunks(new_rows)
        writer.close()
        _crash_point("after-records")

        say("writing vectors")
        vectors = np.lib.format.open_memmap(tmp / "vectors.npy", mode="w+", dtype=np.float32, shape=(n_total, dim))
        if kept_chunks and base is not None:
            old_rows = np.fromiter((r for r, _c, _h in kept_chunks), dtype=np.int64, count=len(kept_chunks))
            for i in range(0, len(old_rows), 65536):
                block = old_rows[i : i + 65536]
                vectors[i : i + len(block)] = base.vectors[block]
        pos = len(kept_chunks)
        for nd in add:
            vectors[pos : pos + len(nd.chunks)] = nd.vectors
            pos += len(nd.chunks)
        vectors.flush()
        n_units = self._write_sentences(tmp, add, kept_chunks, base, dim)
        _crash_point("after-vectors")

        say("building search indexes")
        texts = [c.text for _r, c, _h in kept_chunks] + [c.text for _r, c, _h in new_rows]
        LexicalIndex.build(texts).save(tmp / "bm25")
        del texts
        spec = choose_spec(n_total)
        reused = base is not None and not remove and base.dense.spec.kind == spec.kind == "hnsw"
        dense = VectorIndex.build(np.asarray(vectors), spec) if not reused else _extend_ann(base, vectors, len(kept_chunks))
        dense.save(tmp)
        del vectors
        _crash_point("after-indexes")

        manifest = {
            "format_version": FORMAT_VERSION,
            "generation": gen_name,
            "generation_number": number,
            "model": model,
            "encoder": encoder or (base.manifest.get("encoder") if base else None),  # how new vectors were computed
            "dim": dim,
            "n_documents": len(kept_docs) + len(add),
            "n_chunks": n_total,
            "vector_index": spec.to_dict(),
            **({"sentences": {"n_units": n_units, "dtype": "float16"}} if n_units is not None else {}),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "created": base.manifest.get("created") if base else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "sources": sorted(set(base.manifest.get("sources", []) if base else []) | set(sources)),
            "files": _file_sizes(tmp),
            "checksums": _file_checksums(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        _fsync_tree(tmp)
        _crash_point("before-rename")
        final = self.root / gen_name
        if final.exists():
            shutil.rmtree(final)
        os.rename(tmp, final)
        _fsync_path(self.root)
        _crash_point("before-manifest")
        self._replace_manifest(manifest)
        _crash_point("after-manifest")
        self._prune(keep={gen_name, base.generation if base else self._previous_generation(gen_name)})
        return manifest

    @staticmethod
    def _write_sentences(
        tmp: Path, add: Sequence[NewDocument], kept_chunks: Sequence[tuple[int, Chunk, str]], base: Snapshot | None,
        dim: int,
    ) -> int | None:
        """Sentence files of the new generation: the kept documents' units copied from ``base``, then the new
        ones. None (no files) when kept documents come from an index written before sentences were stored."""
        old = base.sentences if base is not None else None
        if kept_chunks and old is None:
            return None
        # Chunks of one document are consecutive rows and together cover its units: copy per document.
        pieces: list[tuple[int, int, np.ndarray]] = []  # (old lo, old hi, that document's kept chunk rows)
        if kept_chunks and old is not None:
            rows = np.fromiter((r for r, _c, _h in kept_chunks), dtype=np.int64, count=len(kept_chunks))
            doc_ids = [c.doc_id for _r, c, _h in kept_chunks]
            start = 0
            for i in range(1, len(rows) + 1):
                if i == len(rows) or doc_ids[i] != doc_ids[start]:
                    ranges = np.asarray(old.chunk_units[rows[start:i]])
                    pieces.append((int(ranges[:, 0].min()), int(ranges[:, 1].max()), ranges))
                    start = i
        n_units = sum(hi - lo for lo, hi, _r in pieces) + sum(len(nd.units) for nd in add)
        n_chunks = len(kept_chunks) + sum(len(nd.chunks) for nd in add)
        spans = np.lib.format.open_memmap(tmp / "unit_spans.npy", mode="w+", dtype=np.int64, shape=(n_units, 2))
        vecs = np.lib.format.open_memmap(tmp / "unit_vectors.npy", mode="w+", dtype=np.float16, shape=(n_units, dim))
        hashes = np.lib.format.open_memmap(tmp / "unit_hashes.npy", mode="w+", dtype=np.uint64, shape=(n_units,))
        chunk_units = np.lib.format.open_memmap(
            tmp / "chunk_units.npy", mode="w+", dtype=np.int64, shape=(n_chunks, 2)
        )
        pos = row = 0
        for lo, hi, ranges in pieces:
            assert old is not None
            spans[pos : pos + hi - lo] = old.spans[lo:hi]
            vecs[pos : pos + hi - lo] = old.vectors[lo:hi]
            hashes[pos : pos + hi - lo] = old.hashes[lo:hi]
            chunk_units[row : row + len(ranges)] = ranges - lo + pos
            pos += hi - lo
            row += len(ranges)
        for nd in add:
            n = len(nd.units)
            if n:
                spans[pos : pos + n] = np.asarray(nd.units, dtype=np.int64)
                vecs[pos : pos + n] = nd.unit_vectors
                hashes[pos : pos + n] = nd.unit_hashes
            if nd.chunk_units:
                chunk_units[row : row + len(nd.chunks)] = np.asarray(nd.chunk_units, dtype=np.int64) + pos
            pos += n
            row += len(nd.chunks)
        for array in (spans, vecs, hashes, chunk_units):
            array.flush()
        return n_units

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
        _fsync_path(self.root)

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

def _extend_ann(base: Snapshot, vectors: np.ndarray, n_old: int) -> VectorIndex:
    """Adding to an HNSW graph is incremental: copy the old graph and insert only the new rows."""
    import faiss

    index = faiss.clone_index(base.dense._index)
    if len(vectors) > n_old:
        index.add(np.ascontiguousarray(vectors[n_old:], dtype=np.float32))
    return VectorIndex(index, vectors, base.dense.spec)
