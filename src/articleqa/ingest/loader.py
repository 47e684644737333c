"""Paths → documents: the format table, :func:`load` for one path, and the file and batch entry points.

The only module that knows every format; a new format is a reader module plus a line in ``_FORMATS``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..errors import ArticleQAError, InputError
from ..records import Document, Skipped
from .common import IngestResult, Problems, Reader, read_bytes
from .html import read_html
from .json import read_json
from .jsonl import read_jsonl
from .markdown import read_markdown
from .pdf import read_pdf
from .text import read_plain

# The package's logger, as before the split into modules, so log filters and captures keep working.
log = logging.getLogger("articleqa.ingest")

# File extension (lower case, with dot) → (format name recorded in metadata, reader).
_FORMATS: dict[str, tuple[str, Reader]] = {
    ".txt": ("txt", read_plain),
    ".md": ("markdown", read_markdown),
    ".markdown": ("markdown", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".json": ("json", read_json),
    ".jsonl": ("jsonl", read_jsonl),
    ".pdf": ("pdf", read_pdf),
}

#: File extensions (lower case, with dot) that :func:`load_file` understands.
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(_FORMATS)


def _unsupported(path: Path) -> InputError:
    """Name the extension and the supported ones, so the user knows what to convert to."""
    ext = path.suffix or "(no extension)"
    return InputError(
        f"{path}: unsupported file type {ext}; supported: {', '.join(SUPPORTED_EXTENSIONS)} "
        "(convert it to one of these)"
    )


def load(path: str | Path, max_file_mb: float = 50.0) -> tuple[list[Document], Problems]:
    """Read one file into documents plus per-record problems; InputError if the file is unusable.

    The single entry every caller goes through: the format is chosen by extension here and nowhere else.
    """
    path = Path(path)
    fmt_reader = _FORMATS.get(path.suffix.lower())
    if fmt_reader is None:
        if path.is_dir():
            raise InputError(f"{path} is a folder; pass it to load_paths (or the CLI) to read the files inside")
        raise _unsupported(path)
    fmt, reader = fmt_reader
    data = read_bytes(path, max_file_mb)
    if not data.strip():
        raise InputError(f"{path} is empty; add some text or remove the file")
    try:
        docs, problems = reader(path, data, fmt)
    except ArticleQAError:
        raise
    except Exception as exc:  # an unexpected parser failure is still just one bad file
        raise InputError(f"{path}: could not read ({type(exc).__name__}: {exc}); check the file") from exc
    if not docs:
        detail = "; ".join(reason for _, reason in problems[:3]) or "no records"
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        raise InputError(f"{path}: no usable records — {detail}{more}")
    return docs, problems


def load_file(path: Path, max_file_mb: float = 50.0) -> list[Document]:
    """Read one file into documents (JSON/JSONL may hold several); InputError if it cannot be used.

    Bad records inside an otherwise good JSON/JSONL file are logged and left out; use
    :func:`load_paths` to get them back as :class:`Skipped` entries.
    """
    docs, problems = load(Path(path), max_file_mb)
    for label, reason in problems:
        log.warning("skipped %s: %s", label, reason)
    return docs


# --------------------------------------------------------------------------------------------------
# batches


def _is_hidden(name: str) -> bool:
    """Dot-files and dot-folders (.git, .DS_Store) are tooling, never articles."""
    return name.startswith(".")


def _walk(folder: Path, skipped: list[Skipped]) -> Iterator[Path]:
    """Files under ``folder`` in sorted order, skipping hidden files and folders (.git, .DS_Store...).

    A subfolder that cannot be listed is reported in ``skipped`` instead of silently ignored.
    """

    def unreadable(exc: OSError) -> None:
        """os.walk's error hook: report the folder instead of skipping it silently."""
        skipped.append(Skipped(path=str(exc.filename or folder), reason=f"cannot list folder: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
        for name in sorted(files):
            if not _is_hidden(name):
                yield Path(root) / name


def load_paths(
    paths: Sequence[str | Path], max_file_mb: float = 50.0, on_file: Callable[[], None] | None = None
) -> IngestResult:
    """Read files and folders (recursively) into documents; every unusable file is reported, none is fatal.

    Folders are walked in sorted order; hidden entries are ignored and unsupported files inside folders are
    reported as skipped. The same file reached twice (e.g. a folder and a file in it) is read once. Documents
    with identical text share a ``doc_id``; deduplicating them is the index's job.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    result = IngestResult()
    seen: set[Path] = set()

    def add(file: Path) -> None:
        """Read one file once, turning any failure into a Skipped entry."""
        key = file.resolve() if file.exists() else file.absolute()
        if key in seen:
            return
        seen.add(key)
        if on_file is not None:
            on_file()
        try:
            docs, problems = load(file, max_file_mb)
        except ArticleQAError as exc:
            result.skipped.append(Skipped(path=str(file), reason=_reason(exc, file)))
            return
        except Exception as exc:  # never let one file stop the batch
            log.exception("unexpected error reading %s", file)
            result.skipped.append(Skipped(path=str(file), reason=f"could not read: {type(exc).__name__}: {exc}"))
            return
        result.documents.extend(docs)
        result.skipped.extend(Skipped(path=label, reason=reason) for label, reason in problems)

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            result.skipped.append(Skipped(path=str(raw), reason="not found: no such file or folder; check the path"))
        elif path.is_dir():
            for file in _walk(path, result.skipped):
                add(file)
        else:
            add(path)
    return result


def _reason(exc: ArticleQAError, path: Path) -> str:
    """The error message without the leading path (Skipped already carries it)."""
    msg = str(exc)
    prefix = str(path)
    if msg.startswith(prefix):
        msg = msg[len(prefix) :].lstrip(" :")
    return msg or str(exc)
