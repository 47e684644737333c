"""The Milvus backend. Parts that need no server run here; the tests against a real Milvus server live in
tests/store/milvus/ and run in a pytest started inside a private network namespace (`unshare -n`, loopback only),
because the server listens on every interface. `make test-rest` (and so `make test-all` and CI) runs them;
they are never skipped there. The tests here that need no server are in `make test`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from articleqa.cli import main
from articleqa.config import Settings
from articleqa.store.milvus import parse_target, schema
from milvus_server import NETNS_FLAG
from paths import ROOT


def test_the_index_type_follows_the_collection_size() -> None:
    assert schema.choose_index(10_000).index_type == "FLAT"
    big = schema.choose_index(1_000_000)
    assert big.index_type == "IVF_FLAT" and big.build["nlist"] == 2000 and big.search["nprobe"] == 48
    assert schema.MilvusIndexSpec.from_dict(big.to_dict()) == big


def test_a_store_uri_is_parsed_with_a_default_collection() -> None:
    t = parse_target("milvus://db.example:19531", token="secret")
    assert (t.host, t.port, t.collection, t.uri) == ("db.example", 19531, "articleqa", "milvus://db.example:19531/articleqa")
    assert "secret" not in repr(t)


def test_the_milvus_token_comes_from_the_environment_and_is_never_shown(monkeypatch) -> None:
    monkeypatch.setenv("ARTICLEQA_MILVUS_TOKEN", "root:Milvus")
    settings = Settings.from_env(store="milvus://127.0.0.1:19530/news")
    assert settings.milvus_token == "root:Milvus"
    assert "root:Milvus" not in repr(settings) and "milvus_token" not in settings.public_dict()


@pytest.mark.parametrize("uri, says", [
    ("milvus://127.0.0.1:1/news", "cannot reach Milvus at milvus://127.0.0.1:1/news"),
    ("milvus://127.0.0.1:x/news", "has a bad port"),
    ("milvus://127.0.0.1:19530/9news", "must be letters, digits and underscores"),
    ("postgres://127.0.0.1/news", "is not a store URI"),
    ("milvus://root:Milvus@127.0.0.1:19530/news", "put the credentials in ARTICLEQA_MILVUS_TOKEN"),
])
def test_a_bad_or_unreachable_store_is_one_line_and_exit_2(uri, says, capsys) -> None:
    assert main(["ask", "Where are the talks held?", "--store", uri]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err


@pytest.mark.milvus
@pytest.mark.slow
def test_the_milvus_suite_passes_against_a_real_server_in_a_private_network() -> None:
    """Runs tests/store/milvus/ in `unshare -n` (root, as CI is); outside CI without root it is skipped, never in CI."""
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("starting a private network namespace (unshare -n) needs root; CI runs this as root")
    assert shutil.which("unshare") and shutil.which("ip"), "unshare and ip (util-linux, iproute2) are needed"
    env = {**os.environ, NETNS_FLAG: "1"}
    cmd = f"ip link set lo up && exec {sys.executable} -m pytest -q -p no:cacheprovider tests/store/milvus"
    # Its own process group: on a timeout the inner pytest and the Milvus server it started go too (killing only
    # `unshare` left a server running, and using CPU, after a timed-out run).
    with subprocess.Popen(["unshare", "-n", "sh", "-c", cmd], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=3000)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            pytest.fail(f"tests/store/milvus did not finish in 3000 s:\n{stdout[-3000:]}\n{stderr[-2000:]}")
    assert proc.returncode == 0, (stdout[-6000:], stderr[-3000:])
    assert " passed" in stdout and "skipped" not in stdout.splitlines()[-1], stdout[-2000:]


def test_the_bm25_files_read_from_the_server_leave_no_folder_behind(tmp_path: Path, monkeypatch) -> None:
    """A client holds BM25 in memory: a process killed while it answers must not leave files in /tmp (it did)."""
    import tempfile

    import numpy as np

    from articleqa.store.lexical import LexicalIndex
    from articleqa.store.milvus.copy import lexical_blob
    from articleqa.store.milvus.snapshot import unpack_lexical

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    texts = ["Officials will meet in Muscat on Friday.", "Oman offered to host the talks.", "Nothing here."]
    lexical, rows = unpack_lexical(lexical_blob(texts))
    assert list(tmp_path.iterdir()) == [] and rows is None  # positions are the rows: no map stored
    _gapped, mapped = unpack_lexical(lexical_blob(texts, np.array([0, 4, 9])))
    assert mapped.tolist() == [0, 4, 9]
    for query in ("talks in Oman", "Muscat Friday", "zebra"):
        np.testing.assert_allclose(lexical.scores(query), LexicalIndex.build(texts).scores(query), rtol=1e-6)


def test_the_writer_waits_for_index_building_as_long_as_it_progresses_and_no_longer() -> None:
    """A fixed one-hour limit would fail a 1M-row write on a slow machine; a stalled server must still end the wait."""
    from articleqa.errors import IndexError_
    from articleqa.store.milvus.writer import wait_for_index

    class Server:
        def __init__(self, pending: list[int]) -> None:
            self.pending = pending

        def describe_index(self, collection: str, field: str) -> dict:
            left = self.pending.pop(0) if len(self.pending) > 1 else self.pending[0]
            return {"state": "Finished" if left == 0 else "InProgress", "pending_index_rows": left}

    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += 600.0  # ten minutes between polls: slow, but each poll shows progress

    wait_for_index(Server([900, 700, 400, 100, 0]), "c", stall_s=900, clock=lambda: now[0], sleep=sleep)
    assert now[0] == 2400.0  # 40 minutes, beyond any fixed limit that would have been shorter
    with pytest.raises(IndexError_, match="no indexing progress"):
        wait_for_index(Server([500, 400, 400]), "c", stall_s=900, clock=lambda: now[0], sleep=sleep)


def test_a_commit_is_made_to_the_current_generation_only_while_its_index_fits_and_removals_are_few() -> None:
    """A commit keeps the generation's vector index: FLAT stays FLAT only up to its limit, and IVF lists chosen
    for a quarter of the new size or more; a stale base, a generation without commits, more than
    MAX_REMOVED_IN_PLACE removals, or removing and adding one id at once write a new generation."""
    from types import SimpleNamespace

    from articleqa.store.milvus.writer import MAX_REMOVED_IN_PLACE, can_commit

    names = schema.GenerationNames.of("news", 3)

    def base(n_chunks: int, appendable: bool = True, gen: int = 3) -> SimpleNamespace:
        return SimpleNamespace(appendable=appendable, names=schema.GenerationNames.of("news", gen),
                               n_chunks=n_chunks, spec=schema.choose_index(n_chunks))

    def new(doc_id: str) -> SimpleNamespace:
        return SimpleNamespace(document=SimpleNamespace(doc_id=doc_id))

    assert can_commit(base(1_000), names, [new("a")], set(), 10)
    assert can_commit(base(1_000), names, [], {"doc-1"}, 0)
    assert can_commit(base(1_000), names, [], {f"d{i}" for i in range(MAX_REMOVED_IN_PLACE)}, 0)
    assert not can_commit(base(1_000), names, [], {f"d{i}" for i in range(MAX_REMOVED_IN_PLACE + 1)}, 0)
    assert not can_commit(base(1_000), names, [new("a")], {"a"}, 10)
    assert not can_commit(base(1_000, appendable=False), names, [], set(), 10)  # written before commits existed
    assert not can_commit(base(1_000, gen=2), names, [], set(), 10)  # another writer swapped in a newer generation
    assert not can_commit(None, names, [], set(), 10)
    assert not can_commit(base(49_990), names, [], set(), 100)  # FLAT → IVF
    assert can_commit(base(100_000), names, [], set(), 299_000)  # 632 lists for 100k; 399k wants 1,263
    assert not can_commit(base(100_000), names, [], set(), 301_000)  # 401k wants 1,266 > 2 × 632


def test_a_commits_filters_hide_what_it_removed_and_what_comes_after_it() -> None:
    from articleqa.store.milvus.commits import Published, Removed

    p = Published(100, 600, 10, (Removed("doc-x", (40, 52), (240, 300), 4),))
    assert p.chunk_filter == "row < 100 and (row < 40 or row >= 52)"
    assert p.unit_filter == "unit < 600 and (unit < 240 or unit >= 300)"
    assert p.document_filter == 'position < 10 and name not in ["doc-x"]'
    manifest = {"n_chunks": 88, "n_documents": 9, "sentences": {"n_units": 540}, "bounds": p.bounds(),
                "removed": [r.to_dict() for r in p.removed]}
    assert Published.of(manifest) == p
    assert Published.of({"n_chunks": 5, "n_documents": 1, "sentences": {"n_units": 9}}).chunk_filter == "row < 5"
