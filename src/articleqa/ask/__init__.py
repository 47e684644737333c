"""The ask path: a request record, follow-up resolution, and the pipeline that answers it.

See :mod:`articleqa.ask.pipeline` for the path top to bottom, and docs/architecture.md."""

from __future__ import annotations

from .conversation import Conversation
from .followup import Turn, resolve, rewrite
from .pipeline import AskPipeline
from .request import AskOptions, AskRequest

__all__ = ["AskOptions", "AskPipeline", "AskRequest", "Conversation", "Turn", "resolve", "rewrite"]
