"""Users & audit trail (admins): who may sign in and as what, and the audit trail of who did what."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages import _identity as identity
from audits import access, audit_log, users
from audits.errors import ClearToBillError

who = identity.require_page("admin")
st.title("Users & audit trail")

st.subheader("Users")
try:
    people = users.load()
except ClearToBillError as exc:
    st.error(fmt.plain(exc))
    st.stop()
mode = users.auth_mode()
st.caption(
    f"Sign-in mode (AUTH_MODE): {mode}. Users file: {users.users_file()}. "
    + ("Passwords sign in with AUTH_MODE password; oidc users need no password." if mode != "oidc" else "")
)
if people:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "user": u.name,
                    "role": u.role,
                    "password": "set" if u.password_hash else "none (oidc)",
                    "OS account (CLI)": u.os_user or "",
                }  # fmt: skip
                for u in sorted(people.values(), key=lambda u: u.name)
            ]
        ),
        hide_index=True,
    )
else:
    st.info("No users yet: add the first admin below, or with `python -m audits users add`.")

add_tab, reset_tab, remove_tab = st.tabs(["Add a user", "Reset a password", "Remove a user"])
with add_tab, st.form("user_add", clear_on_submit=True):
    name = st.text_input("User name (an e-mail address for oidc sign-in)", key="user_add_name")
    role = st.selectbox("Role", access.ROLES, key="user_add_role")
    password = st.text_input(
        "Password (leave empty for an oidc-only user)", type="password", key="user_add_pw"
    )
    if st.form_submit_button("Add the user"):
        try:
            added = users.add(name, role, password or None)
        except ClearToBillError as exc:
            st.error(fmt.plain(exc))
        else:
            with _db.write() as con:
                audit_log.record(con, "user added", f"{added.name} ({added.role})")
            st.success(f"{added.name} can now sign in as {added.role}.")
with reset_tab, st.form("user_reset", clear_on_submit=True):
    name = st.selectbox("User", sorted(u.name for u in people.values()), key="user_reset_name")
    password = st.text_input("New password", type="password", key="user_reset_pw")
    if st.form_submit_button("Reset the password") and name:
        try:
            users.reset(name, password)
        except ClearToBillError as exc:
            st.error(fmt.plain(exc))
        else:
            with _db.write() as con:
                audit_log.record(con, "password reset", name)
            st.success(f"The password of {name} is reset.")
with remove_tab, st.form("user_remove"):
    name = st.selectbox("User", sorted(u.name for u in people.values()), key="user_remove_name")
    if st.form_submit_button("Remove the user") and name:
        if name == who.user:
            st.error("You cannot remove yourself - ask another admin.")
        else:
            try:
                users.remove(name)
            except ClearToBillError as exc:
                st.error(fmt.plain(exc))
            else:
                with _db.write() as con:
                    audit_log.record(con, "user removed", name)
                st.success(f"{name} can no longer sign in.")

st.subheader("Audit trail")
today = dt.date.today()
c1, c2, c3 = st.columns(3)
since = c1.date_input("From", today - dt.timedelta(days=30), key="trail_since")
until = c2.date_input("To", today, key="trail_until")
action = c3.selectbox("Action", ["(all)", *audit_log.ACTIONS], key="trail_action")
filters = {"since": since, "until": until, "action": None if action == "(all)" else action}
with _db.read() as data:
    trail = audit_log.events(data.con, **filters)
st.caption(f"{len(trail):,} events, newest first.")
st.dataframe(trail, hide_index=True, height=400)
database = _db.database_file()


def _trail_csv() -> bytes:
    from audits.store import connect

    with connect(database, read_only=True) as con:
        return audit_log.export_bytes(con, **filters)


if identity.can_download("audit trail"):
    st.download_button(
        "Download the audit trail (CSV)",
        identity.export("audit trail", _trail_csv, f"{since} to {until}", rows=len(trail)),
        file_name=f"audit-trail-{since}-{until}.csv",
        mime="text/csv",
        on_click="ignore",
        key="trail_download",
    )
