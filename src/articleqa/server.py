"""Start the web UI: loopback by default, offline, optional login."""

from __future__ import annotations

import logging
import os

from .assistant import Assistant
from .config import Settings
from .errors import InputError

log = logging.getLogger(__name__)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:password`` from --auth or ARTICLEQA_AUTH; None when neither is set."""
    value = value or os.environ.get("ARTICLEQA_AUTH")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError("--auth must look like user:password")
    return user, password


def serve(
    index_dir: str | None = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    *,
    block: bool = True,
) -> object:
    """Open the index and serve the UI; ``block=False`` returns the launched app (tests)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from .ui import build_app, launch

    settings = Settings.from_env(index_dir=index_dir)
    credentials = parse_auth(auth)
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach this address can use it"
              + ("" if credentials else "; consider --auth user:password"))
    qa = Assistant.open(settings.index_dir)
    app = build_app(qa)
    print(f"articleqa: serving {settings.index_dir} at http://{host}:{port}", flush=True)
    app.queue(default_concurrency_limit=8)
    launch(
        app, server_name=host, server_port=port, auth=credentials, show_error=True, inbrowser=False,
        prevent_thread_lock=not block, quiet=not block,
    )
    return app
