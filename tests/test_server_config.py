"""The server configuration shipped (issue 14): .streamlit/config.toml, and the address the dashboard
listens on by AUTH_MODE - 127.0.0.1 without sign-in, the chosen address with password or oidc."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from app_pages._identity import loopback

ROOT = Path(__file__).resolve().parent.parent


def test_config_toml_ships_the_safe_settings():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server, client = settings["server"], settings["client"]
    assert server["address"] == "127.0.0.1"
    assert server["maxUploadSize"] == 200
    assert server["enableXsrfProtection"] is True
    assert client["showErrorDetails"] == "none"  # (false means "stacktrace" in Streamlit 1.67)
    assert client["toolbarMode"] == "viewer"
    assert settings["browser"]["gatherUsageStats"] is False


def _make_run(*variables: str) -> str:
    done = subprocess.run(
        ["make", "-n", "run", *variables], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return " ".join(line for line in done.stdout.replace("\\\n", " ").splitlines() if "streamlit run" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_listens_on_loopback_unless_sign_in_is_on():
    assert "--server.address 127.0.0.1" in _make_run()
    assert 'AUTH_MODE="none"' in _make_run()
    assert "--server.address 127.0.0.1" in _make_run("AUTH_MODE=none", "ADDRESS=0.0.0.0")
    assert "--server.address 0.0.0.0" in _make_run("AUTH_MODE=password")
    assert "--server.address 10.1.2.3" in _make_run("AUTH_MODE=oidc", "ADDRESS=10.1.2.3")


def test_loopback_addresses():
    assert all(loopback(a) for a in ("127.0.0.1", "localhost", "LOCALHOST", "::1", "[::1]", " 127.0.0.1 "))
    # unset: Streamlit listens on every interface, so it is not local
    assert not any(loopback(a) for a in (None, "", "0.0.0.0", "::", "10.0.0.5", "cleartobill.example.org"))


@pytest.mark.parametrize("address", ["0.0.0.0", None])
def test_no_sign_in_on_an_open_address_is_refused(monkeypatch, db_path, address):
    monkeypatch.setenv("CLEARTOBILL_DB", str(db_path))
    monkeypatch.delenv("AUTH_MODE", raising=False)
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", address)
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    finally:
        st_config.set_option("server.address", before)
    assert [e.value for e in at.error][0].startswith("This dashboard has no sign-in (AUTH_MODE none)")
    assert not at.dataframe and not at.title
