"""The analyst tells a credentialing sheet which table it is (SPEC 2; issue 15's rescue path): the mapping's
{"sheets": {sheet name: table}} reads that sheet as the table chosen, "skip" leaves it out, and a choice
that cannot be read says so in one sentence. The workbooks are a few hand-written rows; the expected rows
are written out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from test_ingest_roster import NPI_A, NPI_B, PAYERS_SHEET, rows, write_xlsx

from audits.errors import InputError
from audits.ingest import ingest_file
from audits.ingest.mapping import coerce_override
from audits.ingest.preview import explain_file
from audits.ingest.readers import read_tables
from audits.ingest.roster import parse_roster

D = dt.date

PROVIDERS = [
    ["NPI", "Provider Name", "Specialty"],
    [NPI_A, "Avery Stone", "Cardiology"],
    [NPI_B, "Blair Reed", "FP"],
]
# Board certifications in a layout that reads like an enrollment sheet: the certifying board sits where a
# payer would, "Status" and a start/end pair beside it.
BOARDS = [
    ["NPI", "Type", "Carrier", "Status", "Start", "End"],
    [NPI_A, "Board certification", "ABIM", "Active", "2020-01-01", "2030-01-01"],
    [NPI_B, "Board certification", "ABFM", "Active", "2019-05-01", "2026-09-30"],
]


def workbook(path, **extra):
    return write_xlsx(path, {"Payers": PAYERS_SHEET, "Providers": PROVIDERS, "Boards": BOARDS, **extra})


def test_a_sheet_read_as_the_table_the_analyst_chose(tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    # as read, the board certifications pass for enrollments with the board as their payer
    assert {s.name: s.kind for s in parse_roster(read_tables(path)).sheets}["Boards"] == "enrollments"
    batch = parse_roster(read_tables(path), {"sheets": {"Boards": "credentials"}})
    credentials = batch.frames["credentials"]
    assert sorted(zip(credentials["npi"], credentials["expiration_date"], strict=True)) == sorted(
        [(NPI_A, D(2030, 1, 1)), (NPI_B, D(2026, 9, 30))]
    )
    assert set(credentials["credential_type"]) == {"board_certification"}
    assert "enrollments" not in batch.frames  # nothing of Boards went to enrollments
    assert {s.name: s.kind for s in batch.sheets}["Boards"] == "credentials"


def test_skip_leaves_a_sheet_out_and_the_others_load(tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    batch = parse_roster(read_tables(path), {"sheets": {"Boards": "skip"}})
    assert "Boards" in batch.ignored_sheets
    assert sorted(batch.frames["providers"]["npi"]) == sorted([NPI_A, NPI_B])
    assert "credentials" not in batch.frames and "enrollments" not in batch.frames


def test_a_choice_that_cannot_be_read_says_so(tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    with pytest.raises(InputError, match="'Payers' looks like a credentials sheet but has no"):
        parse_roster(read_tables(path), {"sheets": {"Payers": "credentials"}})
    with pytest.raises(InputError, match="no sheet named 'Bords'"):
        parse_roster(read_tables(path), {"sheets": {"Bords": "credentials"}})
    with pytest.raises(InputError, match="unknown tables claims"):
        coerce_override({"sheets": {"Boards": "claims"}})


def test_a_long_sheet_set_as_a_tracker_warns_and_loads_as_providers(tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    batch = parse_roster(read_tables(path), {"sheets": {"Providers": "tracker", "Boards": "skip"}})
    assert sorted(batch.frames["providers"]["npi"]) == sorted([NPI_A, NPI_B])
    assert any("'Providers'" in w and "wide tracker" in w for w in batch.warnings)


def test_the_loader_and_the_preview_honour_the_choice(con, tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    found = explain_file(path, con, tables={"Boards": "credentials", "Payers": "skip"})
    kinds = {s.name: s.kind for s in found.sheets}
    assert kinds["Boards"] == "credentials" and kinds["Payers"] is None
    result = ingest_file(con, path, mapping={"columns": {}, "sheets": {"Boards": "credentials"}})
    assert result.status == "loaded"
    assert rows(con, "SELECT npi, credential_type, expiration_date FROM credentials ORDER BY npi") == sorted(
        [(NPI_A, "board_certification", D(2030, 1, 1)), (NPI_B, "board_certification", D(2026, 9, 30))]
    )
    assert rows(con, "SELECT count(*) FROM enrollments") == [(0,)]
