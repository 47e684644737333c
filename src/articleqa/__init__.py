"""articleqa: answers about your articles, with verbatim, verified quotes."""

from __future__ import annotations

from typing import Any

from .config import network_opt_in
from .offline import apply_offline_env

apply_offline_env(network_opt_in())

__all__ = ["Answer", "Assistant", "Chunk", "Citation", "Conversation", "Document", "Passage", "Settings"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import the heavy parts (torch, faiss) only when they are first used."""
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    if name == "Conversation":
        from .ask import Conversation

        return Conversation
    if name == "Settings":
        from .config import Settings

        return Settings
    if name in {"Answer", "Chunk", "Citation", "Document", "Passage"}:
        from . import records

        return getattr(records, name)
    raise AttributeError(f"module 'articleqa' has no attribute {name!r}")
