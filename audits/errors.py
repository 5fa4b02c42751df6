"""Exceptions of the core. Each carries one sentence a user can act on.

The edges (CLI, dashboard) print `str(exc)`; they never show a traceback for these.
"""


class ClearToBillError(Exception):
    """Base class: the message is a complete, user-facing sentence."""


class DatabaseBusy(ClearToBillError):
    """Another process holds the DuckDB file for writing."""


class InputError(ClearToBillError):
    """A file or value the user gave cannot be used; nothing was changed."""


class NotFound(ClearToBillError):
    """A month, provider or run the user asked for does not exist."""
