"""Crash safety of index writes (issue 7, part 2).

``articleqa index`` runs in a subprocess and is SIGKILLed at each fault-injection point of
``IndexStore.write`` (ARTICLEQA_CRASH_AT) and at random moments of a real add. Afterwards the index must
open, answer, and hold exactly the old documents or exactly old + new — never a mix, never a corrupt
file — and the next normal ``index`` must succeed and clean up what the dead writer left behind.
Damaged index files and a second writer must each give one clear line (exit 2).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from articleqa import Assistant, ingest
from articleqa.cli import main
from articleqa.errors import IndexLockedError
from articleqa.store import IndexStore
from paths import ROOT

CRASH_POINTS = ["after-records", "after-vectors", "after-indexes", "before-rename", "before-manifest", "after-manifest"]
# Points at which the new manifest is already in place: the add has happened.
COMMITTED = {"after-manifest"}
N_NEW = 60


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ARTICLEQA_CRASH_AT"}
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}, **extra)
    return env


def _index_cmd(paths: list[Path], index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "articleqa", "index", *map(str, paths), "--index-dir", str(index_dir), "--no-progress"]


@pytest.fixture(scope="module")
def new_docs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A folder of 60 small articles (the "large add") and their doc ids."""
    folder = tmp_path_factory.mktemp("new") / "news"
    folder.mkdir()
    for i in range(N_NEW):
        (folder / f"harbour-{i:02d}.txt").write_text(
            f"Harbour report {i}\n\nThe port of Kelvale{i} received {i + 3} grain ships on Monday, officials said. "
            f"Trade through Kelvale{i} is expected to grow by {i % 9 + 1} percent next year.\n"
        )
    ids = {d.doc_id for d in ingest.load_paths([folder]).documents}
    assert len(ids) == N_NEW
    return folder, ids


@pytest.fixture(scope="module")
def old_ids(article_index: Path) -> set[str]:
    return {d.doc_id for d in Assistant.open(article_index).documents()}


def _leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith((".tmp-", ".manifest.json.tmp")))


def _answers_about_the_article(qa: Assistant) -> None:
    """Questions work: the article's passage is found and every quote matches the stored text. (Whether the
    answer stage then answers or abstains is its own business, tested elsewhere.)"""
    answer = qa.ask("Where are the talks held?")
    assert any("Oman" in p.chunk.text for p in answer.passages[:3]), answer.passages
    for c in answer.citations:
        assert qa.document(c.doc_id).text[c.start : c.end] == c.quote
    for p in answer.passages:
        assert qa.document(p.chunk.doc_id).text[p.chunk.start : p.chunk.end] == p.chunk.text


def _check_consistent(index_dir: Path, old: set[str], new: set[str]) -> str:
    """The index opens, answers with verified quotes, and holds exactly old or old + new. Returns which."""
    qa = Assistant.open(index_dir)
    snap = qa.snapshot()
    assert snap is not None
    snap.check()  # SQLite's own consistency check on the current generation
    ids = {d.doc_id for d in qa.documents()}
    assert ids in (old, old | new), f"a mix: {len(ids & new)} of {len(new)} new documents"
    assert snap.manifest["n_documents"] == len(ids)
    assert snap.count_chunks() == snap.n_chunks == snap.chunk_vectors(slice(None)).shape[0]

    _answers_about_the_article(qa)
    if ids == old | new:
        hit = qa.ask("How many grain ships did the port of Kelvale17 receive?")
        assert any("Kelvale17" in p.chunk.text for p in hit.passages[:3])
        return "new"
    return "old"


def _finish_with_a_normal_index(index_dir: Path, folder: Path, old: set[str], new: set[str], capsys) -> None:
    """The next ordinary `articleqa index` succeeds, ends with old + new and leaves no temporary files."""
    code = main(["index", str(folder), "--index-dir", str(index_dir), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    assert err == ""
    assert _check_consistent(index_dir, old, new) == "new"
    assert _leftovers(index_dir) == []
    current = IndexStore(index_dir).manifest()["generation"]
    generations = sorted(p.name for p in index_dir.glob("gen-*"))
    assert current in generations and len(generations) <= 2, generations


# --------------------------------------------------------------------------------------------------
# fault injection at each named point


@pytest.fixture(scope="module")
def crashed(article_index: Path, new_docs, tmp_path_factory) -> dict[str, tuple[Path, int, str]]:
    """One killed `articleqa index` per crash point, all run at once (each on its own copy of the index)."""
    folder, _ = new_docs
    root = tmp_path_factory.mktemp("crash")
    procs = {}
    for point in CRASH_POINTS:
        index_dir = root / point
        shutil.copytree(article_index, index_dir)
        procs[point] = (
            index_dir,
            subprocess.Popen(
                _index_cmd([folder], index_dir), cwd=ROOT, env=_env(ARTICLEQA_CRASH_AT=point),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ),
        )
    # `index --rebuild` killed half-way (see test_a_crash_during_rebuild_keeps_the_old_index)
    index_dir = root / "rebuild"
    shutil.copytree(article_index, index_dir)
    procs["rebuild"] = (
        index_dir,
        subprocess.Popen(
            [*_index_cmd([ROOT / "articles", folder], index_dir), "--rebuild"], cwd=ROOT,
            env=_env(ARTICLEQA_CRASH_AT="after-records"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ),
    )
    results = {}
    for point, (index_dir, proc) in procs.items():
        _out, err = proc.communicate(timeout=600)
        results[point] = (index_dir, proc.returncode, err)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_at_each_crash_point_leaves_old_or_new(point, crashed, new_docs, old_ids, capsys) -> None:
    index_dir, returncode, err = crashed[point]
    folder, new_ids = new_docs
    assert returncode == -signal.SIGKILL, err  # it really died at that point

    outcome = _check_consistent(index_dir, old_ids, new_ids)
    assert outcome == ("new" if point in COMMITTED else "old")
    _finish_with_a_normal_index(index_dir, folder, old_ids, new_ids, capsys)


@pytest.mark.slow
def test_a_crash_during_rebuild_keeps_the_old_index(crashed, new_docs, old_ids) -> None:
    index_dir, returncode, err = crashed["rebuild"]
    assert returncode == -signal.SIGKILL, err
    assert _check_consistent(index_dir, old_ids, new_docs[1]) == "old"


# --------------------------------------------------------------------------------------------------
# SIGKILL at random moments of a real add


def _kill_during_write(proc: subprocess.Popen, index_dir: Path, delay: float, timeout: float = 300) -> str:
    """Wait until the writer has started its new generation, sleep ``delay``, then SIGKILL it."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if any(index_dir.glob(".tmp-gen-*")):
            break
        time.sleep(0.002)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return "killed"
    return "finished"


@pytest.mark.slow
def test_sigkill_at_random_moments_of_a_real_add(article_index, new_docs, old_ids, tmp_path, capsys) -> None:
    folder, new_ids = new_docs
    rng = random.Random(7)
    # Random moments once the new generation is being written (writing 60 small documents takes some
    # milliseconds, so a kill may land in any stage of it, or just after it).
    plan = [rng.uniform(0.0, 0.004), rng.uniform(0.004, 0.015)]
    runs = []
    for n, delay in enumerate(plan):
        index_dir = tmp_path / f"run-{n}"
        shutil.copytree(article_index, index_dir)
        proc = subprocess.Popen(
            _index_cmd([folder], index_dir), cwd=ROOT, env=_env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        runs.append((delay, index_dir, proc))
    how: dict[int, str] = {}

    def killer(n: int) -> None:  # one per run, so every kill is timed against its own process
        delay, index_dir, proc = runs[n]
        how[n] = _kill_during_write(proc, index_dir, delay)

    threads = [threading.Thread(target=killer, args=(n,)) for n in range(len(runs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = []
    for n, (delay, index_dir, _proc) in enumerate(runs):
        outcomes.append((round(delay, 4), how[n], _check_consistent(index_dir, old_ids, new_ids)))
        _finish_with_a_normal_index(index_dir, folder, old_ids, new_ids, capsys)
    print("random SIGKILL outcomes:", outcomes)
    assert len(outcomes) == len(plan)


# --------------------------------------------------------------------------------------------------
# damaged files


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _scribble_header(path: Path) -> None:
    """Same size, garbage at the start (tampering that a size check alone cannot see)."""
    data = bytearray(path.read_bytes())
    data[:64] = b"\xde\xad\xbe\xef" * 16
    path.write_bytes(bytes(data))


def _current_gen(index_dir: Path) -> Path:
    return index_dir / IndexStore(index_dir).manifest()["generation"]


def _bm25_file(index_dir: Path) -> Path:
    return max((p for p in (_current_gen(index_dir) / "bm25").iterdir() if p.is_file()), key=lambda p: p.stat().st_size)


def _scribble_middle(path: Path) -> None:
    """Same size, a few bytes changed in the middle: the records/postings themselves are damaged."""
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 3, len(data) - 8, max(8, len(data) // 16)):
        data[offset : offset + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))


def _bm25_postings(index_dir: Path) -> Path:
    """bm25s' posting lists (row numbers): damage there points scores at rows that do not exist."""
    bm25 = _current_gen(index_dir) / "bm25"
    postings = bm25 / "indices.csc.index.npy"
    return postings if postings.is_file() else _bm25_file(index_dir)


DAMAGE = {
    "truncated-records": lambda d: _truncate(_current_gen(d) / "records.sqlite"),
    "truncated-vectors": lambda d: _truncate(_current_gen(d) / "vectors.npy"),
    "truncated-bm25": lambda d: _truncate(_bm25_file(d)),
    "truncated-manifest": lambda d: _truncate(d / "manifest.json"),
    "empty-manifest": lambda d: (d / "manifest.json").write_bytes(b""),
    "missing-generation": lambda d: shutil.rmtree(_current_gen(d)),
    "tampered-records": lambda d: _scribble_header(_current_gen(d) / "records.sqlite"),
    "tampered-vectors": lambda d: _scribble_header(_current_gen(d) / "vectors.npy"),
    "tampered-bm25": lambda d: _scribble_header(_bm25_file(d)),
    "tampered-records-middle": lambda d: _scribble_middle(_current_gen(d) / "records.sqlite"),
    "tampered-vectors-middle": lambda d: _scribble_middle(_current_gen(d) / "vectors.npy"),
    "tampered-bm25-postings": lambda d: _scribble_middle(_bm25_postings(d)),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_file_names_the_rebuild_command(damage, writable_index, article_path, capsys) -> None:
    DAMAGE[damage](writable_index)
    for argv in (["ask", "Where are the talks held?"], ["docs"], ["index", str(article_path)]):
        code = main([*argv, "--index-dir", str(writable_index)])
        out, err = capsys.readouterr()
        assert code == 2, (argv, out, err)
        assert out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith("articleqa: error: ") and "articleqa index --rebuild" in err, err


def test_an_index_written_before_checksums_still_opens(writable_index) -> None:
    manifest_path = writable_index / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest.pop("checksums", None)
    manifest_path.write_text(json.dumps(manifest))
    _answers_about_the_article(Assistant.open(writable_index))


@pytest.mark.parametrize("damage", ["truncated-records", "truncated-manifest"])
def test_the_rebuild_command_repairs_a_damaged_index(damage, writable_index, article_path, capsys) -> None:
    DAMAGE[damage](writable_index)
    code = main(["index", "--rebuild", str(article_path), "--index-dir", str(writable_index), "--no-progress"])
    _out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    _answers_about_the_article(Assistant.open(writable_index))


# --------------------------------------------------------------------------------------------------
# one writer at a time

_HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.write(fd, str(os.getpid()).encode())
print("locked", flush=True)
time.sleep(120)
"""


def test_a_second_writer_gets_the_lock_message(writable_index, tmp_path, capsys) -> None:
    before = len(Assistant.open(writable_index).documents())
    extra = tmp_path / "extra.txt"
    extra.write_text("The lighthouse keeper of Kelvale retired after forty years, the council said.")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(writable_index / ".lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        code = main(["index", str(extra), "--index-dir", str(writable_index), "--no-progress"])
        _out, err = capsys.readouterr()
        assert code == 2
        assert err.strip() == (
            f"articleqa: error: another articleqa process (pid {holder.pid}) is writing to {writable_index}; "
            "wait for it to finish, then try again"
        )
        with pytest.raises(IndexLockedError):
            Assistant.open(writable_index).add([extra])
        # readers are not blocked by a writer
        _answers_about_the_article(Assistant.open(writable_index))
    finally:
        holder.kill()
        holder.wait()
    # the lock dies with its holder (even a SIGKILLed one): the next writer proceeds
    assert main(["index", str(extra), "--index-dir", str(writable_index), "--no-progress"]) == 0
    assert len(Assistant.open(writable_index).documents()) == before + 1
