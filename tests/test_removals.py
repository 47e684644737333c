"""A document removed in the Library or with `articleqa remove` stays removed: indexing its folder again (as
`make run` does at every start) leaves it out, until its file is added again by hand or changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from articleqa import Assistant
from articleqa.cli import main

ROOT = Path(__file__).resolve().parents[1]
WESTMERE = "westmere-library-contract.txt"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    for name, topic in [("bridge.txt", "bridge"), ("harbour.txt", "harbour"), ("market.txt", "market")]:
        body = " ".join(f"The {topic} board met on day {j} and approved plan {j}." for j in range(8))
        (folder / name).write_text(f"{topic.title()} news\n\n{body}\n", encoding="utf-8")
    return folder


def _titles(qa: Assistant) -> set[str]:
    return {d.title for d in qa.documents()}


def _doc_id(qa: Assistant, title: str) -> str:
    return next(d.doc_id for d in qa.documents() if d.title == title)


def test_a_removed_sample_article_stays_out_when_make_run_indexes_articles_again(tmp_path, capsys):
    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "articles", articles)
    index = str(tmp_path / "index")
    assert main(["index", str(articles), "--index-dir", index, "--no-progress"]) == 0
    capsys.readouterr()
    main(["docs", "--index-dir", index, "--json"])
    docs = json.loads(capsys.readouterr().out)
    westmere = next(d for d in docs if d["source"].endswith(WESTMERE))
    assert main(["remove", westmere["doc_id"], "--index-dir", index]) == 0
    capsys.readouterr()

    assert main(["index", str(articles), "--index-dir", index, "--no-progress"]) == 0  # what make run does
    out = capsys.readouterr().out
    assert out.startswith("indexed 0 new document(s)") and "now holds 3 document(s)" in out
    assert f"1 left out because removed earlier ({WESTMERE}" in out and len(out.strip().splitlines()) == 1
    assert westmere["doc_id"] not in {d.doc_id for d in Assistant.open(index).documents()}


def test_a_document_removed_in_the_library_tab_stays_out_after_a_restart(tmp_path):
    from articleqa.ui.library import Library

    folder = _folder(tmp_path)
    index = tmp_path / "idx"
    qa = Assistant.build([str(folder)], index_dir=index)
    library = Library(qa, tmp_path / "uploads", 50)
    status, *_ = library.remove_document(_doc_id(qa, "Harbour news"))
    assert "Removed “Harbour news”" in status and "stays out when its folder is indexed again" in status

    again = Assistant.build([str(folder)], index_dir=index)  # a new start: the folder is indexed again
    assert _titles(again) == {"Bridge news", "Market news"}
    assert [d.title for d in again.last_report.left_out] == ["Harbour news"]
    assert not again.last_report.added


def test_a_removed_document_comes_back_when_its_file_is_indexed_by_name(tmp_path, capsys):
    folder = _folder(tmp_path)
    index = tmp_path / "idx"
    qa = Assistant.build([str(folder)], index_dir=index)
    qa.remove(_doc_id(qa, "Harbour news"))
    assert main(["index", str(folder / "harbour.txt"), "--index-dir", str(index), "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("indexed 1 new document(s)")
    again = Assistant.build([str(folder)], index_dir=index)  # and it is no longer on the removed list
    assert _titles(again) == {"Bridge news", "Harbour news", "Market news"} and not again.last_report.left_out


def test_a_removed_document_comes_back_when_its_file_changes(tmp_path):
    folder = _folder(tmp_path)
    index = tmp_path / "idx"
    qa = Assistant.build([str(folder)], index_dir=index)
    qa.remove(_doc_id(qa, "Harbour news"))
    path = folder / "harbour.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nThe board also named a new harbour master.\n",
                    encoding="utf-8")
    again = Assistant.build([str(folder)], index_dir=index)
    assert "Harbour news" in _titles(again) and [d.title for d in again.last_report.added] == ["Harbour news"]


def test_a_removed_record_of_a_json_lines_file_stays_out_when_another_record_changes(tmp_path):
    folder = tmp_path / "feed"
    folder.mkdir()
    records = [{"title": f"Story {i}", "text": " ".join(f"Story {i} reports event {j} in town." for j in range(6))}
               for i in range(3)]
    path = folder / "feed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    index = tmp_path / "idx"
    qa = Assistant.build([str(folder)], index_dir=index)
    qa.remove(_doc_id(qa, "Story 1"))
    records[2]["text"] += " A late update was added."
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    again = Assistant.build([str(folder)], index_dir=index)
    assert _titles(again) == {"Story 0", "Story 2"}
    assert [d.title for d in again.last_report.left_out] == ["Story 1"]


def test_the_removed_list_survives_a_rebuild(tmp_path):
    folder = _folder(tmp_path)
    index = tmp_path / "idx"
    qa = Assistant.build([str(folder)], index_dir=index)
    qa.remove(_doc_id(qa, "Market news"))
    rebuilt = Assistant.build([str(folder)], index_dir=index, rebuild=True)
    assert _titles(rebuilt) == {"Bridge news", "Harbour news"}
