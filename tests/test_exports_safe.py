"""Every CSV and xlsx the product writes keeps user text as text (SPEC 7): each text cell that a
spreadsheet could run (=, +, -, @, tab, CR, LF, {=) is neutralised, no xlsx cell is a formula, and
every CSV cell holding a carriage return or line feed is quoted, so no cell splits a row.

One checker is run over every writer: the findings CSV and workbook, the pre-check's checked copy
(core, CLI and page), the rejected rows download, the gate's hold report, the audit trail export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from audit_rows import NPI_A, add_credentialed_provider, open_copy

from audits import reports
from audits.precheck import check_file

DANGEROUS = [
    "=1+2",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tcmd",
    "\rcmd",
    "\ncmd",
    "{=A1}",
    '=HYPERLINK("http://example.invalid/x","click")',
    "line one\rline two",  # a bare carriage return inside a cell
    "line one\nline two",
]
STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "{=")


def _bare_breaks_outside_quotes(data: bytes) -> int:
    """Carriage returns or line feeds outside quotes that are not a CRLF row end."""
    inside, count, i = False, 0, 0
    while i < len(data):
        byte = data[i : i + 1]
        if byte == b'"':
            inside = not inside
        elif not inside and byte in (b"\r", b"\n"):
            if data[i : i + 2] == b"\r\n":
                i += 1
            else:
                count += 1
        i += 1
    return count


def assert_safe_csv(data: bytes, rows: int | None = None) -> list[list[str]]:
    assert _bare_breaks_outside_quotes(data) == 0, data[:400]
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    if rows is not None:
        assert len(parsed) == rows + 1  # the header, then one record per row: nothing split
    for record in parsed:
        for cell in record:
            if cell.startswith(STARTS):
                assert _is_number(cell), repr(cell)
    return parsed


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_safe_xlsx(data: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(STARTS), (sheet.title, cell.coordinate, cell.value)
                    values.append(cell.value)
    return values


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": [f"C{i}" for i in range(len(DANGEROUS))],
            '=HYPERLINK("http://example.invalid")': DANGEROUS,  # a header from a user's file
            "amount": [-40.5] * len(DANGEROUS),
            "seen": [dt.date(2026, 10, 1)] * len(DANGEROUS),
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_table_bytes_neutralises_header_and_cells_and_keeps_numbers(suffix):
    data = reports.table_bytes(_frame(), suffix)
    if suffix == ".csv":
        parsed = assert_safe_csv(data, rows=len(DANGEROUS))
        assert parsed[0][1] == '\'=HYPERLINK("http://example.invalid")'
        assert parsed[1][2] == "-40.5" and parsed[1][3] == "2026-10-01"
        assert [r[1] for r in parsed[1:]] == ["'" + text for text in DANGEROUS[:9]] + DANGEROUS[9:]
    else:
        values = assert_safe_xlsx(data)
        assert "'" + DANGEROUS[8] in values
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert sheet["C2"].value == -40.5 and sheet["C2"].data_type == "n"


@pytest.mark.parametrize("text", DANGEROUS[:9])
def test_neutralise_covers_every_dangerous_start(text):
    assert reports.neutralise(text) == "'" + text


@pytest.fixture
def roster_db(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con, NPI_A, "AET", "Aetna")
    return tmp_path / "audit.duckdb"


def _claims_file(tmp_path):
    rows = ['Claim ID,Rendering NPI,Payer,DOS,CPT,Note,=HYPERLINK("h")']
    for i, text in enumerate(DANGEROUS):
        quoted = '"' + text.replace('"', '""') + '"'
        rows.append(f"X{i},{NPI_A},Aetna,2026-10-15,99213,{quoted},{quoted}")
    source = tmp_path / "claims.csv"
    source.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return source


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_pre_check_copy_is_safe(roster_db, tmp_path, suffix):
    from audits.store import connect

    out = tmp_path / f"checked{suffix}"
    with connect(roster_db, read_only=True) as con:
        checked = check_file(con, _claims_file(tmp_path), out)
    assert len(checked) == len(DANGEROUS)
    if suffix == ".csv":
        parsed = assert_safe_csv(out.read_bytes(), rows=len(DANGEROUS))
        assert parsed[0][6] == '\'=HYPERLINK("h")'
    else:
        assert '\'=HYPERLINK("h")' in assert_safe_xlsx(out.read_bytes())


def test_the_cli_pre_check_copy_is_safe(roster_db, tmp_path):
    from audits.cli import main

    out = tmp_path / "out.csv"
    assert (
        main(["check", "--db", str(roster_db), "--file", str(_claims_file(tmp_path)), "--out", str(out)]) == 0
    )
    assert_safe_csv(out.read_bytes(), rows=len(DANGEROUS))


def test_the_findings_exports_are_safe(con, tmp_path):
    from test_reports import add_run

    add_run(con)
    con.execute("UPDATE findings SET detail = ? WHERE claim_id = 'C100'", ["line one\rline two"])
    reports.write_findings_csv(con, "2026-10", tmp_path / "f.csv")
    assert_safe_csv((tmp_path / "f.csv").read_bytes(), rows=3)
    reports.write_workbook(con, "2026-10", tmp_path / "f.xlsx")
    assert_safe_xlsx((tmp_path / "f.xlsx").read_bytes())


def test_the_rejected_rows_download_is_safe(con, tmp_path):
    from audits import explore
    from audits.ingest import ingest_file

    rows = ["Claim ID,Rendering NPI,Payer,DOS,CPT,Charges,Guarantor"]
    for i, text in enumerate(DANGEROUS):
        quoted = '"' + text.replace('"', '""') + '"'
        rows.append(f"R{i},{NPI_A},Nobody Health,2024-01-05,99213,1,{quoted}")
    source = tmp_path / "held.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = ingest_file(con, source)
    assert result.rows_rejected == len(DANGEROUS)
    rejected = explore.rejected_rows(con, result.upload_id)
    assert_safe_csv(reports.table_bytes(rejected), rows=len(rejected))


def test_the_gate_hold_report_is_safe(tmp_path):
    from audits.gate import HOLD_COLUMNS, write_table

    frame = pd.DataFrame([[text] * len(HOLD_COLUMNS) for text in DANGEROUS], columns=HOLD_COLUMNS)
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"held{suffix}"
        write_table(frame, out)
        if suffix == ".csv":
            assert_safe_csv(out.read_bytes(), rows=len(DANGEROUS))
        else:
            assert_safe_xlsx(out.read_bytes())
