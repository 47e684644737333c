"""One Milvus server for the tests in this folder; they run inside `unshare -n` (see tests/store/test_milvus.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from milvus_server import MilvusServer


@pytest.fixture(scope="session")
def milvus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    server = MilvusServer(tmp_path_factory.mktemp("milvus"))
    yield server
    server.stop()


@pytest.fixture
def collection(request: pytest.FixtureRequest, milvus: MilvusServer) -> Iterator[str]:
    """A fresh collection URI per test, dropped afterwards."""
    from articleqa.store import MilvusStore, parse_target

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:60] + f"_{os.getpid()}"
    uri = milvus.uri(name)
    yield uri
    MilvusStore(parse_target(uri)).drop_everything()
