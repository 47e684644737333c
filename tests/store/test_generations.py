"""Index generations (store/generations.py) written directly with tiny hand-made vectors, no model: numbering,
the manifest, base − removed + added, pruning, cleaning up after a dead writer, and the manifest's lists.
Crashes at each write step are pinned in tests/store/test_crash_safety.py; the Assistant's view in
tests/store/test_index_store.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from articleqa.errors import IndexError_
from articleqa.records import Chunk, Document, NewDocument
from articleqa.store.generations import FORMAT_VERSION, IndexStore, removed_list

DIM = 8
MODEL = "test-model"


def _new(doc_id: str, sentences: list[str], seed: int) -> NewDocument:
    """One chunk per sentence, each chunk one sentence unit, with seeded random unit vectors."""
    text = " ".join(sentences)
    chunks, units, pos = [], [], 0
    for j, s in enumerate(sentences):
        chunks.append(Chunk(f"{doc_id}:{j}", doc_id, s, pos, pos + len(s), len(s.split())))
        units.append((pos, pos + len(s)))
        pos += len(s) + 1
    vectors = np.random.default_rng(seed).normal(size=(len(sentences), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    hashes = np.arange(seed * 100, seed * 100 + len(sentences), dtype=np.uint64)
    return NewDocument(Document(doc_id, f"Title {doc_id}", text, source=f"/news/{doc_id}.txt"), chunks, vectors,
                       units, [(j, j + 1) for j in range(len(sentences))], vectors.astype(np.float16), hashes)


A = _new("doc-a", ["Talks will be held in Muscat.", "Oman will mediate."], 1)
B = _new("doc-b", ["A fire burned farmland.", "Crews worked all night.", "Rain helped."], 2)
C = _new("doc-c", ["The council voted on Monday."], 3)


def _write(store: IndexStore, add: list[NewDocument], remove: set[str] = frozenset(), *, rebuild: bool = False,
           **kw) -> dict:
    base = None if rebuild or not store.exists() else store.open_snapshot()
    with store.lock():
        return store.write(add, set(remove), model=MODEL, dim=DIM, base=base, **kw)


def _doc_ids(store: IndexStore) -> list[str]:
    return sorted(d.doc_id for d in store.open_snapshot().documents())


def test_each_write_is_a_new_numbered_generation_that_the_manifest_names(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    first = _write(store, [A])
    second = _write(store, [C])
    assert (first["generation"], second["generation"]) == ("gen-000001", "gen-000002")
    assert store.manifest() == second
    on_disk = json.loads((tmp_path / "idx" / "gen-000002" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["generation"] == "gen-000002"
    assert second["format_version"] == FORMAT_VERSION
    assert (second["model"], second["dim"]) == (MODEL, DIM)


def test_the_next_generation_is_the_base_less_what_is_removed_plus_what_is_added(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    _write(store, [A, B])
    manifest = _write(store, [C], {"doc-a"})
    assert _doc_ids(store) == ["doc-b", "doc-c"]
    assert (manifest["n_documents"], manifest["n_chunks"]) == (2, 4)
    snapshot = store.open_snapshot()
    rows = snapshot.rows_for_documents(["doc-b"])
    assert [c.text for c in snapshot.chunks(rows)] == [c.text for c in B.chunks]
    np.testing.assert_allclose(snapshot.chunk_vectors(rows), B.vectors, atol=1e-6)  # kept vectors copied as is


def test_a_kept_chunk_is_still_found_by_its_own_vector(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    _write(store, [A, B])
    _write(store, [C], {"doc-a"})
    snapshot = store.open_snapshot()
    rows, _scores = snapshot.search_dense(B.vectors[1], 1)
    assert snapshot.chunks(rows)[0].chunk_id == "doc-b:1"


def test_only_the_current_and_the_previous_generation_are_kept(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    for doc in (A, B, C):
        _write(store, [doc])
    assert sorted(p.name for p in (tmp_path / "idx").glob("gen-*")) == ["gen-000002", "gen-000003"]


def test_a_rebuild_never_reuses_a_generation_number_on_disk(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    _write(store, [A])
    _write(store, [B])
    rebuilt = _write(store, [C], rebuild=True)
    assert rebuilt["generation"] == "gen-000003"
    assert _doc_ids(store) == ["doc-c"]


def test_what_a_dead_writer_left_behind_is_removed_by_the_next_write(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    _write(store, [A])
    leftover = tmp_path / "idx" / ".tmp-gen-000002-99999"
    leftover.mkdir()
    (leftover / "records.sqlite").write_bytes(b"half written")
    half_manifest = tmp_path / "idx" / ".manifest.json.tmp99999"
    half_manifest.write_text("{", encoding="utf-8")
    _write(store, [B])
    assert not leftover.exists() and not half_manifest.exists()
    assert _doc_ids(store) == ["doc-a", "doc-b"]


def test_sources_accumulate_and_the_removed_list_is_carried_over_until_changed(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    _write(store, [A], sources=["/news/b-folder"])
    removed = {"doc-x": {"source": "/news/x.txt", "title": "X"}}
    _write(store, [B], sources=["/news/a-folder"], removed_by_user=removed)
    carried = _write(store, [C])
    assert carried["sources"] == ["/news/a-folder", "/news/b-folder"]
    assert carried["removed_by_user"] == removed
    assert _write(store, [], removed_by_user={})["removed_by_user"] == {}


def test_the_removed_list_is_the_given_one_else_the_bases_with_plain_string_fields() -> None:
    base = {"removed_by_user": {"z": {"source": "/z.txt", "title": "Z"}, "a": {"source": None}}}
    assert removed_list(None, None) == {}
    assert removed_list(base, None) == {"a": {"source": "", "title": ""}, "z": {"source": "/z.txt", "title": "Z"}}
    assert list(removed_list(base, None)) == ["a", "z"]  # sorted, so manifests compare and diff cleanly
    assert removed_list(base, {"m": {"source": "/m.txt", "title": "M"}}) == {"m": {"source": "/m.txt", "title": "M"}}


def test_a_folder_without_an_index_names_the_command_that_builds_one(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    assert not store.exists()
    assert store.manifest_stamp() == (0, 0)
    with pytest.raises(IndexError_, match="articleqa index PATH"):
        store.manifest()


def test_an_index_of_an_unknown_format_is_refused_with_the_rebuild_hint(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "idx")
    manifest = _write(store, [A])
    (tmp_path / "idx" / "manifest.json").write_text(json.dumps(manifest | {"format_version": 99}), encoding="utf-8")
    with pytest.raises(IndexError_, match="index format 99") as err:
        store.manifest()
    assert "--rebuild" in str(err.value)

