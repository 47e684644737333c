"""Concurrent-users load test against the running UI's API (``articleqa bench --load``; tests run a small one).

Each simulated user is a thread with its own :class:`gradio_client.Client` (its own connection and
session, like a browser tab) asking its questions one after another. All users start together once every
client has connected, so the figures measure answering, not connecting.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

ASK_ENDPOINT = "/ask"


def _client(url: str, auth: tuple[str, str] | None = None) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, auth=auth, download_files=False, analytics_enabled=False)


def endpoint_names(url: str, auth: tuple[str, str] | None = None) -> list[str]:
    """The app's named API endpoints (e.g. ``["/ask"]``)."""
    info = _client(url, auth).view_api(print_info=False, return_format="dict")
    return sorted((info or {}).get("named_endpoints", {}))


def has_endpoint(url: str, api_name: str = ASK_ENDPOINT, auth: tuple[str, str] | None = None) -> bool:
    return api_name in endpoint_names(url, auth)


def answer_payload(result: Any) -> dict[str, Any]:
    """The Answer JSON an ``/ask`` call returned (a dict, or a JSON string); ValueError if it is not one."""
    if isinstance(result, (list, tuple)) and result:
        result = result[0]  # an endpoint may return (answer, history)
    if isinstance(result, str):
        result = json.loads(result)
    if not isinstance(result, dict) or "text" not in result or "citations" not in result:
        raise ValueError(f"not an Answer: {str(result)[:120]!r}")
    return result


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def run_load(
    url: str,
    users: int,
    questions_per_user: int,
    questions: list[str],
    *,
    api_name: str = ASK_ENDPOINT,
    auth: tuple[str, str] | None = None,
    validate: Callable[[Any], Any] | None = answer_payload,
    connect_timeout: float = 120.0,
) -> dict[str, Any]:
    """``users`` threads × ``questions_per_user`` questions against ``api_name`` at ``url``.

    Returns ``users``, ``questions_per_user``, ``n_questions`` (asked), ``completed``, ``errors`` (failed
    calls, including answers that ``validate`` rejects, and users that could not connect × their
    questions), ``error_samples`` (up to 5 messages), ``seconds`` (wall time from the common start),
    ``throughput_qps`` (completed answers per second) and latency ``p50_ms``/``p95_ms``/``max_ms``.
    """
    if users < 1 or questions_per_user < 1 or not questions:
        raise ValueError("run_load needs users ≥ 1, questions_per_user ≥ 1 and at least one question")
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(users + 1)
    start_at: list[float] = []

    def fail(message: str, count: int = 1) -> None:
        with lock:
            errors.extend([message] * count)

    def user(n: int) -> None:
        client = None
        try:
            client = _client(url, auth)
        except Exception as exc:  # connection refused, bad auth...
            fail(f"user {n} could not connect: {type(exc).__name__}: {exc}", questions_per_user)
        try:
            ready.wait(timeout=connect_timeout)
        except threading.BrokenBarrierError:
            if client is not None:
                fail(f"user {n}: timed out waiting for the other users to connect", questions_per_user)
            return
        if client is None:
            return
        for j in range(questions_per_user):
            question = questions[(n * questions_per_user + j) % len(questions)]
            t0 = time.perf_counter()
            try:
                result = client.predict(question, [], api_name=api_name)
                if validate is not None:
                    validate(result)
            except Exception as exc:
                fail(f"user {n} question {j}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
        with contextlib.suppress(Exception):  # closing is best effort; the figures are already taken
            client.close()

    threads = [threading.Thread(target=user, args=(n,), name=f"load-user-{n}", daemon=True) for n in range(users)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait(timeout=connect_timeout)
    start_at.append(time.perf_counter())
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start_at[0]
    completed = len(latencies)
    return {
        "url": url,
        "api_name": api_name,
        "users": users,
        "questions_per_user": questions_per_user,
        "n_questions": users * questions_per_user,
        "completed": completed,
        "errors": len(errors),
        "error_samples": errors[:5],
        "seconds": round(seconds, 3),
        "throughput_qps": round(completed / seconds, 3) if seconds > 0 else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
    }


__all__ = ["ASK_ENDPOINT", "answer_payload", "endpoint_names", "has_endpoint", "run_load"]
