"""`articleqa … | head -1`: when the reader of stdout goes away the command ends quietly, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from articleqa.cli import EXIT_PIPE


def _run_into_closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m articleqa ARGS`` with stdout a pipe whose reading end is already closed: every write
    fails with EPIPE, as it does once `head -1` has exited (deterministic, unlike racing a real head)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "articleqa", *args], stdout=write_end, stderr=subprocess.PIPE,
                              cwd=cwd, timeout=300, check=False)
    finally:
        os.close(write_end)


def test_help_into_a_closed_pipe_exits_quietly(tmp_path):
    done = _run_into_closed_pipe(["--help"], tmp_path)
    assert done.stderr.decode() == ""
    assert done.returncode in (0, EXIT_PIPE)  # argparse drops a help text it cannot write, and exits 0


@pytest.mark.slow
def test_an_answer_into_a_closed_pipe_exits_quietly(article_index, tmp_path):
    done = _run_into_closed_pipe(["ask", "Where are the talks held?", "--index-dir", str(article_index)], tmp_path)
    assert "Traceback" not in done.stderr.decode() and "BrokenPipe" not in done.stderr.decode()
    assert done.stderr.decode().strip() == ""
    assert done.returncode == EXIT_PIPE
