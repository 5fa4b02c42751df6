"""Claims exports through ingest_file: counts, rejections, duplicates, corrections, all-or-nothing, payers."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from audits.errors import InputError
from audits.ingest import confirm_payer_alias, ingest_file, reload_rejected, suggest_payers

HEADER = "Claim #,Line #,Member ID,Rendering NPI,Payer,Date of Service,CPT/HCPCS,Modifiers,Diagnosis Codes,POS,Units,Charges\n"


def _payers(con):
    con.execute(
        "INSERT INTO payers (payer_id, payer_name, aliases) VALUES "
        "('AETNA', 'Aetna Health', 'Aetna|AETNA INC'), ('BCBS', 'Blue Cross Blue Shield', NULL)"
    )


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _counts(con):
    tables = ("claim_lines", "claim_lines_history", "uploads", "rejected_rows")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


def test_claims_csv_loads_with_title_rows_totals_and_blank_rows(con, tmp_path):
    _payers(con)
    path = _write(
        tmp_path,
        "claims.csv",
        "Acme Medical - claims export\nExported on 02/01/2024\n\n" + HEADER
        + 'C1,1,M1,1234567893,Aetna,01/05/2024,0001U,"26,59","I10; E11.9",2,1,"$1,234.00"\n'
        + "C1,2,M1,1234567893,aetna inc.,2024-01-06,G0439,,,11,1,100\n"
        + ",,,,,,,,,,,\n"
        + "C2,1,M2,1234567893,BCBS,45299,99213,,,11,1,(12.00)\n"
        + "Total,,,,,,,,,,,1322\n",
    )  # fmt: skip
    result = ingest_file(con, path)
    assert (result.kind, result.status) == ("claims", "loaded")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    rows = con.execute(
        "SELECT claim_id, line_no, payer_id, date_of_service, procedure_code, modifier_1, modifier_2, "
        "diagnosis_1, diagnosis_2, pos, billed_amount FROM claim_lines ORDER BY claim_id, line_no"
    ).fetchall()
    assert rows == [
        (
            "C1",
            1,
            "AETNA",
            dt.date(2024, 1, 5),
            "0001U",
            "26",
            "59",
            "I10",
            "E119",
            "02",
            pytest.approx(1234),
        ),
        ("C1", 2, "AETNA", dt.date(2024, 1, 6), "G0439", None, None, None, None, "11", pytest.approx(100)),
        ("C2", 1, "BCBS", dt.date(2024, 1, 8), "99213", None, None, None, None, "11", pytest.approx(-12)),
    ]
    rejected = con.execute("SELECT row_number, column_name, reason FROM rejected_rows").fetchall()
    assert rejected == [(9, "claim_id", "totals row, not a claim line")]


def test_missing_values_bad_dates_and_duplicates_are_rejected_with_reasons(con, tmp_path):
    _payers(con)
    path = _write(
        tmp_path,
        "claims.csv",
        HEADER
        + "C1,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,1,100\n"
        + "C1,1,M1,1234567893,Aetna,2024-01-05,99214,,,11,1,100\n"
        + "C2,1,M1,,Aetna,2024-01-05,99213,,,11,1,100\n"
        + "C3,1,M1,1234567893,Aetna,2024-02-30,99213,,,11,1,100\n"
        + "C4,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,1,ten\n"
        + "C5,1,M1,1234567893,,2024-01-05,99213,,,11,1,100\n",
    )  # fmt: skip
    result = ingest_file(con, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 1, 5)
    reasons = dict(con.execute("SELECT row_number, reason FROM rejected_rows").fetchall())
    assert reasons[3] == "duplicate of row 2 in the same file"
    assert reasons[4] == "missing rendering_npi"
    assert "date_of_service" in reasons[5] and "2024-02-30" in reasons[5]
    assert "billed_amount" in reasons[6] and "ten" in reasons[6]
    assert reasons[7] == "missing payer"


def test_line_number_defaults_to_position_within_the_claim(con, tmp_path):
    _payers(con)
    path = _write(
        tmp_path,
        "claims.csv",
        "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\n"
        "C1,1234567893,Aetna,2024-01-05,99213,100\nC2,1234567893,Aetna,2024-01-05,99213,100\n"
        "C1,1234567893,Aetna,2024-01-05,99214,100\n",
    )
    ingest_file(con, path)
    assert con.execute(
        "SELECT claim_id, line_no, procedure_code FROM claim_lines ORDER BY 1, 2"
    ).fetchall() == [
        ("C1", 1, "99213"),
        ("C1", 2, "99214"),
        ("C2", 1, "99213"),
    ]


def test_same_file_again_is_a_duplicate_upload_and_changes_nothing(con, tmp_path):
    _payers(con)
    path = _write(tmp_path, "claims.csv", HEADER + "C1,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,1,100\n")
    first = ingest_file(con, path)
    before = con.execute("SELECT * FROM claim_lines").fetchall()
    again = ingest_file(con, path)
    assert again.status == "duplicate" and again.duplicate_of == first.upload_id
    assert con.execute("SELECT * FROM claim_lines").fetchall() == before
    assert con.execute("SELECT status FROM uploads ORDER BY upload_id").fetchall() == [
        ("loaded",),
        ("duplicate",),
    ]


def test_corrected_re_export_replaces_by_natural_key_and_keeps_history(con, tmp_path):
    _payers(con)
    first = _write(
        tmp_path,
        "jan.csv",
        HEADER
        + "C1,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,1,100\nC1,2,M1,1234567893,Aetna,2024-01-05,99214,,,11,1,50\n",
    )
    ingest_file(con, first)
    corrected = _write(
        tmp_path,
        "jan-corrected.csv",
        HEADER
        + "C1,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,1,100\nC1,2,M1,1234567893,Aetna,2024-01-05,99215,,,11,1,75\n",
    )
    result = ingest_file(con, corrected)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    assert "1 corrected" in result.message and "1 unchanged" in result.message
    assert con.execute(
        "SELECT line_no, procedure_code, billed_amount FROM claim_lines ORDER BY 1"
    ).fetchall() == [
        (1, "99213", 100),
        (2, "99215", 75),
    ]
    history = con.execute(
        "SELECT line_no, procedure_code, billed_amount, replaced_by_upload FROM claim_lines_history"
    ).fetchall()
    assert history == [(2, "99214", 50, result.upload_id)]


def test_a_failure_mid_load_leaves_nothing(con, tmp_path, monkeypatch):
    from audits.ingest import upload

    _payers(con)
    path = _write(
        tmp_path,
        "claims.csv",
        HEADER
        + "C1,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,1,100\nC2,1,M1,1234567893,Nobody,2024-01-05,99213,,,11,1,1\n",
    )

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # Claim lines are written before the rejected rows: fail in between.
    monkeypatch.setattr(upload, "record_rejected", explode)
    with pytest.raises(RuntimeError, match="disk full"):  # a bug stays a bug, not "bad input"
        ingest_file(con, path)
    assert _counts(con) == {"claim_lines": 0, "claim_lines_history": 0, "uploads": 0, "rejected_rows": 0}
    monkeypatch.undo()
    assert ingest_file(con, path).rows_loaded == 1


def test_missing_required_columns_raise_and_change_nothing(con, tmp_path):
    path = _write(tmp_path, "claims.csv", "Claim ID,Payer,DOS,CPT\nC1,Aetna,2024-01-05,99213\n")
    with pytest.raises(InputError) as info:
        ingest_file(con, path, kind="claims")
    assert "rendering_npi" in str(info.value) and "billed_amount" in str(info.value)
    assert _counts(con) == {"claim_lines": 0, "claim_lines_history": 0, "uploads": 0, "rejected_rows": 0}


def test_xlsx_with_numbered_columns_numeric_npi_and_date_cells(con, tmp_path):
    _payers(con)
    path = tmp_path / "claims.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Claims for January"])
    sheet.append(["Claim ID", "Line", "Prov NPI", "Payer ID", "Svc Date", "CPT", "Mod 1", "Mod 2", "Dx 1", "Dx 2",
                  "POS", "Billed Amount"])  # fmt: skip
    sheet.append(
        ["C9", 1, 1234567893, "AETNA", dt.datetime(2024, 1, 5), "0001U", "26", None, "E11.9", "i10", 2, 80.5]
    )
    sheet.append(["C9", 2, 1234567893.0, "aetna", 45297, 99213, 25, None, None, None, 11, 10])
    workbook.save(path)
    result = ingest_file(con, path)
    assert (result.kind, result.rows_loaded, result.rows_rejected) == ("claims", 2, 0)
    assert con.execute(
        "SELECT line_no, rendering_npi, payer_id, date_of_service, procedure_code, modifier_1, diagnosis_1, "
        "diagnosis_2, pos, billed_amount FROM claim_lines ORDER BY line_no"
    ).fetchall() == [
        (
            1,
            "1234567893",
            "AETNA",
            dt.date(2024, 1, 5),
            "0001U",
            "26",
            "E119",
            "I10",
            "02",
            pytest.approx(80.5),
        ),
        (2, "1234567893", "AETNA", dt.date(2024, 1, 6), "99213", "25", None, None, "11", pytest.approx(10)),
    ]


def test_unknown_payer_is_held_with_suggestions_then_reloaded_after_an_alias(con, tmp_path):
    _payers(con)
    path = _write(
        tmp_path,
        "claims.csv",
        HEADER + "C1,1,M1,1234567893,Aetna,2024-01-05,99213,,,11,1,100\n"
        "C2,1,M2,1234567893,Aetna Healthcare,2024-01-05,99213,25,I10,11,1,40\n"
        "C3,1,M3,1234567893,Mystery Mutual,2024-01-05,99213,,,11,1,30\n",
    )
    first = ingest_file(con, path)
    assert (first.rows_loaded, first.rows_rejected) == (1, 2)
    assert first.unknown_payers["Aetna Healthcare"][0][0] == "AETNA"
    reason = con.execute("SELECT reason FROM rejected_rows WHERE row_number = 3").fetchall()[0][0]
    assert reason.startswith("unknown payer: Aetna Healthcare") and "Aetna Health (AETNA)" in reason
    assert suggest_payers(con, "Aetna Healthcare")[0][0] == "AETNA"

    with pytest.raises(InputError):
        confirm_payer_alias(con, "Aetna Healthcare", "NOPE")
    confirm_payer_alias(con, "Aetna Healthcare", "AETNA")
    again = reload_rejected(con, first.upload_id)
    assert (again.rows_read, again.rows_loaded, again.rows_rejected) == (1, 1, 0)
    line = con.execute(
        "SELECT payer_id, modifier_1, diagnosis_1, billed_amount, patient_key FROM claim_lines WHERE claim_id = 'C2'"
    ).fetchall()
    assert line[0][:4] == ("AETNA", "25", "I10", 40)
    # The reloaded row keeps the patient key the original upload computed.
    held_row = con.execute(
        "SELECT raw_row FROM rejected_rows WHERE upload_id = ? AND row_number = 3", [first.upload_id]
    ).fetchall()[0][0]
    assert line[0][4] == json.loads(held_row)["__patient_key__"]
    resolved = con.execute(
        "SELECT row_number, resolved_by_upload FROM rejected_rows WHERE upload_id = ? ORDER BY 1",
        [first.upload_id],
    ).fetchall()
    # Mystery Mutual still resolves to nothing: it stays held, untouched.
    assert resolved == [(3, again.upload_id), (4, None)]
    with pytest.raises(InputError, match="resolve yet"):
        reload_rejected(con, first.upload_id)
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('MM', 'Mystery Mutual')")
    last = reload_rejected(con)
    assert (last.rows_loaded, last.rows_rejected) == (1, 0)
    with pytest.raises(InputError, match="no rows held"):
        reload_rejected(con)
