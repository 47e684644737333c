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

# tests/milvus/ talks to a real Milvus server that may only run inside a private network namespace: it is
# collected by the run that tests/test_milvus.py starts there, never directly.
collect_ignore = [] if os.environ.get(NETNS_FLAG) else ["milvus"]

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
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """One real llama.cpp server for the whole session (skips when llama-cpp-python is not installed)."""
    server = LlamaServer(tmp_path_factory.mktemp("llama") / "server.log")
    yield server
    server.stop()
