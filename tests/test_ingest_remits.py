"""Remittance exports and X12 835/837 files through ingest_file."""

from __future__ import annotations

import datetime as dt

import pytest

from audits.ingest import ingest_file


@pytest.fixture
def payers(con):
    con.execute(
        "INSERT INTO payers (payer_id, payer_name, aliases) VALUES ('AETNA', 'Aetna Health', 'Aetna')"
    )
    return con


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _lines(con):
    return con.execute(
        "SELECT claim_id, line_no, claim_status, procedure_code, billed_amount, paid_amount, adjudication_date "
        "FROM remit_lines ORDER BY remit_line_id"
    ).fetchall()


def _adjustments(con):
    return con.execute(
        "SELECT l.claim_id, l.line_no, a.position, a.level, a.group_code, a.carc, a.amount FROM remit_adjustments a "
        "JOIN remit_lines l USING (remit_line_id) ORDER BY l.remit_line_id, a.level, a.position"
    ).fetchall()


def test_one_row_per_adjustment_counts_the_line_once(payers, tmp_path):
    path = _write(
        tmp_path,
        "remits.csv",
        "Claim Number,Line,Payer,Check Date,Procedure,Billed,Paid,Claim Status,Group Code,Reason Code,Adj Amount,Remark Codes\n"
        "C1,1,Aetna,02/01/2024,HC:99213:25,100.00,80.00,Paid,Contractual Obligation,45,15.00,\n"
        "C1,1,Aetna,02/01/2024,HC:99213:25,100.00,80.00,Paid,PR,2,5.00,\n"
        "C1,2,Aetna,02/01/2024,99214,50,0,Denied,CO,B7,50,N290\n"
        "C1,2,Aetna,02/01/2024,99214,50,0,Denied,CO,B7,50,N290\n"
        "Totals,,,,,150,80,,,,,\n",
    )
    result = ingest_file(con := payers, path)
    assert result.kind == "remits"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 3, 2)
    assert _lines(con) == [
        ("C1", 1, "paid", "99213", 100, 80, dt.date(2024, 2, 1)),
        ("C1", 2, "denied", "99214", 50, 0, dt.date(2024, 2, 1)),
    ]
    assert _adjustments(con) == [
        ("C1", 1, 1, "line", "CO", "45", 15),
        ("C1", 1, 2, "line", "PR", "2", 5),
        ("C1", 2, 1, "line", "CO", "B7", 50),
    ]
    assert con.execute("SELECT rarc FROM remit_remarks").fetchall() == [("N290",)]
    reasons = dict(con.execute("SELECT row_number, reason FROM rejected_rows").fetchall())
    assert reasons == {5: "duplicate of row 4 in the same file", 6: "totals row, not a remittance line"}


def test_one_row_per_line_with_numbered_carc_columns_and_shared_cells(payers, tmp_path):
    path = _write(
        tmp_path,
        "remits.csv",
        "Claim ID,Line No,Payer Name,Paid Date,CPT,Billed Amount,Paid Amount,CARC 1,Adj Amt 1,CARC 2,Adj Amt 2,RARC 1\n"
        "C2,1,AETNA,2024-02-03,99213,100,-80,CR-45,15,Patient Responsibility-2,5,M15\n"
        'C3,1,Aetna,2024-02-03,99213,100,0,"CO-16, PR-1",100,,,N290\n',
    )
    result = ingest_file(payers, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    assert [(c, s, p) for c, _n, s, _code, _b, p, _d in _lines(payers)] == [
        ("C2", "reversed", -80),
        ("C3", "denied", 0),
    ]
    assert _adjustments(payers) == [
        ("C2", 1, 1, "line", "CR", "45", 15),
        ("C2", 1, 2, "line", "PR", "2", 5),
        ("C3", 1, 1, "line", "CO", "16", 100),
        ("C3", 1, 2, "line", "PR", "1", None),
    ]


def test_remitted_lines_are_events(payers, tmp_path):
    header = "Claim ID,Line,Payer,Check Date,CPT,Billed,Paid\n"
    first = _write(tmp_path, "a.csv", header + "C1,1,Aetna,2024-02-01,99213,100,80\n")
    same_line_again = _write(
        tmp_path, "b.csv", header + "C1,1,Aetna,2024-02-01,99213,100,80\nC9,1,Aetna,2024-02-01,99213,1,1\n"
    )
    reversal = _write(tmp_path, "c.csv", header + "C1,1,Aetna,2024-03-01,99213,100,-80\n")
    ingest_file(payers, first)
    second = ingest_file(payers, same_line_again)
    assert (second.rows_loaded, second.rows_rejected) == (2, 0)
    assert "1 new remitted lines, 1 already loaded" in second.message
    ingest_file(payers, reversal)
    assert [(c, s, p) for c, _n, s, _code, _b, p, _d in _lines(payers)] == [
        ("C1", "paid", 80),
        ("C9", "paid", 1),
        ("C1", "reversed", -80),
    ]


def test_export_without_line_numbers_matches_the_claim_line_by_procedure(payers, tmp_path):
    claims = _write(
        tmp_path,
        "claims.csv",
        "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,Charges\n"
        "C1,1,1234567893,Aetna,2024-01-05,99213,100\nC1,2,1234567893,Aetna,2024-01-05,99214,50\n",
    )
    ingest_file(payers, claims)
    remits = _write(
        tmp_path, "remits.csv", "Claim ID,Payer,Check Date,CPT,Billed,Paid\nC1,Aetna,2024-02-01,99214,50,40\n"
    )
    ingest_file(payers, remits)
    assert _lines(payers)[0][:2] == ("C1", 2)


def test_remits_without_paid_or_adjustment_columns_are_refused(payers, tmp_path):
    from audits.errors import InputError

    path = _write(
        tmp_path,
        "remits.csv",
        "Claim ID,Payer,Check Date,CPT,Billed,Status\nC1,Aetna,2024-02-01,99213,100,Paid\n",
    )
    with pytest.raises(InputError, match="paid_amount"):
        ingest_file(payers, path, kind="remits")


# ---------------------------------------------------------------------------------------------- X12


def _x12(*segments: str) -> str:
    return "~\n".join(segments) + "~\n"


def _835(clp_status="1", paid_first="80", trace="TRACE1") -> str:
    sign = "-" if clp_status == "22" else ""
    return _x12(
        "ST*835*0001",
        f"BPR*I*{sign}{paid_first}*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999999999*DA*123456*20240201",
        f"TRN*1*{trace}*1234567890",
        "DTM*405*20240201",
        "N1*PR*AETNA HEALTH",
        "N1*PE*PRACTICE*XX*1234567893",
        f"CLP*C1*{clp_status}*{sign}150*{sign}{paid_first}**12*ICN1",
        "NM1*QC*1*QUIXOTE*ZEB****MI*QX1",
        f"SVC*HC:99213*{sign}100*{sign}{paid_first}**1",
        "DTM*472*20240105",
        f"CAS*CO*45*{sign}15",
        f"CAS*PR*2*{sign}5",
        "REF*6R*3",
        f"SVC*HC:99214:25*{sign}50*0**1",
        "DTM*472*20240105",
        f"CAS*CO*B7*{sign}50",
        "REF*6R*99",
        "LQ*HE*N290",
        "SE*19*0001",
    )


def test_835_lines_match_by_ref_6r_else_position(payers, tmp_path):
    claims = _write(
        tmp_path,
        "claims.csv",
        "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,Charges\n"
        "C1,1,1234567893,Aetna,2024-01-05,99212,10\nC1,2,1234567893,Aetna,2024-01-05,99214,50\n"
        "C1,3,1234567893,Aetna,2024-01-05,99213,100\n",
    )
    ingest_file(payers, claims)
    result = ingest_file(payers, _write(tmp_path, "era.835", _835()))
    assert result.kind == "835"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    # REF*6R*3 is a line of C1 -> line 3; REF*6R*99 is not -> its position, 2.
    assert [(c, n, s, code, p) for c, n, s, code, _b, p, _d in _lines(payers)] == [
        ("C1", 3, "1", "99213", 80),
        ("C1", 2, "1", "99214", 0),
    ]
    assert ("C1", 2, 1, "line", "CO", "B7", 50) in _adjustments(payers)
    assert payers.execute("SELECT DISTINCT source FROM remit_lines").fetchall() == [("TRACE1",)]


def test_835_same_lines_again_change_nothing_and_a_reversal_is_added(payers, tmp_path):
    ingest_file(payers, _write(tmp_path, "a.835", _835()))
    again = ingest_file(payers, _write(tmp_path, "b.835", _835(trace="TRACE2")))
    assert (again.rows_loaded, again.status) == (2, "loaded") and "0 new remitted lines" in again.message
    ingest_file(payers, _write(tmp_path, "c.835", _835(clp_status="22", trace="TRACE3")))
    statuses = [(s, p) for _c, _n, s, _code, _b, p, _d in _lines(payers)]
    assert statuses == [("1", 80), ("1", 0), ("22", -80), ("22", 0)]


def test_835_unknown_payer_is_held_with_its_reason(con, tmp_path):
    result = ingest_file(con, _write(tmp_path, "era.835", _835()))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 0, 2)
    assert "AETNA HEALTH" in result.unknown_payers
    assert con.execute("SELECT count(*) FROM remit_lines").fetchall() == [(0,)]


def _837() -> str:
    return _x12(
        "ST*837*0001*005010X222A1",
        "BHT*0019*00*1*20240110*1200*CH",
        "NM1*85*2*PRACTICE*****XX*1234567893",
        "HL*1**20*1",
        "HL*2*1*22*0",
        "SBR*P*18*******CI",
        "NM1*IL*1*QUIXOTE*ZEBEDEE****MI*QX778812",
        "DMG*D8*19610704*M",
        "NM1*PR*2*AETNA*****PI*AETNA",
        "CLM*C77*150***11:B:1*Y*A*Y*Y",
        "HI*ABK:E119*ABF:I10",
        "NM1*82*1*DOC*JANE****XX*1234567893",
        "LX*1",
        "SV1*HC:99213:25*100*UN*1***1:2",
        "DTP*472*D8*20240105",
        "LX*2",
        "SV1*HC:0001U*50*UN*1***1",
        "DTP*472*D8*20240106",
        "SE*18*0001",
    )


def test_837_loads_into_claim_lines_with_patient_hashed(payers, tmp_path):
    text = _837()
    result = ingest_file(payers, _write(tmp_path, "claims.837", text))
    assert result.kind == "837"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    rows = payers.execute(
        "SELECT claim_id, line_no, payer_id, procedure_code, modifier_1, diagnosis_1, date_of_service, "
        "patient_birth_year, patient_key IS NOT NULL FROM claim_lines ORDER BY line_no"
    ).fetchall()
    assert rows == [
        ("C77", 1, "AETNA", "99213", "25", "E119", dt.date(2024, 1, 5), 1961, True),
        ("C77", 2, "AETNA", "0001U", None, "E119", dt.date(2024, 1, 6), 1961, True),
    ]


def test_835_held_lines_reload_with_their_adjustments_after_an_alias(con, tmp_path):
    from audits.ingest import confirm_payer_alias, reload_rejected

    first = ingest_file(con, _write(tmp_path, "era.835", _835()))
    assert first.rows_rejected == 2
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    confirm_payer_alias(con, "AETNA HEALTH", "AET")
    again = reload_rejected(con, first.upload_id)
    assert (again.kind, again.rows_read, again.rows_loaded, again.rows_rejected) == ("835", 2, 2, 0)
    assert [(c, n, p) for c, n, _s, _code, _b, p, _d in _lines(con)] == [("C1", 1, 80), ("C1", 2, 0)]
    assert ("C1", 2, 1, "line", "CO", "B7", 50) in _adjustments(con)
    assert con.execute("SELECT rarc FROM remit_remarks").fetchall() == [("N290",)]
    assert con.execute(
        "SELECT count(*) FROM rejected_rows WHERE resolved_by_upload = ?", [again.upload_id]
    ).fetchall() == [(2,)]


def test_remit_export_held_rows_reload(con, tmp_path):
    from audits.ingest import confirm_payer_alias, reload_rejected

    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    path = _write(
        tmp_path,
        "remits.csv",
        "Claim ID,Line,Member ID,Payer,Check Date,CPT,Billed,Paid,Group Code,Reason Code,Adj Amount\n"
        "C1,1,QX1,Aetna Choice,2024-02-01,99213,100,0,CO,16,100\n"
        "C2,1,QX2,Aetna,2024-02-01,99213,100,100,,,\n",
    )
    first = ingest_file(con, path)
    assert (first.rows_loaded, first.rows_rejected) == (1, 1)
    confirm_payer_alias(con, "Aetna Choice", "AET")
    again = reload_rejected(con)
    assert (again.kind, again.rows_loaded, again.rows_rejected) == ("remits", 1, 0)
    assert ("C1", 1, 1, "line", "CO", "16", 100) in _adjustments(con)


def test_837_held_lines_reload_after_an_alias(con, tmp_path):
    from audits.ingest import confirm_payer_alias, reload_rejected

    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET9', 'Aetna Health Plans')")
    first = ingest_file(con, _write(tmp_path, "claims.837", _837()))
    assert (first.rows_loaded, first.rows_rejected) == (0, 2)
    raw = con.execute("SELECT raw_row FROM rejected_rows").fetchall()
    assert all("QUIXOTE" not in r[0] and "QX778812" not in r[0] and "19610704" not in r[0] for r in raw)
    confirm_payer_alias(con, "AETNA", "AET9")
    again = reload_rejected(con, first.upload_id)
    assert (again.kind, again.rows_loaded, again.rows_rejected) == ("837", 2, 0)
    assert con.execute(
        "SELECT line_no, payer_id, procedure_code, patient_birth_year, patient_key IS NOT NULL FROM claim_lines ORDER BY 1"
    ).fetchall() == [(1, "AET9", "99213", 1961, True), (2, "AET9", "0001U", 1961, True)]


def test_status_labels_from_the_mapping_and_a_totals_label_in_another_column(payers, tmp_path):
    path = _write(
        tmp_path,
        "remits.csv",
        "Claim ID,Payer,Check Date,CPT,Billed,Paid,Status\n"
        "C1,Aetna,2024-02-01,99213,100,0,Zero Pay\n"
        ",Total,,,100,0,\n",
    )
    result = ingest_file(payers, path, mapping={"labels": {"claim_status": {"zero pay": "denied"}}})
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert _lines(payers)[0][2] == "denied"
    assert payers.execute("SELECT reason FROM rejected_rows").fetchall() == [
        ("totals row, not a remittance line",)
    ]
