"""The database as the pages see it: opened per script run, cached aggregates, the selected month.

No process keeps the DuckDB file open between operations (SPEC 6): every script run reads through a
read-only connection that is closed before the run ends, and a write action (upload, run) opens a
read-write connection just for itself. A busy database is one sentence and a stop, never a traceback.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator

import duckdb
import streamlit as st

from app_pages import _format as fmt
from audits import explore
from audits.config import db_path
from audits.errors import ClearToBillError
from audits.store import connect

MONTH_KEY = "month"


class PageData:
    """One script run's view of the database: the connection and the cache key."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str):
        self.con = con
        self.path = path
        self.version = explore.data_version(con)

    def agg(self, fn: Callable, *args):
        """fn(con, *args), cached by database, data version and arguments. Aggregates only: no
        patient-level data goes through the cache."""
        return _cached(self.con, self.path, self.version, fn.__module__, fn.__qualname__, args)

    def try_agg(self, fn: Callable, *args, what: str = "This view"):
        """Like agg, but a view the data cannot give yet (a month not audited) is one sentence in an info
        box and None. A query that fails is a bug and is not hidden."""
        try:
            return self.agg(fn, *args)
        except ClearToBillError as exc:
            st.info(f"{what} is not available: {sentence(exc)}")
            return None

    def call(self, fn: Callable, *args, what: str = "This view"):
        """fn(con, *args) uncached (results with line-level rows), with the same guard as try_agg."""
        try:
            return fn(self.con, *args)
        except ClearToBillError as exc:
            st.info(f"{what} is not available: {sentence(exc)}")
            return None


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(_con, path: str, version: tuple, module: str, name: str, args: tuple):
    fn = getattr(importlib.import_module(module), name)
    return fn(_con, *args)


def sentence(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) < 300 else text[:297] + "..."


def database_file() -> str:
    return str(db_path())


@contextlib.contextmanager
def read() -> Iterator[PageData]:
    """A read-only connection for this script run; closed when the block ends."""
    try:
        with connect(database_file(), read_only=True) as con:
            yield PageData(con, database_file())
    except ClearToBillError as exc:
        st.error(fmt.plain(exc))
        st.stop()


@contextlib.contextmanager
def write() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection for one action (upload, audit run, alias); closed right after."""
    try:
        with connect(database_file()) as con:
            yield con
    except ClearToBillError as exc:
        st.error(fmt.plain(exc))
        st.stop()


def selected_month() -> str | None:
    """The month chosen in the sidebar ('YYYY-MM'), or None when there is no data yet."""
    return st.session_state.get(MONTH_KEY)


def clear_caches() -> None:
    """After a write: aggregates are keyed by data version, so this only frees memory."""
    _cached.clear()
