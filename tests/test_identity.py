"""Identity (issue 14): AUTH_MODE none (the default: local use, said in the sidebar), password (the users
file, bcrypt hashes, `python -m audits users ...`, the sign-in form, failed sign-ins recorded) and oidc
(st.login; the users file maps e-mail to role); sessions end after the idle time in every mode."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import build_small_practice

from audits import users
from audits.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    path = tmp_path / "conf" / "users.json"
    monkeypatch.setenv("CLEARTOBILL_USERS_FILE", str(path))
    monkeypatch.setattr(users, "ROUNDS", 4)  # the cost factor of the tests only
    return path


@pytest.fixture
def practice(tmp_path, monkeypatch, users_file):
    db = build_small_practice(tmp_path / "small.duckdb")
    monkeypatch.setenv("CLEARTOBILL_DB", str(db))
    return db


def events(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT user_name, role, action, object FROM audit_event ORDER BY event_id"
        ).fetchall()


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)


def test_users_file_holds_salted_slow_hashes_owner_only(users_file):
    users.add("dana", "manager", "a long passphrase")
    users.add("eve", "manager", "a long passphrase")
    users.add("oz@example.org", "coder")  # oidc: no password
    data = json.loads(users_file.read_text())
    hashes = {u["name"]: u["password_hash"] for u in data["users"]}
    assert hashes["oz@example.org"] is None
    assert hashes["dana"].startswith("$2b$") and hashes["dana"] != hashes["eve"]  # salted
    assert "a long passphrase" not in users_file.read_text()
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(users_file.parent.stat().st_mode) == 0o700
    assert users.verify("dana", "a long passphrase").role == "manager"
    assert users.verify("DANA", "a long passphrase").name == "dana"
    assert users.verify("dana", "a long passphrasE") is None and users.verify("nobody", "x") is None
    assert users.verify("oz@example.org", "") is None
    with pytest.raises(InputError, match="too short"):
        users.add("fay", "coder", "short")
    with pytest.raises(InputError, match="no role"):
        users.add("fay", "superuser", "a long passphrase")
    with pytest.raises(InputError, match="already a user"):
        users.add("Dana", "coder", "a long passphrase")
    users.reset("dana", "another long one")
    assert users.verify("dana", "a long passphrase") is None and users.verify("dana", "another long one")
    users.remove("eve")
    assert users.find("eve") is None


def _cli(args, env, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "audits", *args],
        capture_output=True, text=True, env={**os.environ, **env}, input=stdin, cwd=ROOT,
    )  # fmt: skip


def test_users_command_add_list_reset_remove(tmp_path, users_file):
    env = {"AUTH_MODE": "password"}
    db = tmp_path / "cli.duckdb"
    # no admin yet: whoever holds the users file makes the first one
    made = _cli(
        ["users", "add", "root", "--role", "admin", "--password-stdin", "--db", str(db)],
        env,
        "first admin pass\n",
    )
    assert made.returncode == 0, made.stderr
    assert users.verify("root", "first admin pass").role == "admin"
    # now only an admin may manage users
    refused = _cli(["users", "add", "x", "--role", "coder", "--oidc", "--db", str(db)], env)
    assert refused.returncode == 1 and "is not mapped" in refused.stderr
    as_admin = {**env, "CLEARTOBILL_PASSWORD": "first admin pass"}
    added = _cli(["users", "add", "ann", "--role", "analyst", "--password-stdin", "--as", "root", "--db", str(db)],
                 as_admin, "analyst passphrase\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = _cli(["users", "list", "--as", "root", "--db", str(db)], as_admin)
    assert listed.stdout.splitlines() == ["ann\tanalyst\tpassword\t", "root\tadmin\tpassword\t"]
    ann_env = {**env, "CLEARTOBILL_PASSWORD": "analyst passphrase"}
    not_admin = _cli(["users", "remove", "root", "--as", "ann", "--db", str(db)], ann_env)
    assert not_admin.returncode == 1 and "not open to the analyst role" in not_admin.stderr
    reset = _cli(
        ["users", "reset", "ann", "--password-stdin", "--as", "root", "--db", str(db)],
        as_admin,
        "new analyst pass\n",
    )
    assert reset.returncode == 0 and users.verify("ann", "new analyst pass")
    short = _cli(
        ["users", "reset", "ann", "--password-stdin", "--as", "root", "--db", str(db)], as_admin, "short\n"
    )
    assert short.returncode == 1 and short.stderr.startswith("Error: The password is too short")
    gone = _cli(["users", "remove", "ann", "--as", "root", "--db", str(db)], as_admin)
    assert gone.returncode == 0 and users.find("ann") is None
    actions = [(e[0], e[2]) for e in events(db)]
    assert ("root", "user added") in actions and ("root", "password reset") in actions
    assert ("root", "user removed") in actions and ("ann", "access denied") in actions


def test_auth_mode_none_is_the_default_and_says_local_use_only(practice, monkeypatch):
    monkeypatch.delenv("AUTH_MODE", raising=False)
    at = app().run()
    assert not at.exception
    assert any("No sign-in: local use only" in c.value for c in at.sidebar.caption)
    assert at.title[0].value.startswith("Monthly audit")
    monkeypatch.setenv("AUTH_MODE", "kerberos")
    at = app().run()
    assert [e.value for e in at.error] == ["AUTH_MODE is 'kerberos' - set it to one of none, password, oidc."]


def test_password_sign_in_records_failures_and_success(practice, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "password")
    users.add("dana", "manager", "a long passphrase")
    at = app().run()
    assert not at.exception and not at.dataframe  # nothing from the database before sign-in
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    at.text_input(key="sign_in_name").input("dana")
    at.text_input(key="sign_in_password").input("not the passphrase")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["The user name or password is not right."]
    at.text_input(key="sign_in_name").input("mallory")
    at.text_input(key="sign_in_password").input("a long passphrase")
    at.button[0].click().run()
    at.text_input(key="sign_in_name").input("dana")
    at.text_input(key="sign_in_password").input("a long passphrase")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value.startswith("Monthly audit")
    assert any("Signed in as **dana** (manager)" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="sign_out").click().run()
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert events(practice) == [
        ("not signed in", None, "failed login", "dana"),
        ("not signed in", None, "failed login", "unknown user name"),  # a typed password is never kept
        ("dana", "manager", "login", "password"),
        ("dana", "manager", "logout", "signed out"),
    ]


def test_repeated_failures_lock_the_name(practice, monkeypatch):
    from app_pages import _identity

    monkeypatch.setenv("AUTH_MODE", "password")
    users.add("dana", "manager", "a long passphrase")
    now = time.time()
    monkeypatch.setitem(_identity._failures, "dana", [now - 10] * _identity.MAX_FAILURES)
    at = app().run()
    at.text_input(key="sign_in_name").input("dana")
    at.text_input(key="sign_in_password").input("a long passphrase")  # right, but locked
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "Too many failed sign-ins for this name - wait five minutes and try again."
    ]
    assert "_identity_user" not in at.session_state


@pytest.mark.parametrize("mode", ["none", "password"])
def test_an_idle_session_ends(practice, monkeypatch, tmp_path, mode):
    monkeypatch.setenv("AUTH_MODE", mode)
    monkeypatch.setenv("CLEARTOBILL_IDLE_MINUTES", "15")
    users.save({"dana": users.User("dana", "manager")})
    staged = tmp_path / "staged-upload"
    staged.mkdir()
    (staged / "claims.csv").write_text("Patient,DOB\nJo Roe,1960-01-01\n")
    at = app()
    at.session_state["_identity_user"], at.session_state["_identity_role"] = "dana", "manager"
    at.run()
    assert at.title[0].value.startswith("Monthly audit")
    at.session_state["upload_dir"] = str(staged)
    at.session_state["_identity_last_seen"] = time.time() - 14 * 60
    at.run()
    assert staged.exists() and at.session_state["upload_dir"] == str(staged)  # 14 minutes: still on
    at.session_state["_identity_last_seen"] = time.time() - 16 * 60
    at.run()
    assert not staged.exists()  # the session's staged upload went with it
    assert "upload_dir" not in at.session_state
    if mode == "password":
        assert [t.label for t in at.text_input] == ["User name", "Password"]
        assert any("Your session ended (idle for more than 15 minutes)" in i.value for i in at.info)
        assert ("dana", "manager", "logout", "idle for more than 15 minutes") in events(practice)
    else:
        assert at.title[0].value.startswith("Monthly audit")  # a new session: no sign-in to ask for


def test_idle_minutes_are_configurable(monkeypatch):
    monkeypatch.delenv("CLEARTOBILL_IDLE_MINUTES", raising=False)
    assert users.idle_minutes() == 15
    monkeypatch.setenv("CLEARTOBILL_IDLE_MINUTES", "5")
    assert users.idle_minutes() == 5
    monkeypatch.setenv("CLEARTOBILL_IDLE_MINUTES", "soon")
    with pytest.raises(InputError):
        users.idle_minutes()


def test_oidc_maps_the_email_to_a_role(practice, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "oidc")
    users.add("lee@example.org", "leadership")
    out = app()
    out.user = {"is_logged_in": False}
    out.run()
    assert not out.exception
    assert [b.label for b in out.button] == ["Sign in with your organisation's account"]
    assert not out.dataframe
    lee = app()
    lee.user = {"is_logged_in": True, "email": "lee@example.org", "name": "Lee"}
    lee.run()
    assert not lee.exception
    assert lee.title[0].value == "Denial trends"
    assert any("Signed in as **lee@example.org** (leadership)" in c.value for c in lee.sidebar.caption)
    stranger = app()
    stranger.user = {"is_logged_in": True, "email": "who@elsewhere.example"}
    stranger.run()
    assert [e.value for e in stranger.error][0].startswith("who@elsewhere.example is signed in but has no")
    assert not stranger.dataframe
    trail = events(practice)
    assert ("lee@example.org", "leadership", "login", "oidc") in trail
    assert ("who@elsewhere.example", None, "access denied", "sign-in: no role in the users file") in trail
