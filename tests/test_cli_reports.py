"""`python -m audits findings --month YYYY-MM --out F.csv|F.xlsx`."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from test_reports import FORMULA, add_names, add_run

from audits.cli import main
from audits.reports import FINDING_COLUMNS
from audits.store import connect


@pytest.fixture
def audited_db(db_path):
    """A database with an October 2026 run holding three hand-written findings (closed again)."""
    with connect(db_path) as con:
        add_names(con)
        add_run(con)
    return db_path


def test_findings_csv_written_and_reported(audited_db, tmp_path, capsys):
    out = tmp_path / "october.csv"
    assert main(["findings", "--db", str(audited_db), "--month", "2026-10", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 3 findings for 2026-10 to {out}."
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == FINDING_COLUMNS
    assert "'" + FORMULA in [r[-1] for r in rows]


def test_findings_uses_the_environment_database(audited_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLEARTOBILL_DB", str(audited_db))
    out = tmp_path / "env.csv"
    assert main(["findings", "--month", "2026-10", "--out", str(out)]) == 0
    assert out.exists()


def test_findings_workbook(audited_db, tmp_path, capsys):
    out = tmp_path / "october.xlsx"
    assert main(["findings", "--db", str(audited_db), "--month", "2026-10", "--out", str(out)]) == 0
    assert "audit workbook (3 findings)" in capsys.readouterr().out
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("month", "out_name", "message"),
    [
        (
            "2026-08",
            "f.csv",
            "2026-08 has not been audited yet - run `python -m audits run --month 2026-08` first",
        ),
        ("2026-13", "f.csv", "is not a month"),
        ("2026-10", "f.pdf", "must end in .csv or .xlsx"),
    ],
)
def test_bad_requests_are_one_sentence_and_exit_1(audited_db, tmp_path, capsys, month, out_name, message):
    out = tmp_path / out_name
    assert main(["findings", "--db", str(audited_db), "--month", month, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_database_is_reported_not_created(tmp_path, capsys):
    missing = tmp_path / "missing.duckdb"
    assert (
        main(["findings", "--db", str(missing), "--month", "2026-10", "--out", str(tmp_path / "f.csv")]) == 1
    )
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()


def test_no_traceback_from_a_real_process(audited_db, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "audits", "findings", "--db", str(audited_db), "--month", "2025-01", "--out"]
        + [str(tmp_path / "f.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "Error: 2025-01 has not been audited yet - run `python -m audits run --month 2025-01`"
    )
