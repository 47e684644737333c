"""Big jobs without a terminal (a log file, a pipe): a plain progress line about every 10 s with the rate and
the time left, and one summary line per run. The cadence is driven by a fake clock, never a long job."""

from __future__ import annotations

import io
import time

import pytest

from articleqa import progress
from articleqa.cli import main
from articleqa.progress import LineProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_progress_lines_come_every_ten_seconds_with_rate_and_time_left():
    clock, out = FakeClock(), io.StringIO()
    bars = LineProgress(out, interval=10.0, clock=clock, ticker=False)
    bars.stage("embedding sentences", 10_000, "sentence")
    for _ in range(60):  # one block of 100 sentences a second for a minute
        clock.now += 1.0
        bars.advance(100)
    bars.close()
    lines = _lines(out)
    assert len(lines) == 6  # at 10, 20, … 60 s: never more often than the interval, never a gap longer
    first = lines[0]
    assert first.startswith("indexing 10s: embedding sentences 1,000 of 10,000 (10%)"), first
    assert "100 sentences/s" in first and "about 1m 30s left" in first
    assert lines[-1].startswith("indexing 1m 00s: embedding sentences 6,000 of 10,000 (60%)")


def test_a_stage_that_reports_no_steps_still_prints_that_it_is_alive():
    clock, out = FakeClock(), io.StringIO()
    bars = LineProgress(out, interval=10.0, clock=clock, ticker=False)
    bars.stage("cutting into sentences", 1, "doc")  # one 10 MB document: no step for minutes
    for _ in range(35):
        clock.now += 1.0
        bars.tick()  # what the ticker thread does
    lines = _lines(out)
    assert len(lines) == 3 and all("cutting into sentences, 0 of 1 doc so far" in line for line in lines)
    assert [line.split(":")[0] for line in lines] == ["indexing 10s", "indexing 20s", "indexing 30s"]


def test_a_short_job_prints_no_progress_line():
    clock, out = FakeClock(), io.StringIO()
    bars = LineProgress(out, interval=10.0, clock=clock, ticker=False)
    bars.stage("embedding sentences", 50, "sentence")
    clock.now += 3.0
    bars.advance(50)
    bars.close()
    assert out.getvalue() == ""


def test_the_ticker_thread_prints_while_the_job_is_busy_elsewhere():
    out = io.StringIO()
    bars = LineProgress(out, interval=0.02)
    bars.stage("writing records")
    # On a loaded machine the ticker may print "starting" before the stage is set: count only the stage's lines.
    deadline = time.monotonic() + 10
    while sum("writing records …" in line for line in _lines(out)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    bars.close()
    assert sum("writing records …" in line for line in _lines(out)) >= 2, _lines(out)


def _write_folder(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for i, topic in enumerate(["bridge", "library", "harbour"]):
        body = " ".join(f"The {topic} council met on day {j} and voted {i + j} times." for j in range(12))
        (folder / f"{topic}.txt").write_text(f"{topic.title()} news\n\n{body}\n", encoding="utf-8")
    return folder


def test_indexing_without_a_terminal_prints_progress_lines_and_one_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "LINE_INTERVAL_S", 0.0)  # every step prints: the lines, not the cadence
    folder = _write_folder(tmp_path)
    assert main(["index", str(folder), "--index-dir", str(tmp_path / "idx")]) == 0
    out, err = capsys.readouterr()
    assert out.count("indexed ") == 1 and len(out.strip().splitlines()) == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(line.startswith("indexing ") for line in lines), err
    assert any("embedding sentences" in line and "sentences/s" in line for line in lines), err


@pytest.mark.parametrize("flag", [["--no-progress"], ["--json"]])
def test_no_progress_and_json_print_no_progress_lines(flag, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "LINE_INTERVAL_S", 0.0)
    folder = _write_folder(tmp_path)
    assert main(["index", str(folder), "--index-dir", str(tmp_path / "idx"), *flag]) == 0
    assert capsys.readouterr().err == ""


def test_indexing_a_folder_again_is_one_line_that_counts_the_unchanged_files(tmp_path, capsys):
    folder = _write_folder(tmp_path)
    index = str(tmp_path / "idx")
    assert main(["index", str(folder), "--index-dir", index, "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["index", str(folder), "--index-dir", index, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines() == [out.strip()]  # one line, whatever the number of unchanged files
    assert out.startswith("indexed 0 new document(s)") and "; 3 already indexed (no change)" in out


def test_the_first_make_run_indexes_once_so_the_summary_is_printed_once(tmp_path):
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    fresh = tmp_path / "no-index-yet"  # a fresh clone: no manifest, so the old recipe indexed twice
    dry = subprocess.run(["make", "-n", "run", f"INDEX={fresh}", "-o", ".venv/.installed"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    assert sum("articleqa index" in line for line in dry.splitlines()) == 1, dry
