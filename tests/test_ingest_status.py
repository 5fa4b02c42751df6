"""Upload status in words (issue 15): loaded / loaded with rows held / nothing loaded (held) /
failed / duplicate / undone, on the result and in the uploads table."""

from __future__ import annotations

from audits.ingest import ingest_file, ingest_files
from audits.ingest.undo import undo_upload

A = "1234567893"
HEAD = "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,Charges\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_upload_says_what_happened(con, tmp_path):
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    files = [
        _write(tmp_path, "all.csv", HEAD + f"C1,1,{A},Aetna,2024-01-05,99213,100\n"),
        _write(tmp_path, "some.csv", HEAD + f"C2,1,{A},Aetna,2024-01-05,99213,100\nC3,1,{A},Nobody,2024-01-05,99213,1\n"),
        _write(tmp_path, "none.csv", HEAD + f"C4,1,{A},Nobody,2024-01-05,99213,100\n"),
        _write(tmp_path, "empty.csv", ""),
    ]  # fmt: skip
    results = ingest_files(con, files)
    assert [r.outcome for r in results] == [
        "loaded",
        "loaded with rows held",
        "nothing loaded (held)",
        "failed",
    ]
    duplicate = ingest_file(con, files[0])
    assert duplicate.outcome == "duplicate"
    undo_upload(con, results[1].upload_id)
    assert con.execute("SELECT file_name, outcome FROM uploads ORDER BY upload_id").fetchall() == [
        ("all.csv", "loaded"),
        ("some.csv", "undone"),
        ("none.csv", "nothing loaded (held)"),
        ("all.csv", "duplicate"),
    ]
