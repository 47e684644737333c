"""The evaluation harness: loaders, scoring arithmetic (with a scripted fake Assistant), report files,
and one end-to-end run with the real Assistant over a tiny SQuAD v2 file."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from articleqa.errors import InputError
from articleqa.evaluate import (
    CORPUS,
    PER_DOC,
    aggregate,
    evaluate,
    load_dataset,
    sample_questions,
    summary_table,
    worst_questions,
    write_report,
)
from articleqa.records import Answer, Chunk, Citation, Document, Passage
from paths import ROOT

CONTEXTS = [
    (
        "Oman talks",
        "The talks between the United States and Iran will take place in Muscat on Friday. "
        "Iran's foreign minister, Abbas Araghchi, confirmed the meeting.",
        [
            ("q-where", "Where will the talks take place?", ["Muscat"]),
            ("q-confirmed", "Who confirmed the meeting?", ["Abbas Araghchi"]),
            ("q-centrifuges", "How many centrifuges does Iran operate?", []),
        ],
    ),
    (
        "Carrier",
        "The U.S. has deployed the USS Abraham Lincoln carrier strike group to the region. "
        "Secretary of State Marco Rubio expressed skepticism about the talks.",
        [
            ("q-carrier", "Which carrier strike group was deployed?", ["USS Abraham Lincoln"]),
            ("q-rubio", "Who is the Secretary of State?", ["Marco Rubio"]),
        ],
    ),
    (
        "Bridge",
        "The Golden Gate Bridge opened in 1937. It spans the strait connecting San Francisco Bay and the "
        "Pacific Ocean.",
        [
            ("q-bridge", "When did the Golden Gate Bridge open?", ["1937"]),
            ("q-eiffel", "Who designed the Eiffel Tower?", []),
        ],
    ),
]

REPORT_KEYS = [
    "n_questions",
    "answer.exact_match",
    "answer.f1",
    "evidence.hit_at_1",
    "retrieval.answer_recall_at_1",
    "retrieval.answer_recall_at_3",
    "retrieval.answer_recall_at_5",
    "retrieval.answer_recall_at_10",
    "retrieval.mrr",
    "citations.verbatim_rate",
    "abstention.precision",
    "abstention.recall",
    "abstention.f1",
    "answer_rate_on_answerable",
    "latency_ms.p50",
    "latency_ms.p95",
    "index.build_seconds",
]


def squad2(
    contexts: Sequence[tuple[str, str, list[tuple[str, str, list[str]]]]] = CONTEXTS,
) -> dict[str, Any]:
    """A SQuAD v2 JSON object whose answer_start offsets are computed, not typed by hand."""
    data = []
    for title, context, qas in contexts:
        items = []
        for qid, question, golds in qas:
            answers = [{"text": g, "answer_start": context.index(g)} for g in golds]
            items.append({"id": qid, "question": question, "answers": answers, "is_impossible": not golds})
        data.append({"title": title, "paragraphs": [{"context": context, "qas": items}]})
    return {"version": "v2.0", "data": data}


@pytest.fixture
def squad_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-squad2.json"
    path.write_text(json.dumps(squad2()), encoding="utf-8")
    return path


# ------------------------------------------------------------------ a scripted stand-in for Assistant

# question -> (short answer or None to decline, a substring of the sentence quoted, confidence, lie?)
SCRIPT: dict[str, tuple[str | None, str | None, float, bool]] = {
    "Where will the talks take place?": ("Muscat", "in Muscat", 0.9, False),
    "Who confirmed the meeting?": ("Abbas Araghchi confirmed", "Abbas Araghchi", 0.8, False),
    "Which carrier strike group was deployed?": (None, None, 0.2, False),
    "Who is the Secretary of State?": ("Marco Rubio", "Marco Rubio", 0.7, False),
    "When did the Golden Gate Bridge open?": ("1937", "1937", 0.95, False),
    "How many centrifuges does Iran operate?": (None, None, 0.1, False),
    # answers an unanswerable question and claims offsets that are off by one: must not count as verbatim
    "Who designed the Eiffel Tower?": ("Golden Gate Bridge", "Golden Gate", 0.6, True),
}


class FakeAssistant:
    """Answers from SCRIPT; passages are whole documents in index order (so corpus ranks differ)."""

    registry: ClassVar[list[Document]] = []
    asked: ClassVar[list[dict[str, Any]]] = []
    built: ClassVar[dict[str, list[Document]]] = {}

    def __init__(self, docs: Sequence[Document]) -> None:
        self.docs = {d.doc_id: d for d in docs}

    @classmethod
    def build(
        cls,
        paths_or_documents: Sequence[Any],
        index_dir: Any = None,
        settings: Any = None,
        progress: bool = False,
    ) -> FakeAssistant:
        cls.built[str(index_dir)] = [d for d in paths_or_documents if isinstance(d, Document)]
        return cls(cls.built[str(index_dir)])

    @classmethod
    def open(cls, index_dir: Any, settings: Any = None) -> FakeAssistant:
        return cls(cls.built.get(str(index_dir), cls.registry))

    def info(self) -> dict[str, Any]:
        return {"model": "fake", "n_documents": len(self.docs), "n_chunks": len(self.docs), "dim": 3}

    def document(self, doc_id: str) -> Document:
        return self.docs[doc_id]

    def ask(
        self,
        question: str,
        doc_ids: Sequence[str] | None = None,
        top_k: int | None = None,
        history: list[str] | None = None,
    ) -> Answer:
        FakeAssistant.asked.append(
            {"question": question, "doc_ids": doc_ids, "top_k": top_k, "history": history}
        )
        pool = [self.docs[d] for d in doc_ids] if doc_ids else list(self.docs.values())
        passages = [
            Passage(Chunk(f"{d.doc_id}:0", d.doc_id, d.text, 0, len(d.text), 10), 1.0 / (i + 1), i + 1)
            for i, d in enumerate(pool)
        ]
        text, needle, conf, lie = SCRIPT.get(question, (None, None, 0.0, False))
        citations = []
        if text is not None and needle is not None:
            doc = next(d for d in pool if needle in d.text)
            pos = doc.text.index(needle)
            start = doc.text.rfind(". ", 0, pos)
            start = 0 if start < 0 else start + 2
            end = doc.text.find(".", pos) + 1
            shift = 1 if lie else 0
            citations.append(
                Citation(
                    1,
                    doc.doc_id,
                    doc.title,
                    doc.source,
                    doc.text[start:end],
                    start + shift,
                    end + shift,
                    conf,
                )
            )
        return Answer(
            question,
            text if text is not None else "Not found in the indexed articles.",
            text is not None,
            conf,
            citations,
            passages,
            {"total": 1.0},
        )


@pytest.fixture
def fake_assistant(monkeypatch: pytest.MonkeyPatch) -> type[FakeAssistant]:
    module = types.ModuleType("articleqa.assistant")
    module.Assistant = FakeAssistant  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "articleqa.assistant", module)
    FakeAssistant.asked = []
    return FakeAssistant


# ------------------------------------------------------------------ loaders


def test_load_squad2(squad_file: Path) -> None:
    ds = load_dataset(squad_file)
    assert ds.format == "squad" and ds.name == "tiny-squad2" and ds.version == "v2.0"
    assert len(ds.contexts) == 3 and len(ds.questions) == 7
    by_id = {q.id: q for q in ds.questions}
    assert by_id["q-where"].answers == ["Muscat"] and by_id["q-where"].answerable
    assert by_id["q-eiffel"].answers == [] and not by_id["q-eiffel"].answerable
    assert ds.contexts[by_id["q-carrier"].context or 0][1] == "Carrier"
    assert ds.contexts[0][2] == "tiny-squad2#Oman talks/0"


def test_load_jsonl_defaults_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "qs.jsonl"
    path.write_text(
        '{"id": "a", "question": "Where?", "answers": ["Muscat", "Muscat", "Oman"]}\n\n'
        '{"question": "Who?", "answers": [], "history": ["Where?"], "doc_id": "abc"}\n',
        encoding="utf-8",
    )
    ds = load_dataset(path)
    assert ds.format == "jsonl"
    a, b = ds.questions
    assert a.answers == ["Muscat", "Oman"] and a.answerable and a.history == []
    assert b.id == "line-3" and not b.answerable and b.history == ["Where?"] and b.doc_id == "abc"

    bad = tmp_path / "bad.jsonl"
    for line, message in [
        ("{not json", "not valid JSON"),
        ('{"answers": []}', "'question'"),
        ('{"question": "q", "answers": "Muscat"}', "'answers'"),
        ('{"question": "q", "answers": [], "answerable": true}', "no gold answers"),
        ('{"question": "q", "answers": [], "history": "x"}', "'history'"),
    ]:
        bad.write_text(line + "\n", encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_dataset(bad)
    with pytest.raises(InputError, match="not found"):
        load_dataset(tmp_path / "missing.json")
    not_squad = tmp_path / "other.json"
    not_squad.write_text('{\n  "version": 1\n}\n', encoding="utf-8")
    with pytest.raises(InputError, match="neither SQuAD"):
        load_dataset(not_squad)
    not_squad.write_text('{"data": [["not", "an", "article"]]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"data\[0\]"):
        load_dataset(not_squad)


def test_project_question_set_is_valid() -> None:
    """eval/questions.jsonl: enough questions, unanswerables and follow-ups; golds come from the article."""
    root = ROOT
    ds = load_dataset(root / "eval" / "questions.jsonl")
    articles = [p.read_text(encoding="utf-8") for p in sorted((root / "articles").glob("*.txt"))]
    assert len(ds.questions) >= 25
    assert sum(not q.answerable for q in ds.questions) >= 5
    assert sum(bool(q.history) for q in ds.questions) >= 5
    by_id = {q.id: q for q in ds.questions}
    assert by_id["who-urged"].history == ["Where are the talks held?"]
    for q in ds.questions:
        if q.answerable:  # at least one gold is a verbatim span of an article
            assert any(g in a for g in q.answers for a in articles), q.id


def test_sample_is_deterministic_and_keeps_order(squad_file: Path) -> None:
    qs = load_dataset(squad_file).questions
    first = [q.id for q in sample_questions(qs, 4, seed=1)]
    assert first == [q.id for q in sample_questions(qs, 4, seed=1)]
    assert len(first) == 4 and first == [q.id for q in qs if q.id in first]
    assert len(sample_questions(qs, None)) == 7 and len(sample_questions(qs, 100)) == 7
    with pytest.raises(InputError):
        sample_questions(qs, 0)


# ------------------------------------------------------------------ scoring arithmetic (hand-computed)


def test_evaluate_squad_with_scripted_answers(
    squad_file: Path, tmp_path: Path, fake_assistant: type[FakeAssistant]
) -> None:
    report = evaluate(squad_file, out=tmp_path / "out", progress=False)
    assert report["evaluated"] == [PER_DOC, CORPUS]
    asked = [a for a in fake_assistant.asked if a["question"] != "warm-up question"]
    assert all(a["top_k"] == 10 for a in asked)
    assert (
        len(asked) == 14 and sum(a["doc_ids"] is None for a in asked) == 7
    )  # per_doc and corpus, interleaved
    assert all(len(a["doc_ids"]) == 1 for a in asked if a["doc_ids"] is not None)

    for setting in (PER_DOC, CORPUS):
        m = report[setting]
        for key in REPORT_KEYS:
            assert key in m, (setting, key)
        assert m["n_questions"] == 7 and m["n_answerable"] == 5 and m["n_unanswerable"] == 2
        assert m["answer.exact_match"] == pytest.approx(3 / 5)  # Muscat, Rubio, 1937
        assert m["answer.f1"] == pytest.approx(
            (1 + 0.8 + 0 + 1 + 1) / 5
        )  # "Abbas Araghchi confirmed": P=2/3, R=1
        assert m["answer.f1_when_answered"] == pytest.approx(3.8 / 4)
        assert m["answer_rate_on_answerable"] == pytest.approx(4 / 5)
        assert m["evidence.hit_at_1"] == pytest.approx(4 / 5)  # the declined one shows no quote
        # declined: carrier (answerable) and centrifuges (unanswerable) -> P = 1/2; R = 1/2 unanswerables caught
        assert (m["abstention.precision"], m["abstention.recall"], m["abstention.f1"]) == (0.5, 0.5, 0.5)
        assert m["citations.n"] == 5 and m["citations.verbatim_rate"] == pytest.approx(
            4 / 5
        )  # one lie caught
        assert m["index.build_seconds"] is not None and m["latency_ms.p50"] is not None
    # per document the only passage is the right one; over the corpus documents come in index order
    assert report[PER_DOC]["retrieval.answer_recall_at_1"] == 1.0 and report[PER_DOC]["retrieval.mrr"] == 1.0
    c = report[CORPUS]
    assert c["retrieval.answer_recall_at_1"] == pytest.approx(2 / 5)  # ranks 1, 1, 2, 2, 3
    assert c["retrieval.answer_recall_at_3"] == 1.0 and c["retrieval.answer_recall_at_10"] == 1.0
    assert c["retrieval.mrr"] == pytest.approx((1 + 1 + 0.5 + 0.5 + 1 / 3) / 5)

    rows = [r for r in report["questions"] if r["setting"] == CORPUS]
    assert {r["id"] for r in rows} == {qid for _, _, qas in CONTEXTS for qid, _, _ in qas}
    row = next(r for r in rows if r["id"] == "q-confirmed")
    assert row["scores"]["f1"] == pytest.approx(0.8) and row["scores"]["em"] == 0.0 and row["correct"]
    assert row["top_quote"] == "Iran's foreign minister, Abbas Araghchi, confirmed the meeting."
    for key in (
        "id",
        "setting",
        "question",
        "history",
        "gold",
        "answer",
        "answerable",
        "predicted_answerable",
        "confidence",
        "top_quote",
        "scores",
        "latency_ms",
    ):
        assert key in row
    assert report["index"]["n_documents"] == 3 and report["dataset"]["n_questions_evaluated"] == 7
    assert set(report["calibration"]) == {PER_DOC, CORPUS}
    assert sum(b["count"] for b in report["calibration"][CORPUS]) == 7

    out = tmp_path / "out"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["per_doc"][
        "answer.f1"
    ] == pytest.approx(0.76)
    assert len(list(out.glob("*.png"))) >= 3
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| answer.f1 " in md and "worst questions: corpus" in md and "q-eiffel" in md


def test_evaluate_limit_indexes_only_needed_contexts(
    squad_file: Path, fake_assistant: type[FakeAssistant]
) -> None:
    report = evaluate(squad_file, limit=2, seed=3, progress=False)
    ids = {r["id"] for r in report["questions"]}
    assert len(ids) == 2 and report["per_doc"]["n_questions"] == 2
    contexts = {cid for cid, (_, _, qas) in enumerate(CONTEXTS) for qid, _, _ in qas if qid in ids}
    assert report["index"]["n_documents"] == len(contexts)
    assert report["files"] == []  # no out: nothing written


def test_one_squad_setting_asks_each_question_once_and_reports_only_that_setting(
    squad_file: Path, tmp_path: Path, fake_assistant: type[FakeAssistant]
) -> None:
    report = evaluate(squad_file, out=tmp_path / "out", progress=False, squad_settings=(PER_DOC,))
    asked = [a for a in fake_assistant.asked if a["question"] != "warm-up question"]
    assert len(asked) == 7 and all(a["doc_ids"] is not None for a in asked)
    assert report["evaluated"] == [PER_DOC] and CORPUS not in report and set(report["calibration"]) == {PER_DOC}
    assert report["answer.f1"] == report[PER_DOC]["answer.f1"] == pytest.approx(0.76)
    assert "| answer.f1 " in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="per_doc"):
        evaluate(squad_file, progress=False, squad_settings=("per_story",))


def test_the_eval_command_scores_only_the_setting_asked_for(
    squad_file: Path, tmp_path: Path, fake_assistant: type[FakeAssistant], capsys: pytest.CaptureFixture[str]
) -> None:
    from articleqa.cli import main

    assert main(["eval", "--dataset", str(squad_file), "--setting", "corpus", "--out", str(tmp_path / "r")]) == 0
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["evaluated"] == [CORPUS] and {r["setting"] for r in report["questions"]} == {CORPUS}
    assert "report written to" in capsys.readouterr().out


def test_evaluate_project_jsonl_over_existing_index(
    tmp_path: Path, fake_assistant: type[FakeAssistant]
) -> None:
    doc = Document("d1", "Oman talks", CONTEXTS[0][1], "talks.txt")
    fake_assistant.registry = [doc]
    questions = tmp_path / "qs.jsonl"
    rows = [
        {"id": "where", "question": "Where will the talks take place?", "answers": ["Muscat", "Oman"]},
        {
            "id": "fu",
            "question": "Who confirmed the meeting?",
            "answers": ["Abbas Araghchi"],
            "history": ["Where will the talks take place?"],
            "doc_id": "d1",
        },
        {"id": "na", "question": "How many centrifuges does Iran operate?", "answers": []},
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(InputError, match="no index"):
        evaluate(questions, index_dir=tmp_path / "nope", progress=False)
    (tmp_path / "index").mkdir()
    report = evaluate(questions, index_dir=tmp_path / "index", progress=False, out=tmp_path / "out")
    assert report["evaluated"] == [CORPUS] and PER_DOC not in report
    assert report["answer.f1"] == report[CORPUS]["answer.f1"] == pytest.approx((1 + 0.8) / 2)
    assert report[CORPUS]["followups.n"] == 1 and report[CORPUS]["followups.f1"] == pytest.approx(0.8)
    assert report["abstention.recall"] == 1.0 and report["index"]["build_seconds"] is None
    fu = next(a for a in fake_assistant.asked if a["question"] == "Who confirmed the meeting?")
    assert fu["history"] == ["Where will the talks take place?"] and fu["doc_ids"] == ["d1"]
    assert next(a for a in fake_assistant.asked if a["question"].startswith("Where"))["doc_ids"] is None
    assert len(list((tmp_path / "out").glob("*.png"))) >= 3


# ------------------------------------------------------------------ presentation


def _row(
    qid: str, answerable: bool, predicted: bool, f1: float | None, conf: float, **extra: Any
) -> dict[str, Any]:
    row = {
        "id": qid,
        "setting": CORPUS,
        "question": f"question {qid}?",
        "history": [],
        "doc_id": None,
        "gold": ["gold | with pipe"] if answerable else [],
        "answer": "ans | wer",
        "answerable": answerable,
        "predicted_answerable": predicted,
        "confidence": conf,
        "correct": bool(answerable and predicted and (f1 or 0) >= 0.5),
        "top_quote": "a quote\nwith | pipe",
        "first_hit_rank": 1 if answerable else None,
        "n_passages": 1,
        "n_citations": 1,
        "n_verbatim": 1,
        "latency_ms": 10.0,
        "error": None,
        "scores": {"em": f1, "f1": f1, "hit_at_1": 1.0, "rr": 1.0}
        if answerable
        else dict.fromkeys(("em", "f1", "hit_at_1", "rr")),
    }
    row.update(extra)
    return row


def test_aggregate_without_unanswerables_omits_abstention() -> None:
    m = aggregate([_row("a", True, True, 1.0, 0.9), _row("b", True, False, 0.0, 0.2)], build_seconds=1.5)
    assert "abstention.precision" not in m and m["answer_rate_on_answerable"] == 0.5
    assert m["answer.f1"] == 0.5 and m["index.build_seconds"] == 1.5 and m["latency_ms.p95"] == 10.0
    empty = aggregate([])
    assert (
        empty["n_questions"] == 0 and empty["answer.f1"] is None and empty["citations.verbatim_rate"] is None
    )


def test_summary_table_and_worst_questions(tmp_path: Path) -> None:
    rows = [
        _row("good", True, True, 1.0, 0.9),
        _row("half", True, True, 0.5, 0.8),
        _row("miss", True, False, 0.0, 0.1),
        _row("fooled", False, True, None, 0.7),
        _row("declined", False, False, None, 0.1),
    ]
    report: dict[str, Any] = {
        "dataset": {
            "path": "x.jsonl",
            "name": "x",
            "format": "jsonl",
            "n_questions_total": 5,
            "n_questions_evaluated": 5,
            "limit": None,
            "seed": 0,
        },
        "evaluated": [CORPUS],
        CORPUS: aggregate(rows),
        "questions": rows,
        "index": {},
        "calibration": {CORPUS: []},
    }
    table = summary_table(report)
    lines = table.splitlines()
    assert lines[0].startswith("| metric") and "corpus" in lines[0] and set(lines[1]) <= {"|", " ", "-", ":"}
    assert any(line.startswith("| answer.f1 ") and "0.500" in line for line in lines)
    assert any(line.startswith("| latency_ms.p50 ") and "10.0" in line for line in lines)
    assert [r["id"] for r in worst_questions(report, CORPUS)] == ["fooled", "miss", "half"]
    files = write_report(report, tmp_path)
    assert files[:2] == ["report.json", "report.md"] and sum(f.endswith(".png") for f in files) >= 3
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    worst = md[md.index("worst questions") :]
    assert "gold \\| with pipe" in worst and "a quote with \\| pipe" in worst
    for line in worst.splitlines():
        if line.startswith("| fooled"):  # escaped pipes keep the row at exactly 7 cells
            assert line.replace("\\|", "").count("|") == 8


# ------------------------------------------------------------------ the real thing


def test_evaluate_real_assistant_tiny_squad2(squad_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    report = evaluate(squad_file, out=out, progress=False)
    assert report["evaluated"] == [PER_DOC, CORPUS]
    for setting in (PER_DOC, CORPUS):
        m = report[setting]
        for key in REPORT_KEYS:
            assert key in m, (setting, key)
        assert m["n_questions"] == 7 and m["n_errors"] == 0
        assert m["citations.n"] > 0 and m["citations.verbatim_rate"] == 1.0
        assert m["index.build_seconds"] > 0
    assert len(report["questions"]) == 14
    names = {p.name for p in out.iterdir()}
    assert {"report.json", "report.md"} <= names and sum(n.endswith(".png") for n in names) >= 3
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved["corpus"]["n_questions"] == 7 and saved["settings"]["model"]


def test_evaluate_project_questions_real_assistant(project_eval: tuple[dict, Path]) -> None:
    """eval/questions.jsonl over the bundled article's index: one setting, mirrored at top level."""
    questions = ROOT / "eval" / "questions.jsonl"
    report, out = project_eval  # evaluated once per session (conftest.py), also read by test_reader.py
    n = len(load_dataset(questions).questions)
    assert report["evaluated"] == [CORPUS] and report["n_questions"] == report[CORPUS]["n_questions"] == n
    for key in REPORT_KEYS:
        assert key in report[CORPUS] and key in report, key
    assert report[CORPUS]["n_errors"] == 0 and report[CORPUS]["followups.n"] >= 5
    assert report["citations.verbatim_rate"] == 1.0
    follow_up = next(r for r in report["questions"] if r["id"] == "who-urged")
    assert follow_up["history"] == ["Where are the talks held?"]
    assert sum(p.suffix == ".png" for p in out.iterdir()) >= 3
