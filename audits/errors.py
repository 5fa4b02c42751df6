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


class NotADatabase(InputError):
    """A file that cannot be opened as a ClearToBill database. `what` says so without a fix, so an edge
    can name its own way to choose another file (the CLI: --db)."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(f"{what} - choose another database file.")


class NotAudited(NotFound):
    """A month with no finished audit run. `month` ('YYYY-MM') lets an edge word how to audit it."""

    def __init__(self, month: str):
        self.month = month
        super().__init__(f"{month} has not been audited yet - run the audit for {month} first.")
