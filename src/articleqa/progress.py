"""Progress of long indexing jobs: tqdm bars in a terminal, plain lines elsewhere (a log file, a pipe, CI).

Stages report through a :class:`Progress`; the pipeline never imports tqdm itself, so library users and the
UI get no output unless they ask for it. Without a terminal a job used to print nothing until its summary: a
10 MB text file took over 11 minutes in silence, which reads as a hang. :class:`LineProgress` prints one
plain line every ``interval`` seconds instead (stage, count, rate, time left), from a small ticker thread, so
a stage that reports no steps for a long while (one huge document being cut into sentences, the index
write) still shows that the job is alive.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any, Protocol

LINE_INTERVAL_S = 10.0  # how often a plain progress line is printed when the output is not a terminal


class Progress(Protocol):
    def stage(self, name: str, total: int | None = None, unit: str = "it") -> None:
        """A new stage of the job; ``total`` None when its length is not known."""

    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    """The silent default."""

    def stage(self, name: str, total: int | None = None, unit: str = "it") -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class TerminalProgress:
    """One tqdm bar per stage on stderr, with rate and ETA; a finished stage's bar stays on screen."""

    def __init__(self, file: Any = None) -> None:
        self._file = file or sys.stderr
        self._bar: Any = None

    def stage(self, name: str, total: int | None = None, unit: str = "it") -> None:
        from tqdm import tqdm

        self.close()
        self._bar = tqdm(total=total, desc=name, unit=unit, dynamic_ncols=True, file=self._file,
                         mininterval=0.5, bar_format=None if total else "{desc}: {elapsed}")

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _duration(seconds: float) -> str:
    """``1h 02m``, ``9m 25s``, ``42s``: short enough for a log line, exact enough to plan by."""
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s}s"


def _plural(unit: str, n: float) -> str:
    return unit if n == 1 else f"{unit}s"


class LineProgress:
    """Plain progress lines for output that is not a terminal, at most one every ``interval`` seconds, e.g.

    ``indexing 2m 10s: embedding sentences 24,576 of 131,744 (19%), 188 sentences/s, about 10m 23s left``

    Lines come from :meth:`advance` and from a daemon ticker thread (``ticker=False`` leaves it out, and
    ``clock`` replaces the monotonic clock: tests drive the cadence with a fake clock). Nothing is printed
    for a job shorter than ``interval``; the caller prints the one summary line at the end.
    """

    def __init__(self, file: IO[str] | None = None, *, interval: float | None = None,
                 clock: Callable[[], float] = time.monotonic, ticker: bool = True) -> None:
        self._file = file or sys.stderr
        self._interval = LINE_INTERVAL_S if interval is None else interval
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._last_line = self._started
        self._name = "starting"
        self._total: int | None = None
        self._unit = "it"
        self._done = 0
        self._stage_started = self._started
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if ticker:
            self._thread = threading.Thread(target=self._tick_loop, name="articleqa-progress", daemon=True)
            self._thread.start()

    def stage(self, name: str, total: int | None = None, unit: str = "it") -> None:
        with self._lock:
            self._name, self._total, self._unit, self._done = name, total, unit, 0
            self._stage_started = self._clock()
        self.tick()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self._done += n
        self.tick()

    def tick(self) -> None:
        """Print a line when ``interval`` seconds have passed since the last one (or since the start)."""
        with self._lock:
            now = self._clock()
            if now - self._last_line < self._interval:
                return
            self._last_line = now
            line = self._line(now)
        with contextlib.suppress(OSError, ValueError):  # a closed log or pipe: not worth failing the job for
            print(line, file=self._file, flush=True)

    def _line(self, now: float) -> str:
        head = f"indexing {_duration(now - self._started)}: {self._name}"
        elapsed = now - self._stage_started
        unit = self._unit
        if not self._done:
            return f"{head} …" if self._total is None else f"{head}, 0 of {self._total:,} {_plural(unit, self._total)} so far"
        rate = self._done / elapsed if elapsed > 0 else 0.0
        speed = f"{rate:,.0f} {_plural(unit, 2)}/s" if rate >= 1 else f"{rate:.2f} {_plural(unit, 2)}/s"
        if self._total:
            pct = 100.0 * self._done / self._total
            left = (self._total - self._done) / rate if rate > 0 else None
            eta = f", about {_duration(left)} left" if left is not None else ""
            return f"{head} {self._done:,} of {self._total:,} ({pct:.0f}%), {speed}{eta}"
        return f"{head} {self._done:,} {_plural(unit, self._done)}, {speed}"

    def _tick_loop(self) -> None:
        step = min(1.0, max(self._interval / 4, 0.01))
        while not self._stop.wait(step):
            self.tick()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
            self._thread = None


def progress_for(enabled: bool, terminal: bool = True) -> Progress:
    """``enabled`` False: silence; else tqdm bars in a ``terminal``, plain timed lines otherwise."""
    if not enabled:
        return NoProgress()
    return TerminalProgress() if terminal else LineProgress()
