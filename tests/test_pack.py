"""The monthly audit pack (issue 11): the audit workbook plus changes, repeat offenders, the work
queue, exclusion screening and sign-off, over the three hand-written months of lifecycle_rows."""

from __future__ import annotations

import openpyxl
import pytest
from audit_rows import NPI_A, open_copy
from lifecycle_rows import audit, build_practice

from audits import lifecycle
from audits.cli import main
from audits.pack import PACK_SHEETS, SIGN_OFF_DEPARTMENTS, write_pack
from audits.reports import sheet_names


@pytest.fixture
def pcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        build_practice(con)
        audit(con)
        yield con


def rows(ws, start=1):
    return [list(r) for r in ws.iter_rows(min_row=start, values_only=True) if any(v is not None for v in r)]


def test_pack_sheets_and_change_numbers(pcon, tmp_path):
    issue = lifecycle.queue(pcon, "2026-10", rule_id="NOT_ENROLLED")["issue_id"][0]
    lifecycle.assign(pcon, [issue], by="maria", assignee="credentialing", status="in progress")
    out = tmp_path / "pack.xlsx"
    result = write_pack(pcon, "2026-10", out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [*sheet_names(), *PACK_SHEETS]

    changes = rows(wb["Changes"], 4)
    assert changes[0] == ["Change", "Issues", "Issue dollars"]
    # written by hand from the rows: Oct has INVALID_MODIFIER $80 new, NOT_ENROLLED $120 and
    # CREDENTIAL_EXPIRING $500 recurring, nothing resolved
    assert changes[1:4] == [["new", 1, 80.0], ["recurring", 2, 620.0], ["resolved", 0, 0.0]]
    assert result.summary.counts == {"new": 1, "recurring": 2, "resolved": 0}

    offenders = rows(wb["Repeat offenders"], 4)
    assert offenders[1][:3] == [NPI_A, "Ann Able", "BCBS"] and offenders[1][4] == 3

    queue = rows(wb["Work queue"])
    header = queue[0]
    by_rule = {r[header.index("Rule")] if "Rule" in header else r[2]: r for r in queue[1:]}
    ne = by_rule["NOT_ENROLLED"]
    assert ne[header.index("Assignee")] == "credentialing" and ne[header.index("Status")] == "in progress"
    assert len(queue) == 1 + 3

    signoff = rows(wb["Sign-off"], 4)
    assert signoff[0][:3] == ["Department", "Reviewer", "Date"]
    assert [r[0] for r in signoff[1 : 1 + len(SIGN_OFF_DEPARTMENTS)]] == list(SIGN_OFF_DEPARTMENTS)
    assert "No exclusion screening was run in 2026-10" in wb["Exclusion screening"]["A2"].value


def test_pack_resolved_month(pcon, tmp_path):
    out = tmp_path / "pack.xlsx"
    write_pack(pcon, "2026-09", out)
    changes = rows(openpyxl.load_workbook(out)["Changes"], 4)
    assert changes[1:4] == [["new", 1, 500.0], ["recurring", 1, 150.0], ["resolved", 1, 200.0]]
    changed = rows(openpyxl.load_workbook(out)["Changed issues"])
    assert sorted(r[1] for r in changed[1:]) == ["new", "recurring", "resolved"]


def test_cli_pack(template, tmp_path, capsys):
    with open_copy(template, tmp_path) as con:
        build_practice(con)
        audit(con)
    out = tmp_path / "p.xlsx"
    assert (
        main(["pack", "--month", "2026-10", "--out", str(out), "--db", str(tmp_path / "audit.duckdb")]) == 0
    )
    assert "1 new, 2 recurring, 0 resolved issues; 3 in the work queue" in capsys.readouterr().out
    assert out.exists()
    assert (
        main(["pack", "--month", "2026-07", "--out", str(out), "--db", str(tmp_path / "audit.duckdb")]) == 1
    )
    assert "has not been audited" in capsys.readouterr().err
