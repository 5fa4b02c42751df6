"""Who is using the dashboard (issue 14): sign-in, the idle timeout, and the role checks pages call.

dashboard.py calls `ensure()` first on every script run: it ends an idle session, shows the sign-in
form (AUTH_MODE password) or the identity provider's button (oidc) and stops until someone is signed
in, sets the actor of the audit trail for this run and draws who is signed in in the sidebar. Pages
then ask, all answered by audits/access.py:

    identity.require_page("upload")              # top of a page: refuses (and records it) when not allowed
    if identity.can("run audit"): st.button(...)  # show an action only to the roles that may take it
    identity.require("run audit")                # before acting: refuses and stops when not allowed
    if identity.can_download("findings"):
        st.download_button(..., identity.export("findings", data, "findings-2026-10.csv"))
    identity.viewed("finding 123")               # a finding's claim line was opened

With AUTH_MODE none everything is allowed and the sidebar says "No sign-in: local use only".
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from audits import access, audit_log, users
from audits.errors import ClearToBillError

USER_KEY = "_identity_user"
ROLE_KEY = "_identity_role"
SEEN_KEY = "_identity_last_seen"
VIEWED_KEY = "_identity_viewed"
ENDED_KEY = "_identity_ended"
NONE_NOTE = "No sign-in: local use only"
MAX_FAILURES = 5  # failed sign-ins of one name within FAILURE_WINDOW_S lock that name for LOCK_S
FAILURE_WINDOW_S = 15 * 60
LOCK_S = 5 * 60
_failures: dict[str, list[float]] = {}  # name -> times of recent failures, shared by the sessions
_failures_lock = threading.Lock()


@dataclass(frozen=True)
class Identity:
    user: str
    role: str | None
    mode: str

    @property
    def restricted(self) -> bool:
        return self.mode != "none"

    def can(self, kind: str, name: str) -> bool:
        return access.can(self.role, kind, name, restricted=self.restricted)


PENDING_KEY = "_identity_pending"


def _record(action: str, object_: str | None = None, *, who: Identity | None = None, rows=None) -> None:
    """Append an event now; when the database cannot take a write this moment (busy, or this script run
    holds a read-only connection to it), keep it in the session and write it at the next flush()."""
    import datetime as dt

    actor = audit_log.Actor(who.user, who.role, "dashboard") if who else audit_log.current_actor()
    event = (action, object_, rows, actor, dt.datetime.now())
    try:
        _write([event])
    except ClearToBillError:
        st.session_state.setdefault(PENDING_KEY, []).append(event)


def _write(pending: list) -> None:
    from app_pages import _db
    from audits.store import connect

    with connect(_db.database_file(), timeout_s=2) as con:
        for action, object_, rows, actor, when in pending:
            audit_log.record(con, action, object_, rows=rows, actor=actor, when=when)


def flush() -> None:
    """Write the events kept back (see _record): at the start of each run and after the page ran."""
    pending = st.session_state.get(PENDING_KEY)
    if not pending:
        return
    try:
        _write(pending)
    except ClearToBillError:
        return  # still busy: the next run tries again
    st.session_state[PENDING_KEY] = []


UPLOAD_PREFIX = "cleartobill-upload-"  # the upload page's staging folders (tempfile.mkdtemp prefix)
_swept = [0.0]  # when this process last swept (once a minute at most)


def sweep_stale_uploads(max_age_s: float, now: float | None = None) -> int:
    """Delete staging folders no session has touched for `max_age_s` (a closed tab, a server that
    stopped): at start-up and then once a minute. Live sessions touch theirs every run."""
    now = time.time() if now is None else now
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(UPLOAD_PREFIX + "*"):
        try:
            info = folder.stat()
        except OSError:
            continue
        if info.st_uid == os.getuid() and now - info.st_mtime > max_age_s:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _keep_uploads_alive(now: float, idle_s: float) -> None:
    folder = st.session_state.get("upload_dir")
    if folder:
        try:
            os.utime(folder, (now, now))
        except OSError:
            pass
    if now - _swept[0] > 60:
        _swept[0] = now
        sweep_stale_uploads(idle_s + 60, now)


def _discard_session_files() -> None:
    """Uploads staged in this session and never loaded: deleted when the session ends (SPEC 7)."""
    folder = st.session_state.get("upload_dir")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def _end_session(who: Identity | None, why: str) -> None:
    _discard_session_files()
    flush()
    pending = st.session_state.get(PENDING_KEY) or []
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if pending:
        st.session_state[PENDING_KEY] = pending
    if who is not None and who.restricted:
        _record("logout", why, who=who)
    st.session_state[ENDED_KEY] = why


def _signed_in(mode: str) -> Identity | None:
    if mode == "password":
        name = st.session_state.get(USER_KEY)
        if not name:
            return None
        user = users.find(name)
        if user is None or user.role != st.session_state.get(ROLE_KEY):  # removed or changed since sign-in
            st.session_state.pop(USER_KEY, None)
            return None
        return Identity(user.name, user.role, mode)
    if not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "")
    user = users.find(email)
    if user is None:
        return Identity(email or "unknown", None, mode)  # signed in at the provider, unknown here
    if st.session_state.get(USER_KEY) != user.name:
        st.session_state[USER_KEY], st.session_state[ROLE_KEY] = user.name, user.role
        _record("login", "oidc", who=Identity(user.name, user.role, mode))
    return Identity(user.name, user.role, mode)


def _locked(name: str, now: float) -> bool:
    with _failures_lock:
        recent = [t for t in _failures.get(name, []) if now - t < FAILURE_WINDOW_S]
        _failures[name] = recent
        return len(recent) >= MAX_FAILURES and now - recent[-1] < LOCK_S


def _failed(name: str, now: float) -> None:
    with _failures_lock:
        _failures.setdefault(name, []).append(now)


def _password_form() -> None:
    st.title("ClearToBill")
    with st.form("sign_in"):
        name = st.text_input("User name", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    now = time.time()
    key = (name or "").strip().lower()
    if _locked(key, now):
        st.error("Too many failed sign-ins for this name - wait five minutes and try again.")
        _record("failed login", f"{name.strip()[:100]} (locked)" if users.find(name) else "unknown user name")
        return
    user = users.verify(name, password)
    if user is None:
        _failed(key, now)
        known = users.find(name)
        _record("failed login", known.name if known else "unknown user name")
        st.error("The user name or password is not right.")
        return
    st.session_state[USER_KEY], st.session_state[ROLE_KEY] = user.name, user.role
    st.session_state.pop("sign_in_password", None)
    _record("login", "password", who=Identity(user.name, user.role, "password"))
    st.rerun()


def ensure() -> Identity:
    """Once per script run, before anything is drawn from the database (module doc)."""
    try:
        mode = users.auth_mode()
        idle_s = users.idle_minutes() * 60
    except ClearToBillError as exc:
        st.error(str(exc))
        st.stop()
    flush()
    now = time.time()
    last = st.session_state.get(SEEN_KEY)
    if last is not None and now - last > idle_s:
        who = _signed_in(mode) if mode != "none" else None
        _end_session(who, f"idle for more than {idle_s / 60:g} minutes")
        if mode == "oidc" and st.user.is_logged_in:
            st.logout()  # Streamlit does not expire the identity cookie by itself
    st.session_state[SEEN_KEY] = now
    _keep_uploads_alive(now, idle_s)
    ended = st.session_state.get(ENDED_KEY)
    if mode == "none":
        if not loopback(st.get_option("server.address")):
            st.error(
                "This dashboard has no sign-in (AUTH_MODE none) and must listen on this computer only - "
                "start it with `make run`, or set AUTH_MODE to password or oidc (README)."
            )
            st.stop()
        who = Identity(audit_log.os_user(), None, mode)
    else:
        who = _signed_in(mode)
        if who is None:
            audit_log.set_actor("not signed in", None, "dashboard")
            if ended:
                st.info(f"Your session ended ({ended}); sign in again.")
            if mode == "password":
                _password_form()
            else:
                st.title("ClearToBill")
                st.button("Sign in with your organisation's account", on_click=st.login, type="primary")
            st.stop()
        if who.role is None:
            audit_log.set_actor(who.user, None, "dashboard")
            _record_once("access denied", "sign-in: no role in the users file", who)
            st.error(
                f"{who.user} is signed in but has no ClearToBill role - ask an admin to add them to the users file."
            )
            st.button("Sign out", on_click=st.logout)
            st.stop()
    st.session_state.pop(ENDED_KEY, None)
    audit_log.set_actor(who.user, who.role, "dashboard")
    return who


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def loopback(address: object) -> bool:
    """Does a server.address serve this computer only? Unset is not local: Streamlit then listens on every
    interface (a `streamlit run` started outside the repository, which does not read the shipped
    .streamlit/config.toml with its 127.0.0.1)."""
    return address not in (None, "") and str(address).strip().strip("[]").lower() in LOOPBACK


def _record_once(action: str, object_: str, who: Identity) -> None:
    """An event that a rerun would repeat (a refused page, an opened finding): recorded once per change."""
    marker = (action, object_, who.user)
    if st.session_state.get(VIEWED_KEY) == marker:
        return
    st.session_state[VIEWED_KEY] = marker
    _record(action, object_, who=who)


def current() -> Identity:
    """The identity of this run (ensure() again is cheap: the idle clock was just reset)."""
    return ensure()


def sidebar(who: Identity) -> None:
    """Who is signed in, and the sign-out button; or the local-use note."""
    with st.sidebar:
        if not who.restricted:
            st.caption(f"{NONE_NOTE} (the dashboard listens on this computer only).")
            return
        st.caption(f"Signed in as **{who.user}** ({who.role})")
        if st.button("Sign out", key="sign_out"):
            _end_session(who, "signed out")
            if who.mode == "oidc":
                st.logout()
            st.rerun()


def require_page(page: str) -> Identity:
    """Top of a page: stop with one sentence (recorded as access denied) unless the role may see it."""
    who = current()
    if not who.can("page", page):
        _record_once("access denied", f"page {page}", who)
        st.error(access.refusal("page", page, who.role))
        st.stop()
    return who


def can(action: str) -> bool:
    return current().can("action", action)


def require(action: str) -> None:
    """Before acting: stop with one sentence (recorded) unless the role may take the action."""
    who = current()
    if not who.can("action", action):
        _record("access denied", f"action {action}", who=who)
        st.error(access.refusal("action", action, who.role))
        st.stop()


def can_download(what: str) -> bool:
    return current().can("download", what)


def export(what: str, data: bytes | Callable[[], bytes], object_: str, rows: int | None = None):
    """The data of a download button, recorded as an export when the file is made (a callable is only
    called when the user clicks). Refuses a role without the download."""
    who = current()
    if not who.can("download", what):
        _record("access denied", f"download {what}", who=who)
        raise PermissionError(access.refusal("download", what, who.role))

    def build() -> bytes:
        content = data() if callable(data) else data
        _record("export", f"{what}: {object_}", who=who, rows=rows)
        return content

    return build


def viewed(object_: str) -> None:
    """A finding's detail (claim line, remittances) was opened: recorded once per finding per session
    (kept back while the page reads, written by the flush after the page ran)."""
    who = current()
    marker = ("finding detail viewed", object_, who.user)
    if st.session_state.get(VIEWED_KEY) == marker:
        return
    st.session_state[VIEWED_KEY] = marker
    event = ("finding detail viewed", object_, None, audit_log.Actor(who.user, who.role, "dashboard"))
    import datetime as dt

    st.session_state.setdefault(PENDING_KEY, []).append((*event, dt.datetime.now()))
