"""A row of delimited text with a cell past the header (SPEC 7, issue 14): an unquoted delimiter moved its
cells, so none of them is under its own header. It is rejected and hashed whole, wherever the stray
delimiter sits and whatever the kind of export; a workbook's cell past the header is just a cell."""

from __future__ import annotations

import random

import pytest
from test_ingest_roster import write_xlsx

from audits.ingest import ingest_file

NPI = "1234567893"
CLAIM_HEADER = [
    "Claim ID",
    "Line",
    "Rendering NPI",
    "Payer",
    "DOS",
    "CPT",
    "Charges",
    "Patient Name",
    "Member ID",
]
GOOD = ["{c}", "1", NPI, "Aetna", "2024-01-05", "99213", "100", "Jane Roe", "M{c}"]


@pytest.fixture
def payers(con):
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    return con


def _row(claim: str) -> list[str]:
    return [cell.format(c=claim) for cell in GOOD]


@pytest.mark.parametrize("seed", range(6))
def test_a_stray_comma_in_any_cell_rejects_that_row_alone(payers, tmp_path, seed):
    rng = random.Random(seed)
    rows = [_row(f"C{n}") for n in range(1, 7)]
    hit = rng.randrange(len(rows))
    cell = rng.randrange(len(CLAIM_HEADER))
    rows[hit][cell] = rows[hit][cell][:1] + ", " + rows[hit][cell][1:]  # one unquoted comma in one cell
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(",".join(r) for r in [CLAIM_HEADER, *rows]) + "\n", encoding="utf-8")
    result = ingest_file(payers, path)
    loaded = [c for (c,) in payers.execute("SELECT claim_id FROM claim_lines ORDER BY claim_id").fetchall()]
    assert f"C{hit + 1}" not in loaded and len(loaded) == 5, (CLAIM_HEADER[cell], loaded)
    ((row, reason),) = payers.execute("SELECT row_number, reason FROM rejected_rows").fetchall()
    assert row == hit + 2 and reason.startswith("shifted row - "), reason
    assert result.rows_rejected == 1


def test_a_remittance_row_with_a_cell_past_the_header_is_rejected(payers, tmp_path):
    path = tmp_path / "remits.csv"
    path.write_text(
        "Claim Number,Line,Payer,Check Date,Procedure,Billed,Paid,Claim Status,Patient\n"
        "C1,1,Aetna,02/01/2024,99213,100.00,80.00,Paid,Jane Roe\n"
        "C2,1,Aetna,02/01/2024,99213,100.00,80.00,Paid,Roe, Jane\n"
        "C3,1,Aetna,02/01/2024,99213,100.00,80.00,Paid,Sam Poe\n",
        encoding="utf-8",
    )
    result = ingest_file(payers, path)
    assert result.kind == "remits" and (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert payers.execute("SELECT claim_id FROM remit_lines ORDER BY claim_id").fetchall() == [
        ("C1",),
        ("C3",),
    ]
    ((raw, reason),) = payers.execute("SELECT raw_row, reason FROM rejected_rows").fetchall()
    assert reason.startswith("shifted row - ") and "Roe" not in raw and "Jane" not in raw


def test_a_workbook_note_past_the_header_is_only_a_cell(payers, tmp_path):
    rows = [_row(f"C{n}") + (["call the payer"] if n == 2 else []) for n in range(1, 5)]  # a note beside one
    path = write_xlsx(tmp_path / "claims.xlsx", {"Claims": [CLAIM_HEADER, *rows]})
    result = ingest_file(payers, path)
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
