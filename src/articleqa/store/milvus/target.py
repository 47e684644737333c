"""``milvus://HOST:PORT[/COLLECTION]`` → where the index lives on a Milvus server, and a connected client.

pymilvus is imported only here and only when such a URI is given: the embedded store never opens a socket."""

from __future__ import annotations

import logging
import re
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...errors import InputError

SCHEME = "milvus://"
DEFAULT_COLLECTION = "articleqa"
DEFAULT_PORT = 19530
CONNECT_TIMEOUT_S = 10.0
# Milvus collection names: a letter or underscore first, then letters, digits, underscores. Ours get a
# generation suffix (``__g000001_chunks``), so the name itself stays well under Milvus' 255.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,180}$")
_EXAMPLE = "e.g. --store milvus://127.0.0.1:19530/articleqa"


@dataclass(frozen=True)
class MilvusTarget:
    """A parsed ``--store`` URI. The token never appears in ``repr`` or messages."""

    host: str
    port: int
    collection: str
    secure: bool = False
    token: str = field(default="", repr=False)

    @property
    def uri(self) -> str:
        return f"{SCHEME}{self.host}:{self.port}/{self.collection}"

    @property
    def endpoint(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.host}:{self.port}"


def is_milvus_uri(value: str) -> bool:
    return value.strip().lower().startswith((SCHEME, "milvus+tls://"))


def parse_target(value: str, token: str = "") -> MilvusTarget:
    """Parse and check the URI; a malformed one is an InputError naming what to write instead."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in {"milvus", "milvus+tls"} or not parts.hostname:
        raise InputError(f"--store {value!r} is not a Milvus URI; {_EXAMPLE}")
    if parts.username or parts.password:  # the URI is shown in messages and reports; a secret must not be
        raise InputError("--store: put the credentials in ARTICLEQA_MILVUS_TOKEN, not in the URI; "
                         "e.g. --store milvus://HOST:19530/articleqa")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise InputError(f"--store {value!r} has a bad port ({exc}); {_EXAMPLE}") from exc
    collection = parts.path.strip("/") or DEFAULT_COLLECTION
    if not _NAME.match(collection):
        raise InputError(
            f"--store {value!r}: collection {collection!r} must be letters, digits and underscores, starting with a "
            f"letter; {_EXAMPLE}"
        )
    return MilvusTarget(parts.hostname, port, collection, parts.scheme.lower() == "milvus+tls", token)


def _unreachable(target: MilvusTarget, reason: str) -> InputError:
    return InputError(f"cannot reach Milvus at {target.uri} ({reason}); start the server or fix --store "
                      "(a token goes in ARTICLEQA_MILVUS_TOKEN)")


def connect(target: MilvusTarget) -> Any:
    """A MilvusClient for ``target``; unreachable or refused → InputError naming the URI and the fix."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise InputError(
            f"--store {target.uri} needs the Milvus client: pip install 'articleqa[milvus]'"
        ) from exc
    # pymilvus logs every failed call at ERROR (an absent alias is how we learn there is no index yet) and
    # a refused connection only after its whole timeout: our own one-line messages say what matters.
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    try:
        socket.create_connection((target.host, target.port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise _unreachable(target, exc.strerror or str(exc)) from exc
    try:
        return MilvusClient(uri=target.endpoint, token=target.token or "", timeout=CONNECT_TIMEOUT_S)
    except Exception as exc:  # pymilvus raises MilvusException or grpc errors, both say little on their own
        raise _unreachable(target, str(getattr(exc, "message", "") or exc).splitlines()[0][:200]) from exc
