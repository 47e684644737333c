"""Both store backends implement the whole store contract (articleqa.store.contract), and the pipeline reads
the index through that contract only. Checked from the classes and the source: no Milvus server needed."""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from articleqa.store import IndexSnapshot, IndexStore, MilvusSnapshot, MilvusStore, Snapshot, Store

BACKENDS = [pytest.param(IndexStore, IndexSnapshot, id="embedded"),
            pytest.param(MilvusStore, MilvusSnapshot, id="milvus")]
SRC = Path(__file__).resolve().parent.parent / "src" / "articleqa"


def _contract_members(contract: type) -> dict[str, object]:
    """What a backend must offer: the contract's public methods and properties, and the primitives it leaves
    abstract (private ones too: the shared methods are computed from them)."""
    return {name: member for name, member in vars(contract).items()
            if callable(member) or isinstance(member, property)
            if not name.startswith("__") and (not name.startswith("_") or name in contract.__abstractmethods__)}


def _signature(fn: object, snapshot_class: type) -> list[tuple[str, object, object, str]]:
    """(name, kind, default, annotation) of every parameter and the return annotation, the contract's snapshot
    type variable ``S`` read as this backend's snapshot class."""
    sig = inspect.signature(fn)  # type: ignore[arg-type]

    def norm(annotation: object) -> str:
        return re.sub(r"\bS\b", snapshot_class.__name__, str(annotation))
    params = [(p.name, p.kind, p.default, norm(p.annotation)) for p in sig.parameters.values()]
    return [*params, ("return", None, None, norm(sig.return_annotation))]


@pytest.mark.parametrize(("store_class", "snapshot_class"), BACKENDS)
def test_each_backend_subclasses_the_contract_and_leaves_nothing_abstract(store_class: type, snapshot_class: type) -> None:
    assert issubclass(store_class, Store) and issubclass(snapshot_class, Snapshot)
    assert not inspect.isabstract(store_class), store_class.__abstractmethods__
    assert not inspect.isabstract(snapshot_class), snapshot_class.__abstractmethods__
    for contract, cls in ((Store, store_class), (Snapshot, snapshot_class)):
        for name in contract.__abstractmethods__:
            assert getattr(cls, name) is not getattr(contract, name), f"{cls.__name__}.{name} is not implemented"


@pytest.mark.parametrize(("store_class", "snapshot_class"), BACKENDS)
def test_each_backend_method_has_the_contracts_signature(store_class: type, snapshot_class: type) -> None:
    for contract, cls in ((Store, store_class), (Snapshot, snapshot_class)):
        for name, member in _contract_members(contract).items():
            mine = inspect.getattr_static(cls, name)
            if isinstance(member, property):
                assert isinstance(mine, property), f"{cls.__name__}.{name} must be a property"
                continue
            want, got = _signature(member, snapshot_class), _signature(getattr(cls, name), snapshot_class)
            if name == "lock":  # a @contextmanager generator: Iterator[...] where the contract says the manager
                want, got = want[:-1], got[:-1]
            assert got == want, f"{cls.__name__}.{name}{inspect.signature(getattr(cls, name))} differs from the contract"


def _names_read(path: Path, variables: str) -> set[str]:
    return set(re.findall(rf"\b(?:{variables})\.([a-z_][a-z0-9_]*)\b", path.read_text(encoding="utf-8")))


def test_the_pipeline_reads_and_writes_the_index_only_through_the_contract() -> None:
    """A call that only one backend answers would break the other one at question time."""
    pipeline = [*(SRC / name for name in ("assistant.py", "library.py", "live.py", "retrieval.py", "indexing.py",
                                          "cli.py", "server.py")), *(SRC / "ask").glob("*.py")]
    snapshot_api = set(_contract_members(Snapshot)) | set(Snapshot.__annotations__)
    store_api = set(_contract_members(Store))
    read = set().union(*(_names_read(p, "snap|snapshot|base") for p in pipeline))
    written = set().union(*(_names_read(p, "store|self\\.store") for p in pipeline))
    assert {"search_dense", "chunks", "document"} <= read and {"open_snapshot", "write"} <= written  # still found
    assert read <= snapshot_api, read - snapshot_api
    assert written <= store_api, written - store_api


class _TinySnapshot(Snapshot):
    """A test double built from primitives only: two sentences in chunk 0, none in chunk 1, one in chunk 2."""

    def __init__(self, has_sentences: bool = True) -> None:
        self.manifest = {"n_chunks": 3, "n_documents": 1, "model": "tiny"}
        self.generation = "tiny"
        self._has = has_sentences
        self.vectors = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
        self.sentences = {0: [[1, 0], [0.8, 0.6]], 1: [], 2: [[0, 1]]}

    @property
    def has_sentences(self) -> bool:
        return self._has

    def chunk_vectors(self, rows: Sequence[int] | slice) -> np.ndarray:
        return self.vectors[rows] if isinstance(rows, slice) else self.vectors[list(rows)]

    def _sentence_vectors(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        picked = [v for r in rows for v in self.sentences[r]]
        return np.asarray(picked, dtype=np.float32).reshape(-1, 2), np.array([len(self.sentences[r]) for r in rows])

    def _unused(self, *_args: object) -> object:
        raise AssertionError("not a primitive of the shared methods")

    close = check = search_dense = search_lexical = chunk_sentences = known_sentence_vectors = _unused
    chunks = rows_for_documents = has_document = document = documents = document_infos = _unused
    document_meta = all_document_meta = count_documents = count_chunks = _unused


def test_the_shared_snapshot_methods_are_computed_from_a_backends_primitives() -> None:
    snap, q = _TinySnapshot(), np.array([0.0, 1.0], dtype=np.float32)
    assert (snap.n_chunks, snap.n_documents, snap.model) == (3, 1, "tiny")
    np.testing.assert_allclose(snap.chunk_similarities([2, 0], q), [0.8, 0.0])
    # best sentence per chunk, in the order asked; a chunk without sentences scores 0
    np.testing.assert_allclose(snap.best_sentence_similarities([2, 1, 0], q), [1.0, 0.0, 0.6])
    np.testing.assert_allclose(snap.best_sentence_similarities([1], q), [0.0])
    assert _TinySnapshot(has_sentences=False).best_sentence_similarities([0, 2], q) is None


def test_the_embedded_snapshots_best_sentence_is_each_chunks_own_best(article_index: Path) -> None:
    snap = IndexStore(article_index).open_snapshot()
    try:
        rows = list(range(snap.n_chunks))[::-1]
        q = snap.chunk_vectors([0])[0]
        best = snap.best_sentence_similarities(rows, q)
        assert best is not None and best.shape == (len(rows),)
        for row, got in zip(rows, best, strict=True):
            _spans, vectors = snap.chunk_sentences(row)
            want = float((np.asarray(vectors, dtype=np.float32) @ q).max()) if len(vectors) else 0.0
            assert got == pytest.approx(want, abs=1e-5)
    finally:
        snap.close()

