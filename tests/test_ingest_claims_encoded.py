"""Claims whose text columns reach DuckDB dictionary-encoded store the same values as any other path."""

from __future__ import annotations

import pandas as pd

from audits import privacy
from audits.ingest import ingest_file
from audits.ingest import normalize as nz

HEADER = "Claim #,Line #,Member ID,Rendering NPI,Payer,Date of Service,CPT/HCPCS,Modifiers,Diagnosis Codes,POS,Charges\n"


def _payers(con):
    con.execute(
        "INSERT INTO payers (payer_id, payer_name, aliases) VALUES ('AETNA', 'Aetna Health', 'Aetna')"
    )


def test_codes_are_normalised_and_blank_cells_stored_as_null(con, tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARTOBILL_HMAC_KEY", "test-key")
    _payers(con)
    path = tmp_path / "claims.csv"
    path.write_text(
        HEADER
        + 'C1,1,mb1,1234567893,Aetna,2024-01-05,g0439,"26,59","I10; e11.9",2,100\n'
        + "C1,2,MB1,1234567893,Aetna,2024-01-05,99213,N/A,,11,100\n"
        + "C2,1,MB2,1234567893,Aetna,2024-01-06,99214,25,Z00.00,,50\n",
        encoding="utf-8",
    )
    result = ingest_file(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    rows = con.execute(
        "SELECT claim_id, line_no, procedure_code, modifier_1, modifier_2, diagnosis_1, diagnosis_2, diagnosis_3, "
        "pos, patient_key FROM claim_lines ORDER BY claim_id, line_no"
    ).fetchall()
    mb1, mb2 = privacy.patient_key_of("MB1"), privacy.patient_key_of("MB2")
    assert rows == [
        ("C1", 1, "G0439", "26", "59", "I10", "E119", None, "02", mb1),
        ("C1", 2, "99213", None, None, None, None, None, "11", mb1),
        ("C2", 1, "99214", "25", None, "Z0000", None, None, None, mb2),
    ]


def test_claim_ids_equal_as_text_are_duplicates(con, tmp_path):
    _payers(con)
    path = tmp_path / "claims.csv"
    path.write_text(
        HEADER
        + "7,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,100\n"
        + "7.0,1,M1,1234567893,Aetna,2024-01-05,99214,,,11,100\n"
        + "8,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,100\n"
        + "8,1.0,M1,1234567893,Aetna,2024-01-05,99214,,,11,100\n"
        + "Total,,,,,,,,,,200\n",
        encoding="utf-8",
    )
    result = ingest_file(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 3)
    reasons = dict(con.execute("SELECT row_number, reason FROM rejected_rows").fetchall())
    assert reasons == {
        3: "duplicate of row 2 in the same file",
        5: "duplicate of row 4 in the same file",
        6: "totals row, not a claim line",
    }


def test_line_numbers_equal_as_numbers_are_duplicates(con, tmp_path):
    _payers(con)
    path = tmp_path / "claims.csv"
    path.write_text(
        HEADER
        + "C8,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,100\n"
        + "C9,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,100\n"
        + "C8,1.0,M1,1234567893,Aetna,2024-01-05,99214,,,11,100\n"
        + "C8,2,M1,1234567893,Aetna,2024-01-05,99214,,,11,100\n",
        encoding="utf-8",
    )
    result = ingest_file(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (3, 1)
    reasons = dict(con.execute("SELECT row_number, reason FROM rejected_rows").fetchall())
    assert reasons == {4: "duplicate of row 2 in the same file"}


def test_split_list_counted_spreads_lists_and_reports_the_widest():
    cells = pd.Series(["26,59", None, "25", "I10; e11.9 | Z00.00"], dtype="str")
    frame, width = nz.split_list_counted(cells, 2)
    assert width == 3
    assert list(frame.columns) == [1, 2]
    assert frame.values.tolist() == [["26", "59"], [None, None], ["25", None], ["I10", "E11.9"]]
