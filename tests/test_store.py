"""The connection helper: migrations, one process at a time, a clear busy message."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from audits import store
from audits.errors import DatabaseBusy
from audits.store import connect, migrations, schema_version, transaction


def test_connect_creates_every_canonical_table(tmp_path):
    with connect(tmp_path / "new.duckdb") as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert schema_version(con) == migrations()[-1][0]
    for table in (
        "providers",
        "credentials",
        "payers",
        "enrollments",
        "service_scope",
        "claim_lines",
        "remit_lines",
        "remit_adjustments",
        "remit_remarks",
        "uploads",
        "rejected_rows",
        "audit_runs",
        "findings",
    ):
        assert table in tables


def test_migrations_apply_once(db_path):
    with connect(db_path) as con:
        assert con.execute("SELECT count(*) FROM schema_version").fetchall()[0][0] == len(store.migrations())
    with connect(db_path) as con:
        assert con.execute("SELECT count(*) FROM schema_version").fetchall()[0][0] == len(store.migrations())


def test_a_migration_numbered_below_an_applied_one_still_runs(tmp_path, monkeypatch):
    """Migrations land from parallel work in any order: 020 may arrive after 030 was applied."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_base.sql").write_text("CREATE TABLE a (x INTEGER);", encoding="utf-8")
    (folder / "030_later.sql").write_text("CREATE TABLE c (x INTEGER);", encoding="utf-8")
    monkeypatch.setattr(store, "MIGRATIONS_DIR", folder)
    path = tmp_path / "db.duckdb"
    with connect(path) as con:
        assert store.applied_versions(con) == {1, 30}
    (folder / "020_between.sql").write_text("CREATE TABLE b (x INTEGER);", encoding="utf-8")
    with connect(path, read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"a", "b", "c"} <= tables
        assert store.applied_versions(con) == {1, 20, 30}


def test_read_only_open_of_missing_file_creates_it(tmp_path):
    path = tmp_path / "fresh.duckdb"
    with connect(path, read_only=True) as con:
        assert schema_version(con) == migrations()[-1][0]


def test_transaction_rolls_back_on_error(con):
    with pytest.raises(RuntimeError):
        with transaction(con):
            con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
            raise RuntimeError("boom")
    assert con.execute("SELECT count(*) FROM payers").fetchall()[0][0] == 0


def test_busy_database_gives_one_sentence(db_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db_path)!r})
            print("held", flush=True)
            time.sleep(5)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseBusy) as caught:
            with connect(db_path, timeout_s=0.3):
                pass
        assert "database is busy" in str(caught.value)
        assert "\n" not in str(caught.value)
    finally:
        holder.kill()
        holder.wait()


def test_connection_is_released_after_the_block(db_path):
    with connect(db_path) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    # Another process can now open it: nothing is held between operations.
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import duckdb; print(duckdb.connect({str(db_path)!r}, read_only=True)"
            ".execute('select count(*) from payers').fetchall()[0][0])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "1"
