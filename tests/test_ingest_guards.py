"""Plausibility guards (issue 9): one sentence each, at and around each threshold; nothing blocked."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from audits.cli import main
from audits.ingest import ingest_file
from audits.ingest.guards import audit_month, held_share, roster_removals
from audits.runner import run_audit
from audits.store import connect

A, B = "1234567893", "1245319599"
HEAD = "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,Charges\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _providers(tmp_path, name, npis):
    names = ["Ann Able MD", "Ben Best DO", "Cat Cole NP", "Dan Dale PA"]
    rows = "".join(f"{npi},{names[i]},Active\n" for i, npi in enumerate(npis))
    return _write(tmp_path, name, "NPI,Provider Name,Status\n" + rows)


def test_removal_share_alone():
    old = {(str(i),) for i in range(10)}
    assert roster_removals({"providers": old}, {"providers": set(list(old)[:5])}) == []  # exactly half
    (sentence,) = roster_removals({"providers": old}, {"providers": set(list(old)[:4])})
    assert (
        sentence.startswith("This upload removes 6 of the 10 current providers (60%)") and "check" in sentence
    )
    assert roster_removals({"providers": set()}, {"providers": set()}) == []  # a first roster
    assert roster_removals({"providers": old}, {}) == []  # a table the upload does not carry


def test_a_roster_upload_removing_more_than_half_of_a_table_says_so(con, tmp_path):
    four = ["1234567893", "1245319599", "1003000126", "1356474738"]
    first = ingest_file(con, _providers(tmp_path, "p4.csv", four))
    assert first.checks == []
    half = ingest_file(con, _providers(tmp_path, "p2.csv", four[:2]))
    assert half.status == "loaded" and half.checks == []  # 2 of 4 removed: exactly half
    ingest_file(con, _providers(tmp_path, "p4b.csv", four + []))  # all four again (a new snapshot)
    most = ingest_file(con, _providers(tmp_path, "p1.csv", four[:1]))
    assert most.status == "loaded" and con.execute("SELECT count(*) FROM providers").fetchall() == [(1,)]
    assert most.checks == [
        "This upload removes 3 of the 4 current providers (75%) - check that the file lists all of them, "
        "not an extract or another practice's list."
    ]
    assert most.checks[0] in most.warnings


def test_held_share_alone():
    assert held_share(5, 1) == []  # a fifth exactly
    assert held_share(0, 0) == [] and held_share(5, 0) == []
    (sentence,) = held_share(5, 2, unknown_payer_rows=2)
    assert sentence.startswith("2 of the 5 rows (40%) were held or rejected") and "payer" in sentence
    (other,) = held_share(10, 3, unknown_payer_rows=1)
    assert "reasons of the rejected rows" in other


@pytest.mark.parametrize(("held", "warned"), [(0, False), (1, False), (2, True)])
def test_an_upload_with_more_than_a_fifth_held_says_so(con, tmp_path, held, warned):
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    rows = [f"C{i},1,{A},{'Nobody' if i < held else 'Aetna'},2024-01-05,99213,10\n" for i in range(5)]
    result = ingest_file(con, _write(tmp_path, "c.csv", HEAD + "".join(rows)))
    assert result.rows_rejected == held
    assert bool(result.checks) == warned
    if warned:
        assert result.checks == [
            "2 of the 5 rows (40%) were held or rejected, most for a payer the roster does not know - "
            "check the payer names held and the payers sheet."
        ]


def _roster(path):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in {
        "Providers": [["NPI", "Provider Name", "Status"], [A, "Dr Ann", "Active"], [B, "Dr Ben", "Active"]],
        "Payers": [["Payer ID", "Payer Name"], ["AET", "Aetna"]],
        "Enrollments": [["NPI", "Payer", "Status", "Effective Date"], [A, "Aetna", "Enrolled", "2020-01-01"]],
    }.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    ("lines_of_b", "lines", "warned"), [(1, 3, False), (2, 3, True), (2, 6, False), (3, 6, True)]
)
def test_a_month_with_more_than_a_third_of_lines_not_enrolled_says_so(
    con, tmp_path, lines_of_b, lines, warned
):
    ingest_file(con, _roster(tmp_path / "roster.xlsx"))
    rows = [f"C{i},1,{B if i < lines_of_b else A},Aetna,2024-01-{i + 5:02d},99213,10\n" for i in range(lines)]
    ingest_file(con, _write(tmp_path, "c.csv", HEAD + "".join(rows)))
    run_audit(con, "2024-01")
    found = audit_month(con, "2024-01")
    assert bool(found) == warned
    if warned:
        share = round(100 * lines_of_b / lines)
        assert found == [
            f"{lines_of_b} of the {lines} lines of 2024-01 ({share}%) carry an enrollment finding - check that the "
            "roster's enrollments loaded whole (payer names resolved, effective and termination dates read) "
            "before trusting this audit."
        ]


def test_a_month_whose_lines_are_all_held_is_never_a_silent_empty_audit(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    claims = _write(
        tmp_path, "c.csv", HEAD + f"C1,1,{A},Aetna,2024-01-05,99213,10\nC2,1,{A},Aetna,2024-02-05,99213,10\n"
    )
    assert main(["ingest", "--db", str(db), str(claims)]) == 0
    assert "check: 2 of the 2 rows (100%) were held or rejected" in capsys.readouterr().out
    assert main(["run", "--db", str(db), "--month", "2024-01"]) == 0
    out = capsys.readouterr().out
    assert (
        "check: No claim line of 2024-01 is loaded, while 1 are held for a payer the roster does not know"
        in out
    )
    with connect(db) as con:
        assert audit_month(con, "2024-03") == []  # nothing held for that month: nothing to say
