"""Files of a generation: fsync, sizes and checksums written into its manifest, and the crash points that the
crash-safety tests kill the process at."""

from __future__ import annotations

import hashlib
import os
import signal
import zlib
from pathlib import Path

MANIFEST = "manifest.json"


def crash_point(name: str, crash_at: str) -> None:
    """Fault injection for the crash-safety tests: a store made with ``crash_at=name`` dies here."""
    if crash_at and crash_at == name:
        os.kill(os.getpid(), signal.SIGKILL)


def fsync_path(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fsync_path(Path(dirpath) / name)
        fsync_path(Path(dirpath))


def file_sizes(gen_dir: Path) -> dict[str, int]:
    return {
        str(p.relative_to(gen_dir)): p.stat().st_size
        for p in sorted(gen_dir.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def crc32(path: Path) -> str:
    crc = 0
    with open(path, "rb") as fh:
        while block := fh.read(4 << 20):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def file_checksums(gen_dir: Path) -> dict[str, str]:
    """CRC-32 of every file: sizes catch truncation, this catches same-size damage or tampering (~GB/s)."""
    return {
        str(p.relative_to(gen_dir)): crc32(p)
        for p in sorted(gen_dir.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def content_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
