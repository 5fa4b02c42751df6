"""Held payer names (SPEC 2, 7; issue 9 `payers`, issue 15 held rows): one confirm per name loads every
held row of that name, whatever its kind; resolved names leave the list; counts never grow."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from audits.cli import main
from audits.errors import InputError
from audits.ingest import ingest_file
from audits.ingest.reload import confirm_payer, held_payers, reload_rejected
from audits.store import connect

A = "1234567893"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _roster(path):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in {
        "Providers": [["NPI", "Provider Name", "Status"], [A, "Dr Ann Able", "Active"]],
        "Payers": [
            ["Payer ID", "Payer Name", "Aliases"],
            ["AET", "Aetna", ""],
            ["UHC", "United Healthcare", ""],
        ],
        "Enrollments": [
            ["NPI", "Payer", "Status", "Effective Date"],
            [A, "Aetna", "Enrolled", "2023-01-01"],
            [A, "Aetna Choice Plus", "Enrolled", "2023-06-01"],
        ],
    }.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def held(con, tmp_path):
    """A roster (one enrollment held for 'Aetna Choice Plus'), then claims and remits held for the
    same name written another way, and one claim held for a name nothing is close to."""
    _roster(tmp_path / "roster.xlsx")
    ingest_file(con, tmp_path / "roster.xlsx")
    ingest_file(
        con,
        _write(
            tmp_path,
            "claims.csv",
            "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,Charges\n"
            f"C1,1,{A},AETNA CHOICE PLUS,2024-01-05,99213,100\n"
            f"C1,2,{A},AETNA CHOICE PLUS,2024-01-05,99214,50\n"
            f"C2,1,{A},Zebra Mutual,2024-01-06,99213,90\n"
            f"C3,1,{A},Aetna,2024-01-06,99213,90\n",
        ),
    )
    ingest_file(
        con,
        _write(
            tmp_path,
            "remits.csv",
            "Claim ID,Line,Payer,Check Date,CPT,Billed,Paid\nC1,1,Aetna Choice Plus,2024-02-01,99213,100,70\n",
        ),
    )
    return con


def test_held_names_list_rows_per_kind_and_close_matches(held):
    listed = {h.name.upper(): h for h in held_payers(held)}
    assert set(listed) == {"AETNA CHOICE PLUS", "ZEBRA MUTUAL"}
    # one name written two ways is listed as first written (the roster's row, upload 1), every time
    assert listed["AETNA CHOICE PLUS"].name == "Aetna Choice Plus"
    choice = listed["AETNA CHOICE PLUS"]
    assert choice.rows == {"roster": 1, "claims": 2, "remits": 1} and choice.total == 4
    assert choice.close and choice.close[0][0] == "AET"
    assert choice.resolves_to is None
    assert listed["ZEBRA MUTUAL"].rows == {"claims": 1} and listed["ZEBRA MUTUAL"].close == []


def test_reloading_never_makes_the_counts_grow(held):
    before = [(h.name, h.rows) for h in held_payers(held)]
    for _ in range(2):
        with pytest.raises(InputError, match="resolve"):
            reload_rejected(held)
        assert [(h.name, h.rows) for h in held_payers(held)] == before
    assert held.execute("SELECT count(*) FROM uploads").fetchall() == [(3,)]


def test_one_confirm_loads_every_held_row_of_the_name_whatever_its_kind(held):
    confirmed = confirm_payer(held, "Aetna Choice Plus", "AET")
    assert sorted(u.kind for u in confirmed.uploads) == ["claims", "remits", "roster"]
    assert confirmed.rows_loaded == 4 and confirmed.still_held == 0
    assert [h.name for h in held_payers(held)] == ["Zebra Mutual"]
    assert held.execute("SELECT claim_id, line_no, payer_id FROM claim_lines ORDER BY 1, 2").fetchall() == [
        ("C1", 1, "AET"),
        ("C1", 2, "AET"),
        ("C3", 1, "AET"),
    ]
    assert held.execute("SELECT claim_id, payer_id, paid_amount FROM remit_lines").fetchall() == [
        ("C1", "AET", 70)
    ]
    # the roster's held enrollment joins the current enrollments (a new snapshot), the other row stays
    assert held.execute(
        "SELECT npi, payer_id, status, effective_date FROM enrollments ORDER BY effective_date"
    ).fetchall() == [(A, "AET", "enrolled", __import__("datetime").date(2023, 1, 1)),
                     (A, "AET", "enrolled", __import__("datetime").date(2023, 6, 1))]  # fmt: skip
    # confirming again loads nothing more
    again = confirm_payer(held, "Aetna Choice Plus", "AET")
    assert again.uploads == [] and held.execute("SELECT count(*) FROM claim_lines").fetchall() == [(3,)]


def test_confirm_refuses_an_unknown_payer_and_a_name_that_means_another(held):
    with pytest.raises(InputError, match="not in the payers list"):
        confirm_payer(held, "Zebra Mutual", "NOPE")
    with pytest.raises(InputError, match="already means payer AET"):
        confirm_payer(held, "Aetna", "UHC")
    assert len(held_payers(held)) == 2


def test_a_later_roster_supersedes_held_roster_rows(held, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Enrollments"
    for row in [["NPI", "Payer", "Status", "Effective Date"], [A, "Aetna", "Enrolled", "2023-01-01"]]:
        sheet.append(row)
    workbook.save(tmp_path / "enrollments.xlsx")
    ingest_file(held, tmp_path / "enrollments.xlsx")
    choice = next(h for h in held_payers(held) if h.name.upper() == "AETNA CHOICE PLUS")
    assert choice.rows == {"claims": 2, "remits": 1}  # the enrollment row was replaced by the new upload


def test_cli_payers_and_payers_confirm(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    with connect(db) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
        ingest_file(
            con,
            _write(tmp_path, "c.csv", "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\n"
                   f"C1,{A},Aetna Gold,2024-01-05,99213,1\n"),
        )  # fmt: skip
    assert main(["payers", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Aetna Gold" in out and "claims 1" in out and "Aetna (AET)" in out
    assert main(["payers", "--db", str(db), "confirm", "Aetna Gold", "--as", "AET"]) == 0
    out = capsys.readouterr().out
    assert "1 held rows loaded again" in out
    assert main(["payers", "--db", str(db)]) == 0
    assert "No rows are held" in capsys.readouterr().out
    assert main(["payers", "--db", str(db), "confirm", "Aetna Gold"]) == 1
    assert "--as" in capsys.readouterr().err


def test_held_rows_that_cannot_be_read_again_stay_held_and_the_roster_upload_says_so(con, tmp_path):
    claims = ingest_file(
        con,
        _write(tmp_path, "c.csv", "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\n"
               f"C1,{A},Aetna,2024-01-05,99213,1\n"),
    )  # fmt: skip
    assert claims.rows_rejected == 1
    # the saved mapping no longer fits the held cells (as if it had been edited by hand)
    con.execute(
        'UPDATE uploads SET mapping_json = \'{"columns": {"claim_id": "Gone"}}\' WHERE upload_id = ?',
        [claims.upload_id],
    )
    roster = ingest_file(con, _roster(tmp_path / "roster.xlsx"))
    assert roster.status == "loaded" and roster.reloaded == []
    assert any(f"held rows of upload {claims.upload_id} stay held" in w for w in roster.warnings)
    entry = next(h for h in held_payers(con) if h.name == "Aetna")
    assert entry.rows == {"claims": 1} and entry.resolves_to == "AET"
