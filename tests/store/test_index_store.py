from __future__ import annotations

import json

import pytest

from articleqa import Assistant
from articleqa.errors import IndexError_, IndexLockedError, ModelMismatchError
from articleqa.ingest import document_from_text
from articleqa.store import IndexStore
from paths import ROOT
from right_answers import assert_right_answer

STORY = (
    "Harbour Festival Opens In Valletta\n\n"
    "The annual harbour festival opened on Saturday in Valletta, the capital of Malta. "
    "Organisers said about 40,000 visitors are expected over three days. "
    "The mayor, Alfred Zammit, cut the ribbon at noon."
)


def test_manifest_records_model_dimension_counts_and_format(article_index):
    manifest = json.loads((article_index / "manifest.json").read_text())
    assert manifest["model"] == "all-MiniLM-L6-v2"
    assert manifest["dim"] == 384
    bundled = [p for p in (ROOT / "articles").iterdir() if p.suffix == ".txt"]
    assert manifest["n_documents"] == len(bundled) and manifest["n_chunks"] >= 3
    assert manifest["format_version"] == 2
    assert manifest["sentences"]["n_units"] >= manifest["n_chunks"]
    assert manifest["vector_index"]["kind"] == "flat"


def test_adding_an_already_indexed_document_is_a_reported_no_op(writable_index, article_path):
    qa = Assistant.open(writable_index)
    before = qa.info()["generation"]
    report = qa.add([article_path])
    assert report.added == [] and len(report.duplicates) == 1
    assert qa.info()["generation"] == before


def test_add_then_remove_a_document(writable_index):
    qa = Assistant.open(writable_index)
    report = qa.add([document_from_text(STORY, source="festival.txt")])
    assert len(report.added) == 1
    doc_id = report.added[0].doc_id
    assert {d.doc_id for d in qa.documents()} >= {doc_id}
    answer = qa.ask("Who cut the ribbon?", doc_ids=[doc_id])
    assert_right_answer(qa, answer, ("Alfred Zammit", "Zammit", "the mayor"), support="Alfred Zammit")
    assert qa.remove(doc_id) is True
    assert doc_id not in {d.doc_id for d in qa.documents()}
    assert qa.remove(doc_id) is False


def test_reindexing_unchanged_text_reuses_vectors(writable_index, monkeypatch):
    qa = Assistant.open(writable_index)
    paragraphs = [
        " ".join(f"Paragraph {p} sentence {i} describes the harbour festival in Valletta." for i in range(12))
        for p in range(3)
    ]
    first = document_from_text("\n\n".join(paragraphs), source="v1.txt", title="Festival")
    qa.add([first])
    edited = document_from_text("\n\n".join([*paragraphs[:2], "A corrected last paragraph."]), source="v2.txt",
                                title="Festival")
    calls: list[int] = []
    original = qa.embedder.encode
    monkeypatch.setattr(qa.embedder, "encode", lambda texts, **kw: calls.append(len(texts)) or original(texts, **kw))
    report = qa.add([edited])
    assert report.n_chunks >= 2
    assert 0 < sum(calls) < report.n_chunks, "unchanged chunks were embedded again"


def test_opening_with_another_model_is_refused_with_a_clear_message(article_index):
    with pytest.raises(ModelMismatchError, match="built with model 'all-MiniLM-L6-v2'"):
        Assistant.open(article_index, model="sentence-transformers/paraphrase-MiniLM-L3-v2")


def test_the_bundled_model_aliases_are_the_same_model(article_index):
    Assistant.open(article_index, model="sentence-transformers/all-MiniLM-L6-v2")


def test_missing_index_names_the_command_to_build_it(tmp_path):
    with pytest.raises(IndexError_, match="articleqa index"):
        Assistant.open(tmp_path / "nothing")


def test_a_second_writer_is_told_the_index_is_locked(writable_index):
    store = IndexStore(writable_index)
    qa = Assistant.open(writable_index)
    with store.lock(), pytest.raises(IndexLockedError, match="another articleqa process"):
        qa.add([document_from_text(STORY, source="x.txt")])


def test_a_truncated_index_file_names_the_rebuild_command(writable_index):
    manifest = json.loads((writable_index / "manifest.json").read_text())
    vectors = writable_index / manifest["generation"] / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(IndexError_, match="--rebuild"):
        Assistant.open(writable_index)


def test_a_tampered_manifest_names_the_rebuild_command(writable_index):
    (writable_index / "manifest.json").write_text("{not json")
    with pytest.raises(IndexError_, match="--rebuild"):
        Assistant.open(writable_index)
