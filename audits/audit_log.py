"""The audit trail (SPEC 7, issue 14): one append-only table, `audit_event`, and this module is its one
writer.

Every event says when, who (user and role), what (one of ACTIONS), on what object (a file name, a
month, a payer alias, a page - never a patient cell), how many rows and, for files, the sha256. The
module only ever INSERTs: there is no function that changes or removes an event, and no other module
names the table in a write statement (tests/test_audit_log.py scans the code for one).

Who is acting is set by the edge, once per command or script run: the CLI from `--as USER` or the OS
user, the dashboard from the signed-in session (`acting_as`). The core records its own events (an
upload row, an alias, a snapshot restore, an audit run) with `record(con, action, ...)` and the actor
of the current context, so the CLI and the dashboard record the same things the same way.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import getpass
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pandas as pd

ACTIONS = (
    "login",
    "logout",
    "failed login",
    "upload",
    "duplicate upload",
    "alias confirmed",
    "snapshot restored",
    "audit run",
    "finding detail viewed",
    "export",
    "access denied",
    "undo",
    "user added",
    "user removed",
    "password reset",
    "issue changed",  # an assignment, a status or a note on the work queue
)
_MAX_OBJECT = 500  # an object names a thing; a longer text is cut, never stored whole


@dataclass(frozen=True)
class Actor:
    user: str
    role: str | None  # None: no sign-in configured (AUTH_MODE none)
    via: str  # dashboard | cli


_ACTOR: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("cleartobill_actor", default=None)


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def current_actor() -> Actor:
    """Who is acting in this context: what the edge set, else the OS user of a process that set nothing."""
    return _ACTOR.get() or Actor(os_user(), None, "cli")


def set_actor(user: str, role: str | None, via: str) -> contextvars.Token:
    """Make `user` the actor of this context (a script run sets it at its start, every run)."""
    return _ACTOR.set(Actor(str(user), role, via))


@contextlib.contextmanager
def acting_as(user: str, role: str | None, via: str) -> Iterator[Actor]:
    token = set_actor(user, role, via)
    try:
        yield _ACTOR.get()
    finally:
        _ACTOR.reset(token)


def record(
    con: duckdb.DuckDBPyConnection,
    action: str,
    object: str | None = None,  # noqa: A002 - the column's name
    *,
    rows: int | None = None,
    sha256: str | None = None,
    actor: Actor | None = None,
    when: dt.datetime | None = None,
) -> int:
    """Append one event; returns its id. Inside the caller's transaction when it has one (an upload
    that rolls back leaves no event of a load that did not happen)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")  # a programming error, not user input
    who = actor or current_actor()
    text = None if object is None else str(object)[:_MAX_OBJECT]
    event_id = con.execute("SELECT nextval('audit_event_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO audit_event (event_id, occurred_at, user_name, role, action, object, row_count, file_sha256, via) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            event_id,
            when or dt.datetime.now(),
            who.user,
            who.role,
            action,
            text,
            None if rows is None else int(rows),
            sha256,
            who.via,
        ],
    )
    return int(event_id)


def events(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    user: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The trail, newest first, optionally filtered (dates inclusive)."""
    where, params = [], []
    if since is not None:
        where.append("occurred_at >= ?")
        params.append(dt.datetime.combine(since, dt.time()))
    if until is not None:
        where.append("occurred_at < ?")
        params.append(dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    if user:
        where.append("user_name = ?")
        params.append(user)
    if action:
        where.append("action = ?")
        params.append(action)
    sql = (
        'SELECT event_id, occurred_at AS "when", user_name AS user, role, action, object, row_count, file_sha256, via '
        "FROM audit_event" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY event_id DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return con.execute(sql, params).df()


def export_bytes(con: duckdb.DuckDBPyConnection, **filters) -> bytes:
    """The trail as CSV through the one export writer (text cells neutralised, SPEC 7)."""
    from audits.reports import table_bytes

    return table_bytes(events(con, **filters))
