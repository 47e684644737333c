"""Markdown files (.md, .markdown): front matter and headings give the fields, syntax is dropped from the text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Document
from .common import Problems, decode
from .document import document_from_text

_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<body>.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^(?P<indent> {0,3})(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MD_REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+")


def _markdown_inline(line: str) -> str:
    """Drop inline markdown syntax that gets in the way of reading (links, images, emphasis, code)."""
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", line)
    line = re.sub(r"<(https?://[^>\s]+)>", r"\1", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    line = re.sub(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])", r"\1", line)
    line = re.sub(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])", r"\1", line)
    line = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", line)
    line = re.sub(r"`([^`\n]+)`", r"\1", line)
    line = re.sub(r"^(\s*)>\s?", r"\1", line)
    return line


def _markdown_to_text(md: str) -> tuple[str, dict[str, str]]:
    """Light markdown → readable text; returns the text and front-matter/heading fields (title...)."""
    fields_: dict[str, str] = {}
    md = md.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    fm = _FRONT_MATTER.match(md)
    if fm:
        for raw in fm.group("body").split("\n"):
            key, sep, value = raw.partition(":")
            if sep and value.strip():
                fields_[key.strip().lower()] = value.strip().strip("\"'")
        md = md[fm.end() :]
    out: list[str] = []
    in_fence = False
    for line in md.split("\n"):
        if _MD_FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            out.append(line)
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            text = _markdown_inline(heading.group("text")).strip()
            fields_.setdefault("heading", text)
            out.extend(["", text, ""])
            continue
        if _MD_SETEXT.match(line) and out and out[-1].strip():  # "Title\n=====" (CommonMark setext)
            fields_.setdefault("heading", out[-1].strip())
            out.append("")
            continue
        if _MD_RULE.match(line) or _MD_REFDEF.match(line):
            out.append("")
            continue
        out.append(_markdown_inline(line))
    return "\n".join(out), fields_


def read_markdown(path: Path, data: bytes, fmt: str) -> tuple[list[Document], Problems]:
    """One markdown file → one Document; front matter (title, author, date, url, tags) beats detection."""
    raw, encoding = decode(data, path)
    text, found = _markdown_to_text(raw)
    meta: dict[str, Any] = {"format": fmt, "encoding": encoding}
    for key in ("tags", "categories", "description", "publisher", "outlet", "publication", "site_name"):
        if key in found:
            meta[key] = found[key]
    try:
        doc = document_from_text(
            text,
            source=str(path),
            title=found.get("title") or found.get("heading"),
            author=found.get("author"),
            published=found.get("date") or found.get("published"),
            url=found.get("url"),
            metadata=meta,
        )
    except InputError as exc:
        raise InputError(f"{path} has no text besides markdown syntax; add some text") from exc
    return [doc], []
