"""Recent answers, so a chat's replayed history and a repeated question cost nothing."""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from typing import Any

from ..records import Answer


class AnswerCache:
    """An LRU of extractive answers keyed by everything they depend on (the generation among it, so a new
    index version never serves an old answer). Answers go in and come out as copies: callers may mutate them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], started: float) -> Answer | None:
        with self._lock:
            cached = self._answers.get(key)
            if cached is None:
                return None
            self._answers.move_to_end(key)
            hit = copy.deepcopy(cached)
        hit.timings_ms = {"total": (time.perf_counter() - started) * 1000, "cached": 1.0}
        return hit

    def put(self, key: tuple[Any, ...], answer: Answer) -> None:
        with self._lock:
            self._answers[key] = copy.deepcopy(answer)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
