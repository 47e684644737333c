"""The command line: exit codes, one-line errors, JSON with the contract's field names."""

from __future__ import annotations

import json

import pytest

from articleqa.cli import main


def test_ask_json_prints_the_answer_with_contract_fields(article_index, capsys):
    code = main(["ask", "Where will the US and Iranian officials meet?", "--index-dir", str(article_index), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"question", "text", "answerable", "confidence", "citations", "passages", "timings_ms"}
    assert "Oman" in data["text"] or "Muscat" in data["text"]


def test_ask_with_history_reports_the_rewritten_question(article_index, capsys):
    code = main(["ask", "Who confirmed it?", "--history", "Where will the talks take place?",
                 "--index-dir", str(article_index), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rewritten_question"]


def test_docs_lists_the_article(article_index, capsys):
    assert main(["docs", "--index-dir", str(article_index), "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert docs[0]["title"] == "US-Iran Nuclear Talks Revived After Regional Pressure"


def test_docs_prints_long_titles_whole(article_index, capsys):
    assert main(["docs", "--index-dir", str(article_index)]) == 0
    out = capsys.readouterr().out
    title = "Westmere Picks Hollis & Brandt Construction Group to Build New Central Library"
    assert len(title) > 60 and title in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["ask", "anything", "--index-dir", "{missing}"], "no index"),
        (["remove", "nope", "--index-dir", "{index}"], "no document"),
        (["index", "{missing}/nothing.txt", "--index-dir", "{tmp}/new"], "skipped"),
        (["index", "--index-dir", "{tmp}/new"], "at least one file"),
        (["eval", "--dataset", "{missing}/q.jsonl"], "not found"),
        (["frobnicate"], "invalid choice"),
        (["ask"], "required"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(argv, fragment, article_index, tmp_path, capsys):
    values = {"missing": str(tmp_path / "missing"), "index": str(article_index), "tmp": str(tmp_path)}
    argv = [a.format(**values) for a in argv]
    with pytest.raises(SystemExit) as excinfo:
        raise SystemExit(main(argv))
    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert any(fragment in line for line in lines), captured.err
    assert "Traceback" not in captured.err
    if fragment != "skipped":
        assert len(lines) == 1


def test_index_then_remove_through_the_cli(article_path, tmp_path, capsys):
    index_dir = str(tmp_path / "idx")
    assert main(["index", str(article_path), "--index-dir", index_dir, "--no-progress"]) == 0
    assert "1 new document" in capsys.readouterr().out
    assert main(["index", str(article_path), "--index-dir", index_dir, "--no-progress"]) == 0
    assert "already indexed" in capsys.readouterr().out
    main(["docs", "--index-dir", index_dir, "--json"])
    doc_id = json.loads(capsys.readouterr().out)[0]["doc_id"]
    assert main(["remove", doc_id, "--index-dir", index_dir]) == 0
