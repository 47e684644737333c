"""What every reader shares: the result types, the size limit, and bytes → text.

Size and encoding checks live here once so every format refuses a huge, binary or empty file with the same
message.
"""

from __future__ import annotations

import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..records import Document, Skipped

_BINARY_CONTROL_RATIO = 0.05

#: One bad record inside an otherwise usable file (a JSONL line, a JSON list item): (label, reason).
Problems = list[tuple[str, str]]

#: A per-format reader: (path, the file's bytes, format name) → (documents, problems).
Reader = Callable[[Path, bytes, str], tuple[list[Document], Problems]]


@dataclass
class IngestResult:
    """What a batch produced: the documents, and every file (or record) that was left out and why."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# reading bytes


def size_against_limit(n_bytes: int, max_file_mb: float) -> tuple[str, str]:
    """(size, limit) as text for a file over the limit, the size with as many decimals as it takes to read
    as over it ("50.0 MB, over the 50 MB limit" does not); exact byte counts when three decimals do not."""
    limit = max_file_mb * 1024 * 1024
    power = 1 if n_bytes < 1024**2 else 2 if n_bytes < 1024**3 else 3
    unit, scale = ("KB", "MB", "GB")[power - 1], 1024**power
    for decimals in (1, 2, 3) if n_bytes >= 1024 else ():
        shown = f"{n_bytes / scale:.{decimals}f}"
        if float(shown) * scale > limit:
            return f"{shown} {unit}", f"{max_file_mb:g} MB"
    return f"{n_bytes:,} bytes", f"{max_file_mb:g} MB ({int(limit):,} bytes)"


def read_bytes(path: Path, max_file_mb: float) -> bytes:
    """Read a file after checking its size with stat, so a huge file is refused without reading it."""
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file; check the path") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot access ({exc.strerror or exc}); check permissions") from exc
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is a folder; pass it to load_paths (or the CLI) to read the files inside")
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
        raise InputError(f"{path} is not a regular file; copy the text into a file and add that")
    limit = max_file_mb * 1024 * 1024
    if st.st_size > limit:
        size, limit_text = size_against_limit(st.st_size, max_file_mb)
        raise InputError(
            f"{path} is {size}, over the {limit_text} limit; "
            "split it into smaller files or raise max_file_mb (ARTICLEQA_MAX_FILE_MB)"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check permissions") from exc


_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode(data: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """Decode text: BOM, then a declared charset, then UTF-8, cp1252, latin-1. Refuse binary and empty."""
    if not data.strip():
        raise InputError(f"{path} is empty; add some text or remove the file")
    text: str | None = None
    encoding = ""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc.replace("-sig", ""))
                encoding = enc
            except UnicodeDecodeError:
                text = None
            break
    if text is None:
        if b"\x00" in data:
            raise InputError(
                f"{path} looks binary (it contains NUL bytes), not like a {path.suffix or 'text'} file; "
                "convert it to plain text or remove it"
            )
        candidates = [c for c in (declared, "utf-8", "cp1252", "latin-1") if c]
        for enc in candidates:
            try:
                text = data.decode(enc)
                encoding = enc
                break
            except (UnicodeDecodeError, LookupError):
                continue
    if text is None:  # unreachable in practice: latin-1 decodes any byte string
        text, encoding = data.decode("latin-1"), "latin-1"
    sample = text[:65536]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if sample and controls / len(sample) > _BINARY_CONTROL_RATIO:
        raise InputError(
            f"{path} looks binary ({controls} control characters in the first {len(sample)}); "
            "convert it to plain text or remove it"
        )
    if not text.strip():
        raise InputError(f"{path} is empty (only whitespace); add some text or remove the file")
    return text, encoding

