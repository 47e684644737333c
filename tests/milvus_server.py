"""A real Milvus 2.3 standalone server for the tests (the ``milvus`` registry package), started by them.

It listens on every interface, so it is only ever started inside a private network namespace where loopback
is the only interface (``unshare -n``; tests/store/test_milvus.py runs tests/store/milvus/ that way)."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

NETNS_FLAG = "ARTICLEQA_TESTS_IN_PRIVATE_NETNS"  # set by tests/store/test_milvus.py for the run it starts


def private_network() -> bool:
    """True when loopback is this process's only network interface (if_nameindex asks this process's network
    namespace; /sys/class/net would show the namespace /sys was mounted in)."""
    return [name for _i, name in socket.if_nameindex()] == ["lo"]


class MilvusServer:
    """``milvus.default_server`` with its data under ``base_dir``; refuses to start outside a private namespace."""

    def __init__(self, base_dir: Path) -> None:
        if not private_network():
            raise RuntimeError("the Milvus test server listens on all interfaces: start it only inside `unshare -n`")
        if importlib.util.find_spec("milvus") is None:
            raise RuntimeError("the milvus server package is not installed: pip install -e '.[dev]'")
        from milvus import default_server

        self._server = default_server
        default_server.set_base_dir(str(base_dir))
        default_server.start()
        self.port = int(default_server.listen_port)
        self.pid = int(default_server.server_proc.pid)

    def uri(self, collection: str) -> str:
        return f"milvus://127.0.0.1:{self.port}/{collection}"

    def rss_bytes(self) -> int:
        """Resident memory of the server process."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        self._server.stop()
