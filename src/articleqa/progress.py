"""Progress of long indexing jobs: tqdm bars in a terminal, nothing otherwise (the caller prints one summary).

Stages report through a :class:`Progress`; the pipeline never imports tqdm itself, so library users and the
UI get no bars unless they ask for them.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol


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


def progress_for(enabled: bool) -> Progress:
    return TerminalProgress() if enabled else NoProgress()
