"""Concurrent users: threads asking one Assistant, and gradio_client users on the served web UI.

``articleqa bench --load`` runs both; tests run a small UI one. Each simulated UI user is a thread with its own :class:`gradio_client.Client` (its own connection and
session, like a browser tab) asking its questions one after another. All users start together once every
client has connected, so the figures measure answering, not connecting.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..metrics import percentile
from .common import BenchQuestion, question_texts, summarize

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


def _percentile_ms(values: Sequence[float], q: float) -> float:
    """``metrics.percentile``, rounded; 0.0 when nothing was answered (the load report's convention)."""
    value = percentile(values, q)
    return round(value, 1) if value is not None else 0.0


class _Users:
    """Shared state of one load run: latencies, errors, and the barrier every user starts behind."""

    def __init__(self, url: str, users: int, per_user: int, questions: list[str], api_name: str,
                 auth: tuple[str, str] | None, validate: Callable[[Any], Any] | None, connect_timeout: float) -> None:
        self.url, self.per_user, self.questions, self.api_name = url, per_user, questions, api_name
        self.auth, self.validate, self.connect_timeout = auth, validate, connect_timeout
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.ready = threading.Barrier(users + 1)

    def fail(self, message: str, count: int = 1) -> None:
        with self.lock:
            self.errors.extend([message] * count)

    def _connect(self, n: int) -> Any:
        """This user's client once every user has connected; None when it could not (errors counted)."""
        client = None
        try:
            client = _client(self.url, self.auth)
        except Exception as exc:  # connection refused, bad auth...
            self.fail(f"user {n} could not connect: {type(exc).__name__}: {exc}", self.per_user)
        try:
            self.ready.wait(timeout=self.connect_timeout)
        except threading.BrokenBarrierError:
            if client is not None:
                self.fail(f"user {n}: timed out waiting for the other users to connect", self.per_user)
            return None
        return client

    def user(self, n: int) -> None:
        client = self._connect(n)
        if client is None:
            return
        for j in range(self.per_user):
            question = self.questions[(n * self.per_user + j) % len(self.questions)]
            t0 = time.perf_counter()
            try:
                result = client.predict(question, [], api_name=self.api_name)
                if self.validate is not None:
                    self.validate(result)
            except Exception as exc:
                self.fail(f"user {n} question {j}: {type(exc).__name__}: {exc}")
                continue
            with self.lock:
                self.latencies.append((time.perf_counter() - t0) * 1000)
        with contextlib.suppress(Exception):  # closing is best effort; the figures are already taken
            client.close()


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
    state = _Users(url, users, questions_per_user, questions, api_name, auth, validate, connect_timeout)
    threads = [threading.Thread(target=state.user, args=(n,), name=f"load-user-{n}", daemon=True)
               for n in range(users)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        state.ready.wait(timeout=connect_timeout)
    start_at = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start_at
    latencies, completed = state.latencies, len(state.latencies)
    return {
        "url": url,
        "api_name": api_name,
        "users": users,
        "questions_per_user": questions_per_user,
        "n_questions": users * questions_per_user,
        "completed": completed,
        "errors": len(state.errors),
        "error_samples": state.errors[:5],
        "seconds": round(seconds, 3),
        "throughput_qps": round(completed / seconds, 3) if seconds > 0 else 0.0,
        "p50_ms": _percentile_ms(latencies, 50),
        "p95_ms": _percentile_ms(latencies, 95),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
    }


def load_test(qa: Any, questions: Sequence[BenchQuestion], users: int = 4, per_user: int = 10) -> dict[str, Any]:
    """``users`` threads each asking ``per_user`` questions at once: throughput and per-question latency."""
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    qs = question_texts(questions)

    def user(u: int) -> None:
        for i in range(per_user):
            q = qs[(u * per_user + i) % len(qs)]
            t = time.perf_counter()
            try:
                qa.ask(q)
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                lat.append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=user, args=(u,)) for u in range(users)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return {"users": users, "questions": len(lat), "seconds": round(wall, 2),
            "questions_per_s": round(len(lat) / wall, 2) if wall else None, "latency_ms": summarize(lat),
            "errors": errors[:5], "n_errors": len(errors)}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ui_load_test(index_dir: str, questions: Sequence[BenchQuestion], users: int, per_user: int) -> dict[str, Any]:
    """The web UI as ``articleqa serve`` starts it, on a free loopback port, driven by ``users``
    gradio_client users through its /ask endpoint (in this process, so the model is loaded once)."""
    from ..server import serve

    port = free_port()
    with contextlib.redirect_stdout(io.StringIO()):  # serve's "serving at" line is for a terminal user
        app: Any = serve(index_dir=index_dir, host="127.0.0.1", port=port, block=False)
    try:
        return run_load(f"http://127.0.0.1:{port}/", users=users, questions_per_user=per_user,
                        questions=question_texts(questions))
    finally:
        with contextlib.redirect_stdout(io.StringIO()):  # Gradio prints "Closing server running on port"
            app.close()


__all__ = [
    "ASK_ENDPOINT", "answer_payload", "endpoint_names", "free_port", "has_endpoint", "load_test", "run_load",
    "ui_load_test",
]
