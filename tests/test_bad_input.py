"""Bad input never stops a batch: every problem is reported with its file and reason (issue 7, part 1).

One table drives both entry points — ``articleqa index`` (exit code, stdout summary, one stderr line per
skipped file) and ``Assistant.add`` (``AddReport.skipped``) — and afterwards the index must hold exactly
the bundled article plus the good documents of the case.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from articleqa import Assistant
from articleqa.cli import main
from articleqa.embedding import Embedder

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
ARTICLE = Path(__file__).resolve().parent.parent / "articles" / "us-iran-talks-oman.txt"

# A paragraph long enough to be chunked and embedded, short enough to keep the table fast.
FILLER = "The committee met on Tuesday to review the harbour budget and agreed to publish its findings."


@dataclass
class Case:
    id: str
    files: dict[str, bytes | Path]  # name → content, or a fixture to copy
    skipped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # skipped label (relative) → fragments
    good: tuple[str, ...] = ()  # a phrase from each document that must end up in the index
    duplicates: int = 0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 0 if self.good or self.duplicates else 2


def _big_text() -> bytes:
    return ("\n\n".join(f"{FILLER} Paragraph {i}." for i in range(400))).encode()


CASES = [
    Case("empty-file", {"empty.txt": b""}, {"empty.txt": ("is empty",)}),
    Case("whitespace-only", {"blank.txt": b"  \n\t\r\n   \n"}, {"blank.txt": ("is empty",)}),
    Case(
        "binary-with-txt-extension",
        {"photo.txt": bytes(range(256)) * 8},
        {"photo.txt": ("looks binary", "convert it to plain text")},
    ),
    Case(
        "binary-without-nul-bytes",
        {"noise.txt": bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 65]) * 200},
        {"noise.txt": ("looks binary",)},
    ),
    Case("cp1252-text", {"cp1252.txt": FIXTURES / "cp1252.txt"}, good=("The café owner said “smart quotes” are fine — really.",)),
    Case("latin-1-text", {"latin1.txt": FIXTURES / "latin1.txt"}, good=("The résumé of the naïve café owner, © the author.",)),
    Case(
        "latin-1-bytes-undefined-in-cp1252",
        {"legacy.txt": "Smørrebrød in Århus costs 85 kroner at the Café Ærø.".encode("latin-1") + b" \x81\x8d."},
        good=("Smørrebrød in Århus costs 85 kroner at the Café Ærø.",),
    ),
    Case(
        "file-over-the-size-limit",
        {"huge.txt": _big_text()},
        {"huge.txt": ("KB", "over the 0.01 MB limit", "ARTICLEQA_MAX_FILE_MB")},
        env={"ARTICLEQA_MAX_FILE_MB": "0.01"},
    ),
    Case(
        "unsupported-extension",
        {"report.docx": b"PK\x03\x04 not really a docx"},
        {"report.docx": ("unsupported file type .docx", ".txt", ".pdf")},
    ),
    Case("no-extension", {"README": FILLER.encode()}, {"README": ("unsupported file type (no extension)",)}),
    Case(
        "malformed-json",
        {"broken.json": b'{"title": "Cut off", "text": "The story beg'},
        {"broken.json": ("invalid JSON at line 1",)},
    ),
    Case(
        "json-without-text",
        {"shape.json": json.dumps({"headline": "No text field"}).encode()},
        {"shape.json": ("expected an object with a 'text' field",)},
    ),
    Case(
        "jsonl-with-one-bad-line",
        {"records.jsonl": FIXTURES / "records.jsonl"},
        {"records.jsonl:2": ("invalid JSON on line 2",)},
        good=("The first record talks about Oman", "The third record is about the carrier strike group."),
    ),
    Case(
        "pdf-without-text-layer",
        {"scanned.pdf": FIXTURES / "scanned.pdf"},
        {"scanned.pdf": ("no text layer", "OCR")},
    ),
    Case("damaged-pdf", {"damaged.pdf": b"%PDF-1.4\n1 0 obj <<"}, {"damaged.pdf": ("PDF",)}),
    Case(
        "html-without-article-text",
        {"nav-only.html": FIXTURES / "nav-only.html"},
        {"nav-only.html": ("no article text found",)},
    ),
    Case(
        # The page from issue 12: nothing but a menu and a consent banner, which used to become a citable
        # document titled "Home".
        "html-cookie-banner-only",
        {"home.html": (
            b'<html><head><title>Home</title></head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>'
            b'<div class="banner"><p>Cookie settings. Accept all.</p></div></body></html>'
        )},
        {"home.html": ("too little article text", "4 words", "Cookie settings. Accept all.")},
    ),
    Case(
        "html-consent-dialog-only",
        {"consent.html": (
            b'<html><head><title>Welcome</title></head><body><div role="dialog" aria-modal="true"><p>We use '
            b"cookies to give you the best experience on our website. By continuing to browse, you agree to our "
            b"use of cookies.</p><button>Accept all</button></div></body></html>"
        )},
        {"consent.html": ("no article text found",)},
    ),
    Case(
        "html-article-behind-a-consent-dialog",
        {"story.html": (
            b'<html><head><title>Harbour budget</title></head><body><dialog open><p>We use cookies to give you '
            b"the best experience on our website. By continuing to browse, you agree to our use of cookies.</p>"
            b"</dialog><article><h1>Harbour budget</h1><p>" + FILLER.encode() + b"</p></article></body></html>"
        )},
        good=(FILLER,),
    ),
    Case("duplicate-of-indexed-document", {"copy-of-article.txt": ARTICLE}, duplicates=1),
    Case(
        "duplicate-inside-the-batch",
        {"a.txt": FILLER.encode(), "b.txt": FILLER.encode() + b"\r\n\r\n"},
        good=(FILLER,),
        duplicates=1,
    ),
    Case(
        "mixed-folder",
        {
            "good.md": f"# Harbour news\n\n{FILLER}".encode(),
            "empty.txt": b"",
            "photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20,
            "broken.json": b"[1, 2",
            "notes.docx": b"PK",
            "sub/cp1252.txt": FIXTURES / "cp1252.txt",
            "sub/scanned.pdf": FIXTURES / "scanned.pdf",
            ".hidden.txt": b"hidden files are ignored",
        },
        {
            "empty.txt": ("is empty",),
            "photo.txt": ("looks binary",),
            "broken.json": ("invalid JSON",),
            "notes.docx": ("unsupported file type .docx",),
            "sub/scanned.pdf": ("no text layer",),
        },
        good=(FILLER, "The café owner said"),
    ),
    Case(
        "folder-with-only-bad-files",
        {"empty.txt": b"", "a.docx": b"x", "b.json": b"{", "scan.pdf": FIXTURES / "scanned.pdf"},
        {
            "empty.txt": ("is empty",),
            "a.docx": ("unsupported",),
            "b.json": ("invalid JSON",),
            "scan.pdf": ("no text layer",),
        },
    ),
]


def _materialise(case: Case, root: Path) -> list[str]:
    """Write the case's files under ``root``; a one-file case is passed as a file, others as the folder."""
    root.mkdir(parents=True)
    for name, content in case.files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_bytes(content)
    if len(case.files) == 1:
        return [str(root / next(iter(case.files)))]
    return [str(root)]


def _label(root: Path, name: str) -> str:
    """Skipped entries name the file (or ``file:line`` for a JSONL line)."""
    path, sep, line = name.partition(":")
    return str(root / path) + (f":{line}" if sep else "")


def _check_index(index_dir: Path, case: Case, before: set[str]) -> None:
    qa = Assistant.open(index_dir)
    docs = qa.documents()
    new = [d for d in docs if d.doc_id not in before]
    assert len(new) == len(case.good), [d.title for d in new]
    texts = [qa.document(d.doc_id).text for d in new]
    for phrase in case.good:
        assert sum(phrase in t for t in texts) == 1, (phrase, texts)
    assert {d.doc_id for d in docs} >= before


@pytest.fixture
def base_docs(article_index: Path) -> set[str]:
    return {d.doc_id for d in Assistant.open(article_index).documents()}


def _setup(case: Case, tmp_path: Path, article_index: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    index_dir = tmp_path / "idx"
    shutil.copytree(article_index, index_dir)
    return index_dir, _materialise(case, tmp_path / "in")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_through_the_cli(case, tmp_path, article_index, base_docs, monkeypatch, capsys) -> None:
    index_dir, paths = _setup(case, tmp_path, article_index, monkeypatch)
    root = tmp_path / "in"
    code = main(["index", *paths, "--index-dir", str(index_dir), "--no-progress"])
    out, err = capsys.readouterr()

    assert code == case.exit_code, (out, err)
    assert "Traceback" not in out + err
    assert out.startswith(f"indexed {len(case.good)} new document(s)"), out
    assert (f"; {case.duplicates} already indexed (no change)" in out) == bool(case.duplicates), out
    # Exactly one stderr line per problem: "skipped <file>: <reason>".
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == len(case.skipped), err
    for name, fragments in case.skipped.items():
        prefix = f"skipped {_label(root, name)}: "
        match = [line for line in lines if line.startswith(prefix)]
        assert len(match) == 1, (prefix, err)
        for fragment in fragments:
            assert fragment in match[0], (fragment, match[0])
    _check_index(index_dir, case, base_docs)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_through_the_python_api(case, tmp_path, article_index, base_docs, monkeypatch) -> None:
    index_dir, paths = _setup(case, tmp_path, article_index, monkeypatch)
    root = tmp_path / "in"
    qa = Assistant.open(index_dir)
    report = qa.add(paths)

    assert len(report.added) == len(case.good)
    assert len(report.duplicates) == case.duplicates
    skipped = {s.path: s.reason for s in report.skipped}
    assert set(skipped) == {_label(root, name) for name in case.skipped}
    for name, fragments in case.skipped.items():
        reason = skipped[_label(root, name)]
        assert "\n" not in reason
        for fragment in fragments:
            assert fragment in reason, (fragment, reason)
    _check_index(index_dir, case, base_docs)
    # the running Assistant sees exactly what a fresh one sees
    assert {d.doc_id for d in qa.documents()} == {d.doc_id for d in Assistant.open(index_dir).documents()}


def test_missing_path_is_reported_and_the_rest_is_indexed(tmp_path, article_index, capsys) -> None:
    index_dir = tmp_path / "idx"
    shutil.copytree(article_index, index_dir)
    good = tmp_path / "good.txt"
    good.write_text(FILLER)
    code = main(["index", str(tmp_path / "nope.txt"), str(good), "--index-dir", str(index_dir), "--no-progress"])
    _out, err = capsys.readouterr()
    assert code == 0
    assert err.strip() == f"skipped {tmp_path / 'nope.txt'}: not found: no such file or folder; check the path"
    assert len(Assistant.open(index_dir).documents()) == len(Assistant.open(article_index).documents()) + 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")
def test_special_files_are_skipped_without_blocking(tmp_path, article_index, capsys) -> None:
    """A FIFO would block a naive read forever, /dev/zero never ends; a dangling link has nothing behind it."""
    root = tmp_path / "in"
    root.mkdir()
    os.mkfifo(root / "pipe.txt")
    (root / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (root / "zero.txt").symlink_to("/dev/zero")
    (root / "ok.txt").write_text(FILLER)
    index_dir = tmp_path / "idx"
    shutil.copytree(article_index, index_dir)
    code = main(["index", str(root), "--index-dir", str(index_dir), "--no-progress"])
    _out, err = capsys.readouterr()
    assert code == 0
    assert err.splitlines() == [
        f"skipped {root / 'dangling.txt'}: no such file; check the path",
        f"skipped {root / 'pipe.txt'}: is not a regular file; copy the text into a file and add that",
        f"skipped {root / 'zero.txt'}: is not a regular file; copy the text into a file and add that",
    ]
    assert len(Assistant.open(index_dir).documents()) == len(Assistant.open(article_index).documents()) + 1


# --------------------------------------------------------------------------------------------------
# a folder with thousands of files, some of them bad

_BAD_KINDS: dict[str, Callable[[int], tuple[str, bytes, str]]] = {
    "empty": lambda i: (f"empty-{i}.txt", b"", "is empty"),
    "binary": lambda i: (f"bin-{i}.txt", b"\x00\x01\x02\x03" * 64, "looks binary"),
    "unsupported": lambda i: (f"doc-{i}.docx", b"PK\x03\x04", "unsupported file type .docx"),
    "json": lambda i: (f"bad-{i}.json", b'{"text": ', "invalid JSON"),
    "html": lambda i: (f"nav-{i}.html", (FIXTURES / "nav-only.html").read_bytes(), "no article text"),
}


def _fast_vectors(self: Embedder, texts, show_progress: bool = False) -> np.ndarray:
    """Stand-in for the model in the 2,000-file test (it is about batch handling, not embeddings)."""
    seeds = [int.from_bytes(hashlib.sha1(t.encode()).digest()[:4], "little") for t in texts]
    vectors = np.stack([np.random.default_rng(s).standard_normal(self.dim) for s in seeds]).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_folder_of_two_thousand_files_some_bad(tmp_path, article_index, base_docs, monkeypatch, capsys) -> None:
    monkeypatch.setattr(Embedder, "encode", _fast_vectors)
    root = tmp_path / "corpus"
    good: dict[str, str] = {}
    bad: dict[str, str] = {}
    n_total, every_bad = 2000, 25  # 80 bad files, 1,920 good
    for i in range(n_total):
        folder = root / f"part-{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % every_bad == 0:
            kind = list(_BAD_KINDS)[(i // every_bad) % len(_BAD_KINDS)]
            name, content, reason = _BAD_KINDS[kind](i)
            (folder / name).write_bytes(content)
            bad[str(folder / name)] = reason
        else:
            text = f"Note {i}: warehouse {i} in district {i % 97} stored {i * 7} crates."
            (folder / f"note-{i}.txt").write_text(text)
            good[str(folder / f"note-{i}.txt")] = text
    index_dir = tmp_path / "idx"
    shutil.copytree(article_index, index_dir)

    code = main(["index", str(root), "--index-dir", str(index_dir), "--no-progress"])
    out, err = capsys.readouterr()

    assert code == 0
    assert out.startswith(f"indexed {len(good)} new document(s)"), out
    lines = err.splitlines()
    assert len(lines) == len(bad)
    reported = {}
    for line in lines:
        assert line.startswith("skipped "), line
        path, _, reason = line[len("skipped ") :].partition(": ")
        reported[path] = reason
    assert set(reported) == set(bad)
    for path, fragment in bad.items():
        assert fragment in reported[path]

    qa = Assistant.open(index_dir)
    docs = qa.documents()
    assert len(docs) == len(base_docs) + len(good)
    assert {d.source for d in docs if d.doc_id not in base_docs} == set(good)
    sample = next(d for d in docs if d.source.endswith("note-1999.txt"))
    assert qa.document(sample.doc_id).text == good[sample.source]


def test_what_the_user_sees_in_a_real_process(tmp_path, article_index) -> None:
    """Run as users do (no pytest log capture): stderr holds the skip lines and nothing else — no parser
    warnings, no traceback; on a slow machine the plain "indexing …" progress lines too — and stdout the summary."""
    case = next(c for c in CASES if c.id == "mixed-folder")
    root = tmp_path / "in"
    _materialise(case, root)
    (root / "damaged.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")  # pypdf logs "EOF marker not found" for it
    index_dir = tmp_path / "idx"
    shutil.copytree(article_index, index_dir)
    proc = subprocess.run(
        [sys.executable, "-m", "articleqa", "index", str(root), "--index-dir", str(index_dir)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("indexing ")]
    assert len(lines) == len(case.skipped) + 1, proc.stderr
    assert all(line.startswith(f"skipped {root}") for line in lines), proc.stderr
    assert any(line.startswith(f"skipped {root / 'damaged.pdf'}: is not a readable PDF") for line in lines)
    assert proc.stdout.splitlines()[0].startswith("indexed 2 new document(s)")
