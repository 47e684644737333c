"""Start the web UI: loopback by default, offline, optional login."""

from __future__ import annotations

import errno
import logging
import socket

from .assistant import Assistant
from .config import Settings
from .errors import InputError
from .store import open_store

log = logging.getLogger(__name__)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:password`` (from --auth or Settings.auth, i.e. ARTICLEQA_AUTH); None when not set."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError("--auth must look like user:password")
    return user, password


def _bind_error(host: str, port: int) -> OSError | None:
    """Try to bind ``host:port`` as the web server will (SO_REUSEADDR, like uvicorn); the error, or None."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        return exc
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            return exc
    return None


def check_address(host: str, port: int) -> None:
    """Fail before saying "serving" when the server could not listen on ``host:port``, naming the option
    that fixes it: Gradio's own error comes after our "serving at" line, as a traceback that suggests
    ``server_port``/``GRADIO_SERVER_PORT`` rather than ``--port``."""
    if not 1 <= port <= 65535:
        raise InputError(f"--port {port} is not a port number; pick one from 1 to 65535, e.g. --port 7860")
    exc = _bind_error(host, port)
    if exc is None:
        return
    if isinstance(exc, socket.gaierror):
        raise InputError(f"--host {host} is not an address of this machine ({exc.strerror}); e.g. --host 127.0.0.1")
    if exc.errno == errno.EADDRINUSE:
        free = next((p for p in range(port + 1, min(port + 50, 65535) + 1) if _bind_error(host, p) is None), None)
        raise InputError(
            f"port {port} on {host} is already in use (another server is running there); "
            + (f"pick a free one with --port {free}" if free else "pick a free one with --port PORT")
            + ", or stop the other server"
        )
    if exc.errno == errno.EACCES:
        raise InputError(f"no permission to listen on port {port}; pick a port above 1023 with --port, e.g. --port 7860")
    if exc.errno == errno.EADDRNOTAVAIL:
        raise InputError(f"--host {host} is not an address of this machine; e.g. --host 127.0.0.1")
    raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); try another --host or --port")


def serve(
    index_dir: str | None = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    *,
    settings: Settings | None = None,
    block: bool = True,
) -> object:
    """Open the index and serve the UI; ``block=False`` returns the launched app (tests).

    ``settings``: built by the caller (the CLI); from the environment when None."""
    from .ui import build_app, launch

    settings = (settings or Settings.from_env()).with_(index_dir=index_dir)
    credentials = parse_auth(auth or settings.auth)
    # cheap checks first: no index here, a file, a damaged manifest, an unreachable Milvus
    open_store(settings).manifest()
    check_address(host, port)
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach this address can use it"
              + ("" if credentials else "; consider --auth user:password"))
    qa = Assistant.open(settings=settings)
    app = build_app(qa)
    print(f"articleqa: serving {settings.location} at http://{host}:{port}", flush=True)
    app.queue(default_concurrency_limit=8)
    try:
        launch(
            app, server_name=host, server_port=port, auth=credentials, show_error=True, inbrowser=False,
            prevent_thread_lock=not block, quiet=not block,
        )
    except OSError as exc:
        if "empty port" in str(exc):  # taken between our check and Gradio's bind: say so the same way
            check_address(host, port)
        raise
    return app
