"""Shared fixtures: the model is loaded once per session and tiny indexes are built in temp folders."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import articleqa
from llm_server import LlamaServer
from milvus_server import NETNS_FLAG

# tests/store/milvus/ talks to a real Milvus server that may only run inside a private network namespace: it is
# collected by the run that tests/store/test_milvus.py starts there, never directly.
collect_ignore = [] if os.environ.get(NETNS_FLAG) else ["store/milvus"]

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "articles" / "us-iran-talks-oman.txt"
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def article_path() -> Path:
    return ARTICLE


@pytest.fixture(scope="session")
def article_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index over the bundled article, built once; tests that write must copy it first."""
    from articleqa import Assistant

    index_dir = tmp_path_factory.mktemp("index") / "idx"
    Assistant.build([str(ROOT / "articles")], index_dir=index_dir)
    return index_dir


@pytest.fixture(scope="session")
def qa(article_index: Path) -> articleqa.Assistant:
    from articleqa import Assistant

    return Assistant.open(article_index)


@pytest.fixture
def writable_index(article_index: Path, tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "idx"
    shutil.copytree(article_index, target)
    yield target


@pytest.fixture(scope="session")
def project_eval(article_index: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """eval/questions.jsonl evaluated once over ``article_index`` (about 20-40 s): the report and its folder.
    Shared so the evaluation tests and the reader's confidence test do not each pay for it."""
    from articleqa.evaluate import evaluate

    out = tmp_path_factory.mktemp("project-eval")
    return evaluate(ROOT / "eval" / "questions.jsonl", index_dir=article_index, out=out, progress=False), out


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """One real llama.cpp server for the whole session (skips when llama-cpp-python is not installed)."""
    server = LlamaServer(tmp_path_factory.mktemp("llama") / "server.log")
    yield server
    server.stop()


# A fixture (or import) that needs a server or a browser, and the marker a test using it must carry: `make test`
# (the fast tier) deselects those markers, so an unmarked test would run there and skip or hang on a fresh machine.
NEEDS_MARKER = {"llama_server": "llm", "milvus": "milvus", "browser": "browser"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wrong = []
    for item in items:
        needs = {mark for name, mark in NEEDS_MARKER.items() if name in getattr(item, "fixturenames", ())}
        function = getattr(item, "function", None)
        if function is not None and "sync_playwright" in function.__code__.co_names:
            needs.add("browser")
        missing = needs - {m.name for m in item.iter_markers()}
        if missing:
            wrong.append(f"{item.nodeid}: needs @pytest.mark.{', @pytest.mark.'.join(sorted(missing))}")
    if wrong:
        raise pytest.UsageError("tests that need a server or a browser must be marked:\n" + "\n".join(wrong))

