"""One reader for a claims file to check before submission (issue 9, "one pipeline"): the batch
pre-check and the gate read a file through audits.ingest.batch.lines_to_check, so both judge the same
lines - blank rows and an export's Total / subtotal rows (whose label may sit in any column) left out.
Rows written by hand."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from audits import gate, precheck
from audits.errors import InputError
from audits.ingest.batch import lines_to_check

ROOT = Path(__file__).resolve().parent.parent
NPI = "1234567893"
HEADER = ["Claim ID", "Line", "Rendering NPI", "Payer", "Date of Service", "CPT", "POS", "Charges"]
LINES = [
    ["C1", 1, NPI, "Aetna", "10/02/2026", "99213", "11", "120.00"],
    ["C1", 2, NPI, "Aetna", "10/02/2026", "93000", "11", "45.50"],
    ["", "", "", "", "", "", "", ""],
    ["", "", "", "Subtotal", "", "", "", "165.50"],  # a subtotal labelled in the payer column
    ["C2", 1, NPI, "Aetna", "10/03/2026", "99214", "11", "160.00"],
    ["Total", "", "", "", "", "", "", "325.50"],
]


def _csv(path: Path, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_the_pre_check_and_the_gate_read_the_same_lines(tmp_path, con):
    path = _csv(tmp_path / "batch.csv", [HEADER, *LINES])
    lines = lines_to_check(path)
    assert lines.canonical["claim_id"].tolist() == ["C1", "C1", "C2"]
    assert lines.rows.row_numbers.tolist() == [2, 3, 6]  # the file's own row numbers, header on row 1
    batch = gate.read_batch(path)
    assert batch.claim_ids == ["C1", "C2"] and len(batch.columns) == 3
    checked = precheck.check_file(con, path, tmp_path / "checked.csv")
    assert checked["Claim ID"].tolist() == ["C1", "C1", "C2"]


@pytest.mark.parametrize(
    "header, lacking",
    [
        (["Claim ID", "Payer", "Date of Service", "CPT"], "rendering_npi"),
        (["Claim ID", "Rendering NPI", "Date of Service", "CPT"], "payer"),
        (["Claim ID", "Rendering NPI", "Payer", "CPT"], "date_of_service"),
    ],
)
def test_a_file_without_what_a_check_needs_is_refused_in_one_sentence(tmp_path, header, lacking):
    path = _csv(tmp_path / "batch.csv", [header, ["C1"] + [""] * (len(header) - 1)])
    for read in (lines_to_check, gate.read_batch):
        with pytest.raises(InputError, match=f"has no column for {lacking}"):
            read(path)


def test_no_second_reader_of_a_claims_file_to_check():
    for module in ("precheck.py", "gate.py"):
        text = (ROOT / "audits" / module).read_text(encoding="utf-8")
        assert not re.search(r"\b(map_columns|claims_from_sheet|sheet_rows|read_tables)\b", text), module
