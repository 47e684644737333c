"""Errors a user can act on. The CLI turns each into one line on stderr and exit code 2."""

from __future__ import annotations


class ArticleQAError(Exception):
    """Base class: the message says what was wrong and what to do."""


class InputError(ArticleQAError):
    """A file or argument could not be used."""


class IndexError_(ArticleQAError):
    """The index is missing, corrupt, or incompatible."""


class ModelMismatchError(IndexError_):
    """The index was built with a different embedding model than the one requested."""


class IndexLockedError(ArticleQAError):
    """Another process is writing to the same index."""
