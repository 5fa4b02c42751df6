"""Roles (issue 14): audits/access.py is the one table of who sees which page, takes which action and
makes which download; the dashboard enforces it in the navigation, on a page opened by its address, on
buttons and downloads, and the CLI for each command. Every role, every page, under AppTest."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import build_small_practice

from audits import access, users
from audits.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = sorted(p.stem for p in (ROOT / "app_pages").glob("[!_]*.py"))
PEOPLE = {role: f"{role[:3]}_user" for role in access.ROLES}
EXPECTED_PAGES = {  # written from the issue, not read from access.py
    "analyst": {"audit", "upload", "provider", "trends"},
    "manager": {"audit", "provider", "clearance", "trends"},
    "coder": {"provider", "clearance"},
    "leadership": {"trends"},
    "admin": {"admin"},
}
EXPECTED_ACTIONS = {  # issue 14's roles, written out by hand
    "analyst": {
        "upload",
        "map",
        "confirm alias",
        "restore snapshot",
        "run audit",
        "undo",
        "retro billing",
        "screening",
    },
    "manager": {"finding detail", "assign", "review", "retro billing", "screening"},
    "coder": {"pre-check", "gate"},
    "leadership": set(),
    "admin": {"manage users", "view audit trail", "demo"},
}
EXPECTED_DOWNLOADS = {
    "analyst": {"rejected rows", "screening"},
    "manager": {"findings", "screening", "data"},
    "coder": {"pre-check results", "hold report", "claim batch"},
    "leadership": set(),  # aggregates only: nothing with a claim line or a patient in it
    "admin": {"audit trail"},
}
# claim-line or patient-level columns: never on a leadership page or download
LINE_LEVEL = re.compile(  # a column of one claim, line, patient or finding (a count of lines is fine)
    r"\b(claim|claim[ _](id|no|#)|line|line[ _](no|#)|patient\w*|member\w*|dob|birth\w*|date[ _]of[ _]service"
    r"|dos|finding|finding[ _]id)\b"
)


@pytest.fixture
def practice(tmp_path, monkeypatch):
    db = build_small_practice(tmp_path / "small.duckdb")
    monkeypatch.setenv("CLEARTOBILL_DB", str(db))
    monkeypatch.setenv("CLEARTOBILL_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("AUTH_MODE", "password")
    users.save({name: users.User(name, role) for role, name in PEOPLE.items()})
    return db


def signed_in(script: str, role: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=90)
    at.session_state["_identity_user"] = PEOPLE[role]
    at.session_state["_identity_role"] = role
    return at


def events(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT user_name, role, action, object FROM audit_event ORDER BY event_id"
        ).fetchall()


def test_the_tables_cover_every_page_command_and_role():
    assert set(access.PAGES) == set(PAGE_FILES)
    assert set(COMMANDS) <= set(access.COMMANDS)
    for role in access.ROLES:
        assert access.allowed(role, "page"), role
        assert set(access.allowed(role, "page")) == EXPECTED_PAGES[role]
    assert not access.can(None, "page", "audit") and not access.can("manager", "page", "no such page")
    assert access.can(None, "action", "upload", restricted=False)  # AUTH_MODE none: open
    assert access.allowed("leadership", "download") == []
    assert access.allowed("admin", "download") == ["audit trail"]


@pytest.mark.parametrize("role", access.ROLES)
def test_each_role_takes_exactly_its_actions_and_downloads(role):
    assert set(access.allowed(role, "action")) == EXPECTED_ACTIONS[role]
    assert set(access.allowed(role, "download")) == EXPECTED_DOWNLOADS[role]


@pytest.mark.parametrize("role", access.ROLES)
def test_navigation_shows_only_the_pages_of_the_role(practice, role):
    at = signed_in("dashboard.py", role)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = set()
    for page in PAGE_FILES:
        try:
            at.switch_page(f"app_pages/{page}.py")
        except ValueError:  # not registered in st.navigation for this role
            continue
        shown.add(page)
    assert shown == EXPECTED_PAGES[role]
    assert any(f"Signed in as **{PEOPLE[role]}** ({role})" in c.value for c in at.sidebar.caption)


def on_page(role: str, page: str, month: str | None = "2026-10") -> AppTest:
    """The dashboard as `role` sees it, on `page` (through the navigation, as a click gets there)."""
    at = signed_in("dashboard.py", role)
    if month:
        at.session_state["month"] = month
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    return at.run()


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("role", access.ROLES)
def test_a_page_opened_by_its_address_refuses_other_roles(practice, role, page):
    if page in EXPECTED_PAGES[role]:
        at = on_page(role, page)
        assert not at.exception, [e.value for e in at.exception]
        assert not [e.value for e in at.error if "is not open to" in e.value]
        return
    at = signed_in(f"app_pages/{page}.py", role)  # the page's script run without its navigation entry
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [access.refusal("page", page, role)]
    assert not at.dataframe
    assert (PEOPLE[role], role, "access denied", f"page {page}") in events(practice)


def test_audit_page_actions_and_downloads_by_role(practice):
    analyst = on_page("analyst", "audit")
    assert any(b.label.startswith("Run the audit") for b in analyst.button)
    assert analyst.get("download_button") == []  # exports are the manager's
    analyst.selectbox(key="finding_pick").set_value("f-term").run()
    assert any("is for practice managers" in i.value for i in analyst.info)
    assert not any(w.value.startswith("What to do:") for w in analyst.warning)

    manager = on_page("manager", "audit")
    assert not any(b.label.startswith("Run the audit") for b in manager.button)
    assert [d.proto.label for d in manager.get("download_button")] == [
        "Download findings (CSV)", "Download the audit workbook (Excel)",
    ]  # fmt: skip
    manager.selectbox(key="finding_pick").set_value("f-term").run()
    assert any(w.value.startswith("What to do:") for w in manager.warning)
    manager.run()  # a rerun does not record the same view twice
    viewed = [e for e in events(practice) if e[2] == "finding detail viewed"]
    assert viewed == [(PEOPLE["manager"], "manager", "finding detail viewed", "finding f-term (2026-10)")]


def test_clearance_actions_by_role(practice):
    csv = b"Claim #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS\nP1,1234567893,Aetna,10/05/2026,99213\n"
    everything = ["Enrollment matrix", "Who can bill", "Pre-check a line", "Pre-check a file", "Gate a batch"]
    coder = on_page("coder", "clearance")
    assert [t.label for t in coder.tabs] == everything
    coder.file_uploader(key="batch_file").set_value(("to-check.csv", csv, "text/csv")).run()
    coder.button(key="batch_run").click().run()
    assert not coder.exception
    assert "Download the annotated file" in [d.proto.label for d in coder.get("download_button")]

    manager = on_page("manager", "clearance")  # the matrix and who can bill; the pre-check is the coders'
    assert not manager.exception, [e.value for e in manager.exception]
    assert [t.label for t in manager.tabs] == ["Enrollment matrix", "Who can bill"]
    assert not [u for u in manager.get("file_uploader") if u.proto.id and "batch_file" in u.proto.id]
    assert not [b for b in manager.button if b.key in ("batch_run", "gate_run", "check_submit")]
    assert "check_submit" in [b.key for b in coder.button]  # (the check above can fail)

    linked = signed_in("dashboard.py", "manager")  # a finding's link to the pre-check opens the matrix
    linked.session_state["month"] = "2026-10"
    linked.query_params["npi"] = "1234567893"
    linked.run()
    linked.switch_page("app_pages/clearance.py")
    linked.run()
    assert not linked.exception, [e.value for e in linked.exception]
    assert [t.label for t in linked.tabs] == ["Enrollment matrix", "Who can bill"]


def test_leadership_sees_aggregates_only(practice):
    at = signed_in("dashboard.py", "leadership")
    at.session_state["month"] = "2026-10"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Denial trends"
    for frame in at.dataframe:
        columns = [str(c).lower() for c in frame.value.columns]
        assert not [c for c in columns if LINE_LEVEL.search(c)], columns
    assert at.get("download_button") == []
    assert not any(h.value.startswith("Retro-billing") for h in at.subheader)  # claim lines
    analyst = on_page("analyst", "trends")
    assert any(h.value.startswith("Retro-billing") for h in analyst.subheader)


def test_an_export_is_recorded_when_the_file_is_made_and_refused_without_the_role(practice):
    script = """
import streamlit as st
from app_pages import _identity as identity
build = identity.export("findings", lambda: b"a,b\\n", "findings-2026-10.csv", rows=1)
st.write(len(build()))
"""

    def run(role):
        at = AppTest.from_string(script, default_timeout=60)
        at.session_state["_identity_user"] = PEOPLE[role]
        at.session_state["_identity_role"] = role
        sys.path.insert(0, str(ROOT))
        return at.run()

    assert not run("manager").exception
    assert run("analyst").exception  # PermissionError: the page must not offer it
    trail = events(practice)
    assert (PEOPLE["manager"], "manager", "export", "findings: findings-2026-10.csv") in trail
    assert (PEOPLE["analyst"], "analyst", "access denied", "download findings") in trail


def _cli(args, db, env_extra, stdin=""):
    env = {**os.environ, "CLEARTOBILL_DB": str(db), **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "audits", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        cwd=ROOT,
    )


def test_cli_checks_the_role_of_as_user_or_the_os_account(practice, tmp_path, monkeypatch):
    monkeypatch.setattr(users, "ROUNDS", 4)
    people = users.load()
    people["lea"] = users.User("lea", "leadership", users.hash_password("leadership pass 1"))
    people["ann"] = users.User("ann", "analyst", users.hash_password("analyst pass 12"))
    users.save(people)
    env = {"AUTH_MODE": "password", "CLEARTOBILL_USERS_FILE": os.environ["CLEARTOBILL_USERS_FILE"]}
    unmapped = _cli(["run", "--month", "2026-10"], practice, env)
    assert unmapped.returncode == 1 and "is not mapped to a ClearToBill user" in unmapped.stderr
    wrong = _cli(
        ["run", "--month", "2026-10", "--as", "ann"], practice, {**env, "CLEARTOBILL_PASSWORD": "nope"}
    )
    assert wrong.returncode == 1 and "needs that user's password" in wrong.stderr
    denied = _cli(
        ["run", "--month", "2026-10", "--as", "lea"],
        practice,
        {**env, "CLEARTOBILL_PASSWORD": "leadership pass 1"},
    )
    assert denied.returncode == 1
    assert denied.stderr.strip() == "Error: " + access.refusal(
        "action", "run audit", "leadership", label="The command run"
    )
    ran = _cli(
        ["run", "--month", "2026-10", "--as", "ann"],
        practice,
        {**env, "CLEARTOBILL_PASSWORD": "analyst pass 12"},
    )
    assert ran.returncode == 0, ran.stderr
    trail = events(practice)
    assert ("ann", None, "failed login", "cli --as ann") in trail
    assert ("lea", "leadership", "access denied", "command run") in trail
    assert [e[:3] for e in trail if e[2] == "audit run"] == [("ann", "analyst", "audit run")]
    # AUTH_MODE none: the CLI is unrestricted (local use)
    free = _cli(
        ["findings", "--month", "2026-10", "--out", str(tmp_path / "f.csv")], practice, {"AUTH_MODE": "none"}
    )
    assert free.returncode == 0, free.stderr


def test_cli_maps_the_os_account(practice, monkeypatch):
    from audits import audit_log

    people = users.load()
    people["osa"] = users.User("osa", "coder", None, audit_log.os_user())
    users.save(people)
    env = {"AUTH_MODE": "password"}
    checked = _cli(
        ["check", "--npi", "1234567893", "--payer", "AET", "--code", "99213", "--dos", "2026-10-05"],
        practice,
        env,
    )
    assert checked.returncode == 0, checked.stderr
    refused = _cli(["run", "--month", "2026-10"], practice, env)
    assert refused.returncode == 1 and "not open to the coder role" in refused.stderr
