"""Indexing a file again: unchanged files are no-ops, a changed file replaces its older version (never sits
beside it), and a file that now reads only in part keeps what the index had."""

from __future__ import annotations

import json
from pathlib import Path

from articleqa import Assistant
from articleqa.cli import main
from right_answers import assert_right_answer

V1 = "Harbour Bridge Reopens\n\nThe Harbour Bridge reopened on Tuesday after eight months of repairs costing 12 million pounds.\n"
V2 = "Harbour Bridge Reopens\n\nThe Harbour Bridge reopened on Friday after nine months of repairs costing 15 million pounds.\n"
OTHER = "Library Opens\n\nThe new central library opened in Westmere with 40,000 books on its shelves.\n"


def _build(tmp_path: Path, files: dict[str, str]) -> tuple[Assistant, dict[str, Path]]:
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text, encoding="utf-8")
    return Assistant.build(list(paths.values()), index_dir=tmp_path / "idx"), paths


def test_a_changed_file_replaces_its_older_version(tmp_path):
    qa, paths = _build(tmp_path, {"bridge.txt": V1, "library.txt": OTHER})
    old_id = next(d.doc_id for d in qa.documents() if d.source.endswith("bridge.txt"))
    paths["bridge.txt"].write_text(V2, encoding="utf-8")
    report = qa.add([tmp_path / "bridge.txt", tmp_path / "library.txt"])
    assert [d.doc_id for d in report.replaced] == [old_id]
    assert len(report.added) == 1 and len(report.duplicates) == 1
    docs = qa.documents()
    assert len(docs) == 2 and old_id not in {d.doc_id for d in docs}
    answer = qa.ask("How much did the bridge repairs cost?")
    assert_right_answer(qa, answer, ("15 million",))  # "15 million" or "15 million pounds", its quote verified
    assert all("12 million" not in c.quote for c in answer.citations)


def test_an_unchanged_file_is_reported_and_nothing_is_written(tmp_path):
    qa, paths = _build(tmp_path, {"bridge.txt": V1})
    generation = qa.info()["generation"]
    report = qa.add([paths["bridge.txt"]])
    assert not report.added and not report.replaced and len(report.duplicates) == 1
    assert qa.info()["generation"] == generation


def test_a_file_that_now_reads_only_in_part_keeps_its_old_documents(tmp_path):
    records = [{"title": "Bridge", "text": V1}, {"title": "Library", "text": OTHER}]
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    qa = Assistant.build([path], index_dir=tmp_path / "idx")
    before = {d.doc_id for d in qa.documents()}
    path.write_text(json.dumps({"title": "Bridge", "text": V2}) + "\n{not json", encoding="utf-8")
    report = qa.add([path])
    assert report.skipped and not report.replaced
    assert before <= {d.doc_id for d in qa.documents()}


def test_index_command_says_which_older_version_it_replaced(tmp_path, capsys):
    path = tmp_path / "bridge.txt"
    path.write_text(V1, encoding="utf-8")
    index = str(tmp_path / "idx")
    assert main(["index", str(path), "--index-dir", index]) == 0
    path.write_text(V2, encoding="utf-8")
    capsys.readouterr()
    assert main(["index", str(path), "--index-dir", index]) == 0
    out = capsys.readouterr().out
    assert "replaced the older version of" in out and "now holds 1 document(s)" in out


def test_indexing_a_folder_again_adds_only_the_new_file(tmp_path, capsys):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "bridge.txt").write_text(V1, encoding="utf-8")
    index = str(tmp_path / "idx")
    assert main(["index", str(folder), "--index-dir", index]) == 0
    (folder / "library.txt").write_text(OTHER, encoding="utf-8")
    capsys.readouterr()
    assert main(["index", str(folder), "--index-dir", index, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("indexed 1 new document(s)") and "now holds 2 document(s)" in out
    assert "; 1 already indexed (no change)" in out and len(out.strip().splitlines()) == 1


def test_make_run_indexes_the_articles_folder_before_serving() -> None:
    import subprocess

    root = Path(__file__).resolve().parents[1]
    dry = subprocess.run(["make", "-n", "run", "INDEX=index-that-exists", "-o", "index-that-exists/manifest.json",
                          "-o", ".venv/.installed"], cwd=root, capture_output=True, text=True, check=True).stdout
    lines = [line for line in dry.splitlines() if "articleqa" in line]
    assert "index articles/" in lines[0] and "--index-dir index-that-exists" in lines[0]
    assert "serve" in lines[-1] and len(lines) == 2
