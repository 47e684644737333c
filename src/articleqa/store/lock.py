"""One writer per index folder (flock), and the check that the folder is a folder at all."""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

from ..errors import IndexLockedError, InputError


def check_index_folder(root: Path) -> None:
    """Refuse an index path that is (or lies under) a file, with a message that says so.

    Otherwise mkdir fails deep inside a write with FileExistsError/NotADirectoryError, and the "no index
    here, build one" hint sends the user to that crashing command."""
    for path in (root, *root.parents):
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return  # unreadable: the real open/mkdir reports it with its own reason
        if stat.S_ISDIR(mode):
            return
        what = "is a file, not a folder" if path == root else f"is inside {path}, which is a file"
        raise InputError(f"the index path {root} {what}; pass a folder with --index-dir (it is created if missing)")


class WriterLock:
    """One writer per index directory; a second one is told who holds the lock."""

    def __init__(self, root: Path) -> None:
        self.path = root / ".lock"
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        check_index_folder(self.path.parent)  # it may have become a file since the store was opened
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the index folder {self.path.parent} ({exc.strerror or exc}); "
                "pass a folder you can write to with --index-dir"
            ) from exc
        fd = os.open(str(self.path), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise IndexLockedError(
                f"another articleqa process (pid {holder}) is writing to {self.path.parent}; "
                "wait for it to finish, then try again"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
