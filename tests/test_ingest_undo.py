"""Undo (issue 15): any upload can be undone; its rows leave, what it replaced comes back, the uploads
row is kept and marked undone, and the same file can be loaded again. Refused when it would be wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from audits.cli import main
from audits.errors import InputError, NotFound
from audits.ingest import ingest_file
from audits.ingest.undo import undo_upload
from audits.store import connect

A = "1234567893"
HEAD = "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,Charges\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def aetna(con):
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    return con


def _lines(con):
    return con.execute(
        "SELECT claim_id, line_no, procedure_code, billed_amount FROM claim_lines ORDER BY 1, 2"
    ).fetchall()


def test_undo_claims_brings_back_the_lines_it_corrected_and_the_file_loads_again(aetna, tmp_path):
    first = ingest_file(aetna, _write(tmp_path, "a.csv", HEAD + f"C1,1,{A},Aetna,2024-01-05,99213,100\n"
                                      f"C2,1,{A},Aetna,2024-01-05,99213,50\n"))  # fmt: skip
    corrected = _write(tmp_path, "b.csv", HEAD + f"C1,1,{A},Aetna,2024-01-05,99214,100\n"
                       f"C3,1,{A},Aetna,2024-01-07,99213,70\nC2,1,{A},Aetna,2024-01-05,99213,50\n")  # fmt: skip
    second = ingest_file(aetna, corrected)
    assert _lines(aetna) == [("C1", 1, "99214", 100), ("C2", 1, "99213", 50), ("C3", 1, "99213", 70)]
    with pytest.raises(InputError, match=f"corrected by upload {second.upload_id}"):
        undo_upload(aetna, first.upload_id)
    undone = undo_upload(aetna, second.upload_id, undone_by="ana")
    assert (undone.rows_removed, undone.rows_restored) == (2, 1)
    # C2 was unchanged by the second upload: it belongs to the first and stays
    assert _lines(aetna) == [("C1", 1, "99213", 100), ("C2", 1, "99213", 50)]
    assert aetna.execute("SELECT count(*) FROM claim_lines_history").fetchall() == [(0,)]
    assert aetna.execute(
        "SELECT status, outcome, undone_by, undone_at IS NOT NULL FROM uploads WHERE upload_id = ?",
        [second.upload_id],
    ).fetchall() == [("undone", "undone", "ana", True)]
    assert aetna.execute("SELECT object, row_count FROM audit_event WHERE action = 'undo'").fetchall() == [
        (f"upload {second.upload_id} (claims b.csv)", 2)
    ]
    with pytest.raises(InputError, match="undone already"):
        undo_upload(aetna, second.upload_id)
    again = ingest_file(aetna, corrected)  # not a duplicate any more
    assert again.status == "loaded" and again.rows_loaded == 3
    assert _lines(aetna)[0] == ("C1", 1, "99214", 100)


def test_undo_refuses_a_duplicate_and_an_unknown_upload(aetna, tmp_path):
    path = _write(tmp_path, "a.csv", HEAD + f"C1,1,{A},Aetna,2024-01-05,99213,100\n")
    ingest_file(aetna, path)
    duplicate = ingest_file(aetna, path)
    with pytest.raises(InputError, match="duplicate and loaded nothing"):
        undo_upload(aetna, duplicate.upload_id)
    with pytest.raises(NotFound, match="no upload 99"):
        undo_upload(aetna, 99)
    assert len(_lines(aetna)) == 1


def test_undo_remits_and_835_removes_their_lines_adjustments_and_remarks(aetna, tmp_path):
    from test_ingest_remits import _835

    ingest_file(aetna, _write(tmp_path, "a.csv", HEAD + f"C1,1,{A},Aetna,2024-01-05,99213,100\n"))
    remits = _write(tmp_path, "r.csv", "Claim ID,Line,Payer,Check Date,CPT,Billed,Paid,Group Code,Reason Code,Adj Amount\n"
                    "C1,1,Aetna,2024-02-01,99213,100,80,CO,45,20\n")  # fmt: skip
    first = ingest_file(aetna, remits)
    aetna.execute(
        "INSERT INTO payer_aliases (alias_norm, alias, payer_id, source) VALUES ('AETNAHEALTH', 'AETNA HEALTH', 'AET', 'analyst')"
    )
    era = ingest_file(aetna, _write(tmp_path, "era.835", _835()))
    assert aetna.execute("SELECT count(*) FROM remit_lines").fetchall() == [(3,)]
    assert undo_upload(aetna, era.upload_id).rows_removed == 2
    assert aetna.execute("SELECT count(*) FROM remit_remarks").fetchall() == [(0,)]
    assert undo_upload(aetna, first.upload_id).rows_removed == 1
    assert aetna.execute(
        "SELECT (SELECT count(*) FROM remit_lines) + (SELECT count(*) FROM remit_adjustments)"
    ).fetchall() == [(0,)]
    assert ingest_file(aetna, remits).rows_loaded == 1


def _enrollments(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Enrollments"
    for row in [["NPI", "Payer", "Status", "Effective Date"], *rows]:
        sheet.append(row)
    workbook.save(path)
    return path


def test_undo_roster_restores_the_previous_snapshot(aetna, tmp_path):
    first = ingest_file(aetna, _enrollments(tmp_path / "e1.xlsx", [[A, "Aetna", "Enrolled", "2023-01-01"]]))
    second_file = _enrollments(tmp_path / "e2.xlsx", [[A, "Aetna", "Enrolled", "2024-03-01"]])
    second = ingest_file(aetna, second_file)
    with pytest.raises(InputError, match=f"replaced by upload {second.upload_id}"):
        undo_upload(aetna, first.upload_id)
    undone = undo_upload(aetna, second.upload_id)
    assert undone.snapshots == {"enrollments": first.snapshot_id}
    assert aetna.execute("SELECT effective_date FROM enrollments").fetchall() == [(dt.date(2023, 1, 1),)]
    assert aetna.execute(
        "SELECT snapshot_id FROM roster_current WHERE table_name = 'enrollments'"
    ).fetchall() == [(first.snapshot_id,)]
    undo_upload(aetna, first.upload_id)  # the first: the table is empty again
    assert aetna.execute("SELECT count(*) FROM enrollments").fetchall() == [(0,)]
    again = ingest_file(aetna, second_file)
    assert again.status == "loaded"
    assert aetna.execute("SELECT effective_date FROM enrollments").fetchall() == [(dt.date(2024, 3, 1),)]


def test_undo_a_reload_holds_the_rows_again(aetna, tmp_path):
    from audits.ingest.reload import confirm_payer, held_payers

    first = ingest_file(
        aetna, _write(tmp_path, "a.csv", HEAD + f"C1,1,{A},Aetna Gold,2024-01-05,99213,100\n")
    )
    (reload,) = confirm_payer(aetna, "Aetna Gold", "AET").uploads
    assert len(_lines(aetna)) == 1 and held_payers(aetna) == []
    with pytest.raises(InputError, match=f"loaded again by upload {reload.upload_id}"):
        undo_upload(aetna, first.upload_id)
    assert undo_upload(aetna, reload.upload_id).held_again == 1
    assert _lines(aetna) == [] and [h.rows for h in held_payers(aetna)] == [{"claims": 1}]
    undo_upload(aetna, first.upload_id)
    assert held_payers(aetna) == []  # an undone upload holds nothing


def test_undo_an_exclusion_list(con, tmp_path):
    leie = _write(
        tmp_path,
        "UPDATED.csv",
        "LASTNAME,FIRSTNAME,MIDNAME,BUSNAME,GENERAL,SPECIALTY,UPIN,NPI,DOB,ADDRESS,CITY,STATE,ZIP,EXCLTYPE,"
        "EXCLDATE,REINDATE,WAIVERDATE,WVRSTATE\n"
        "DOE,JANE,,,,,,0000000000,19700101,1 MAIN ST,TOWN,TX,75001,1128a1,20200101,00000000,00000000,\n",
    )
    loaded = ingest_file(con, leie, kind="exclusions")
    assert con.execute("SELECT count(*) FROM exclusion_entries").fetchall() == [(1,)]
    assert undo_upload(con, loaded.upload_id).rows_removed == 1
    assert con.execute("SELECT count(*) FROM exclusion_lists").fetchall() == [(0,)]
    assert ingest_file(con, leie, kind="exclusions").status == "loaded"


def test_cli_undo(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    with connect(db) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
        loaded = ingest_file(con, _write(tmp_path, "a.csv", HEAD + f"C1,1,{A},Aetna,2024-01-05,99213,100\n"))
    assert main(["undo", "--db", str(db), str(loaded.upload_id)]) == 0
    assert "1 claim lines removed" in capsys.readouterr().out
    assert main(["undo", "--db", str(db), str(loaded.upload_id)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: ") and "undone already" in err
