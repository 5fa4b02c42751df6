"""Any file order gives the same result (SPEC 2 "The order in which files arrive", SPEC 7 held rows).

One small month written by hand: a credentialing workbook (providers, payers with aliases,
enrollments), a claims export that names payers by name and alias, and a remittance export (or an
835). Every order of the files, in one batch or in separate commands, must give the same tables and
the same findings, with no row left held.
"""

from __future__ import annotations

import itertools

import pytest
from openpyxl import Workbook

from audits.cli import main
from audits.ingest import ingest_files
from audits.ingest.loader import load_order
from audits.runner import run_audit
from audits.store import connect

A, B = "1234567893", "1245319599"


def roster_xlsx(path, payers=True):
    workbook = Workbook()
    sheets = {
        "Providers": [
            ["NPI", "Provider Name", "Status"],
            [A, "Dr Ann Able", "Active"],
            [B, "Dr Ben Best", "Active"],
        ],
        "Enrollments": [
            ["NPI", "Payer", "Status", "Effective Date", "Termination Date"],
            [A, "Aetna", "Enrolled", "2023-01-01", None],
            [A, "Blue Cross", "Enrolled", "2024-01-15", None],
            [B, "Aetna", "Terminated", "2022-01-01", "2023-12-31"],
        ],
    }
    if payers:
        sheets["Payers"] = [
            ["Payer ID", "Payer Name", "Aliases"],
            ["AET", "Aetna", "Aetna Health"],
            ["BCB", "Blue Cross", "BCBS"],
        ]
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


CLAIMS = (
    "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,Charges\n"
    f"C1,1,{A},Aetna Health,2024-01-05,99213,100\n"
    f"C2,1,{A},BCBS,2024-01-05,99213,120\n"
    f"C3,1,{B},Aetna,2024-01-10,99214,150\n"
    f"C4,1,{B},Blue Cross,2024-01-12,99213,100\n"
)
REMITS = (
    "Claim ID,Line,Payer,Check Date,CPT,Billed,Paid,Group Code,Reason Code,Adj Amount\n"
    "C1,1,Aetna Health,2024-02-01,99213,100,80,CO,45,20\n"
    "C3,1,Aetna,2024-02-01,99214,150,0,CO,16,150\n"
)


def month_files(tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(CLAIMS, encoding="utf-8")
    remits = tmp_path / "remits.csv"
    remits.write_text(REMITS, encoding="utf-8")
    return {"roster": roster_xlsx(tmp_path / "roster.xlsx"), "claims": claims, "remits": remits}


def state(con):
    """The canonical tables and findings a month leaves (ids and timestamps left out)."""
    run_audit(con, "2024-01")
    return {
        "claim_lines": con.execute(
            "SELECT claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code, billed_amount "
            "FROM claim_lines ORDER BY ALL"
        ).fetchall(),
        "remit_lines": con.execute(
            "SELECT payer_id, claim_id, line_no, claim_status, paid_amount FROM remit_lines ORDER BY ALL"
        ).fetchall(),
        "adjustments": con.execute(
            "SELECT r.claim_id, a.group_code, a.carc, a.amount FROM remit_adjustments a "
            "JOIN remit_lines r USING (remit_line_id) ORDER BY ALL"
        ).fetchall(),
        "findings": con.execute(
            "SELECT rule_id, claim_id, line_no, payer_id FROM findings ORDER BY ALL"
        ).fetchall(),
        "held": con.execute(
            "SELECT count(*) FROM rejected_rows WHERE resolved_by_upload IS NULL AND reason LIKE 'unknown payer:%'"
        ).fetchall()[0][0],
    }


def test_load_order_puts_credentialing_first_then_claims_then_remittances(con, tmp_path):
    files = month_files(tmp_path)
    given = [files["remits"], files["claims"], files["roster"]]
    assert load_order(con, given) == [files["roster"], files["claims"], files["remits"]]
    assert load_order(con, given, kind="claims") == given  # a kind given for all: as given


def test_every_order_of_one_batch_gives_the_same_tables_and_findings(tmp_path):
    seen = []
    for n, order in enumerate(itertools.permutations(["roster", "claims", "remits"])):
        folder = tmp_path / f"o{n}"
        folder.mkdir()
        files = month_files(folder)
        with connect(folder / "db.duckdb") as con:
            results = ingest_files(con, [files[k] for k in order])
            assert [r.kind for r in results] == ["roster", "claims", "remits"]
            seen.append(state(con))
    first = seen[0]
    assert all(s == first for s in seen[1:])
    assert first["held"] == 0
    assert [c for c, *_ in first["claim_lines"]] == ["C1", "C2", "C3", "C4"]
    assert {p for *_, p, _d, _c, _b in [(r[0], r[3], r[4], r[5], r[6]) for r in first["claim_lines"]]} == {
        "AET",
        "BCB",
    }
    assert [(r[1], r[0]) for r in first["remit_lines"]] == [("C1", "AET"), ("C3", "AET")]
    enrollment = {(rule, claim) for rule, claim, _n, _p in first["findings"]}
    # by hand from the roster: C2 is before A's Blue Cross effective date, C3 after B's Aetna
    # termination, C4 has no Blue Cross enrollment for B; C1 is enrolled.
    assert ("BEFORE_EFFECTIVE", "C2") in enrollment
    assert ("AFTER_TERMINATION", "C3") in enrollment
    assert ("NOT_ENROLLED", "C4") in enrollment
    assert not any(
        claim == "C1" and rule in ("NOT_ENROLLED", "BEFORE_EFFECTIVE") for rule, claim in enrollment
    )


def test_claims_first_and_the_roster_in_a_later_command_loads_the_held_lines(tmp_path, capsys):
    files = month_files(tmp_path)
    db = tmp_path / "cli.duckdb"
    assert main(["ingest", "--db", str(db), str(files["claims"]), str(files["remits"])]) == 0
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM claim_lines").fetchall() == [(0,)]
        assert con.execute("SELECT outcome FROM uploads ORDER BY upload_id").fetchall() == [
            ("nothing loaded (held)",),
            ("nothing loaded (held)",),
        ]
    capsys.readouterr()
    assert main(["ingest", "--db", str(db), str(files["roster"])]) == 0
    out = capsys.readouterr().out
    assert "held rows of upload 1" in out and "held rows of upload 2" in out
    with connect(db) as con:
        later = state(con)
    reference = tmp_path / "ref"
    reference.mkdir()
    ref_files = month_files(reference)
    with connect(reference / "db.duckdb") as con:
        ingest_files(con, [ref_files["roster"], ref_files["claims"], ref_files["remits"]])
        expected = state(con)
    assert later == expected and later["held"] == 0


@pytest.mark.parametrize("order", [("roster", "claims", "835"), ("835", "claims", "roster")])
def test_an_835_in_any_order(tmp_path, order):
    from test_ingest_remits import _835

    files = month_files(tmp_path)
    files["835"] = tmp_path / "era.835"
    files["835"].write_text(_835(), encoding="utf-8")
    with connect(tmp_path / "db.duckdb") as con:
        results = ingest_files(con, [files[k] for k in order])
        assert [r.kind for r in results] == ["roster", "claims", "835"]
        assert all(r.rows_rejected == 0 for r in results)
        assert con.execute("SELECT DISTINCT payer_id FROM remit_lines").fetchall() == [("AET",)]
