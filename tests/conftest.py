"""Shared fixtures: small fresh databases (a real DuckDB file per test)."""

from __future__ import annotations

import pytest
from audit_rows import build_template  # tests/ is on sys.path (rootdir conftest)

from audits.store import connect


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """Every test gets its own HMAC key file and no inherited database path."""
    key_dir = tmp_path_factory.mktemp("key")
    monkeypatch.setenv("CLEARTOBILL_KEY_FILE", str(key_dir / "hmac.key"))
    monkeypatch.delenv("CLEARTOBILL_DB", raising=False)
    monkeypatch.delenv("CLEARTOBILL_HMAC_KEY", raising=False)


@pytest.fixture
def db_path(tmp_path):
    """Path of a fresh, migrated database file."""
    path = tmp_path / "test.duckdb"
    with connect(path):
        pass
    return path


@pytest.fixture
def con(db_path):
    """An open read-write connection to a fresh database, closed after the test."""
    with connect(db_path) as connection:
        yield connection


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """A migrated database with the reference code sets, copied by the rule tests (audit_rows.open_copy)."""
    return build_template(tmp_path_factory.mktemp("template") / "template.duckdb")
