"""The loader's bookkeeping across kinds: uploads rows, roster uploads, batches, progress, CLI."""

from __future__ import annotations

import pytest

from audits.cli import main
from audits.ingest import ingest_file, ingest_files
from audits.store import connect


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_roster_upload_is_recorded_with_its_snapshot_and_rejected_rows(con, tmp_path):
    providers = _write(
        tmp_path, "providers.csv", "NPI,Provider Name,Status\n1234567893,Dr A,Active\n12345,Dr Bad,Active\n"
    )
    first = ingest_file(con, providers)
    assert (first.kind, first.status, first.rows_read, first.rows_loaded, first.rows_rejected) == (
        "roster", "loaded", 2, 1, 1,
    )  # fmt: skip
    again = ingest_file(con, providers)
    assert again.status == "duplicate" and again.snapshot_id == first.snapshot_id
    uploads = con.execute(
        "SELECT kind, status, snapshot_id, rows_rejected FROM uploads ORDER BY upload_id"
    ).fetchall()
    assert uploads == [
        ("roster", "loaded", first.snapshot_id, 1),
        ("roster", "duplicate", first.snapshot_id, 0),
    ]
    rejected = con.execute("SELECT upload_id, row_number FROM rejected_rows").fetchall()
    assert rejected == [(first.upload_id, 3)]


def test_ingest_files_reports_each_file_and_keeps_going(con, tmp_path):
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    good = _write(
        tmp_path,
        "good.csv",
        "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\nC1,1234567893,Aetna,2024-01-05,99213,1\n",
    )
    empty = _write(tmp_path, "empty.csv", "")
    seen = []
    results = ingest_files(con, [empty, good], progress=lambda f, m: seen.append(f))
    assert [r.status for r in results] == ["failed", "loaded"]
    assert "empty" in results[0].message
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_cli_ingest_prints_one_line_per_file(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    with connect(db) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    claims = _write(
        tmp_path,
        "claims.csv",
        "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\nC1,1234567893,Aetna,2024-01-05,99213,1\n"
        "C2,1234567893,Nobody,2024-01-05,99213,1\n",
    )
    assert main(["ingest", "--db", str(db), str(claims), str(claims)]) == 0
    out = capsys.readouterr().out.splitlines()
    summary = [line for line in out if line.startswith("claims.csv")]
    assert summary == [
        "claims.csv\tkind=claims\tread=2\tloaded=1\trejected=1\tduplicate=no\tstatus=loaded with rows held",
        "claims.csv\tkind=claims\tread=0\tloaded=0\trejected=0\tduplicate=yes\tstatus=duplicate",
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"Notes,Other\nx,y\n", "not recognised")],
)
def test_cli_ingest_bad_file_exits_1_with_one_sentence(tmp_path, capsys, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code = main(["ingest", "--db", str(tmp_path / "cli.duckdb"), str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("Error: ") and words in err[-1] and "Traceback" not in "\n".join(err)
    with connect(tmp_path / "cli.duckdb") as con:
        assert con.execute("SELECT count(*) FROM uploads").fetchall() == [(0,)]


def test_cli_mapping_file(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    with connect(db) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    claims = _write(
        tmp_path, "odd.csv", "Ticket,Doc,Plan,Seen,Code,Amt\nT1,1234567893,Aetna,2024-01-05,99213,5\n"
    )
    mapping = _write(
        tmp_path,
        "map.json",
        '{"kind": "claims", "columns": {"claim_id": "Ticket", "rendering_npi": "Doc", "payer_name": "Plan", '
        '"date_of_service": "Seen", "procedure_code": "Code", "billed_amount": "Amt"}}',
    )
    assert main(["ingest", "--db", str(db), "--mapping", str(mapping), str(claims)]) == 0
    with connect(db) as con:
        assert con.execute("SELECT claim_id, billed_amount FROM claim_lines").fetchall() == [("T1", 5)]
        assert "Ticket" in con.execute("SELECT mapping_json FROM uploads").fetchall()[0][0]


def test_reload_of_all_held_rows_spans_kinds_and_uploads(con, tmp_path):
    from audits.ingest import confirm_payer_alias, reload_rejected

    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    claims = _write(
        tmp_path,
        "claims.csv",
        "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\nC1,1234567893,Aetna Gold,2024-01-05,99213,1\n",
    )
    remits = _write(
        tmp_path,
        "remits.csv",
        "Claim ID,Payer,Check Date,CPT,Billed,Paid\nC1,Aetna Gold,2024-02-01,99213,1,1\n",
    )
    ingest_file(con, claims)
    ingest_file(con, remits)
    confirm_payer_alias(con, "Aetna Gold", "AETNA")
    result = reload_rejected(con)
    assert (result.kind, result.rows_read, result.rows_loaded, result.rows_rejected) == ("mixed", 2, 2, 0)
    assert con.execute("SELECT count(*) FROM claim_lines").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM remit_lines").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM rejected_rows WHERE resolved_by_upload IS NULL").fetchall() == [
        (0,)
    ]


def _fake_xlsx(path):
    path.write_text("Claim ID,Payer\nC1,Acme\n", encoding="utf-8")


def _laughs(path):
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/sharedStrings.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><sst>&a;</sst>'
        )


def _truncated(path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Claim ID", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"])
    for i in range(300):
        workbook.active.append([f"C{i}", "1234567893", "Aetna", "2024-01-05", "99213", 1])
    workbook.save(path)
    path.write_bytes(path.read_bytes()[:-400])


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("fake.xlsx", _fake_xlsx),
        ("laughs.xlsx", _laughs),
        ("truncated.xlsx", _truncated),
        ("empty.csv", lambda p: p.write_bytes(b"")),
        ("binary.csv", lambda p: p.write_bytes(bytes(range(256)) * 4)),
    ],
)
def test_hostile_files_raise_one_sentence_and_load_nothing(con, tmp_path, name, make):
    from audits.errors import InputError

    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as info:
        ingest_file(con, path)
    assert "\n" not in str(info.value) and name in str(info.value)
    for table in ("uploads", "claim_lines", "remit_lines", "rejected_rows", "providers"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]


def test_cli_ingest_goes_on_after_a_bad_file_and_exits_1(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    with connect(db) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    bad = _write(tmp_path, "bad.csv", "")
    good = _write(
        tmp_path,
        "good.csv",
        "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\nC1,1234567893,Aetna,2024-01-05,99213,1\n",
    )
    assert main(["ingest", "--db", str(db), str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert "good.csv\tkind=claims\tread=1\tloaded=1" in captured.out
    assert [line for line in captured.err.splitlines() if line.startswith("Error:")] == [
        "Error: bad.csv is empty - export the file again."
    ]


def test_an_exclusion_list_upload_is_written_where_every_upload_is(con, tmp_path):
    """One place writes an upload (upload.insert_upload): an exclusion list's uploads row has its outcome
    and its trail entry like any file's, and loading the same list again is a duplicate."""
    from tests.test_exclusions import leie_row, write_leie

    path = tmp_path / "LEIE_2026-10.csv"
    write_leie(path, [leie_row(LASTNAME="ROE", FIRSTNAME="RICK", NPI="1234567893"), leie_row(LASTNAME="")])
    first = ingest_file(con, path)
    again = ingest_file(con, path)
    assert (first.kind, first.status, again.status) == ("exclusions", "loaded", "duplicate")
    rows = con.execute("SELECT kind, status, outcome, rows_loaded FROM uploads ORDER BY upload_id").fetchall()
    assert rows[0][:2] == ("exclusions", "loaded") and rows[0][2] in ("loaded", "loaded with rows held")
    assert rows[1][:3] == ("exclusions", "duplicate", "duplicate")
    trail = con.execute(
        "SELECT action FROM audit_event WHERE object LIKE 'exclusions %' ORDER BY event_id"
    ).fetchall()
    assert trail == [("upload",), ("duplicate upload",)]
