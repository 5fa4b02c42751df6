"""The analyst maps a credentialing sheet's own columns (issue 15's rescue path): the mapping's
{"sheet_columns": {sheet name: {canonical column: source header}}} reads that sheet's column as the one
chosen ("" leaves a column empty), on that sheet only, in parse_roster and in preview.explain_file; a
choice that cannot be read says so in one sentence. Hand-written rows; expected rows written by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from test_ingest_roster import NPI_A, NPI_B, PAYERS_SHEET, write_xlsx
from test_ingest_sheet_tables import PROVIDERS

from audits.errors import InputError
from audits.ingest.mapping import coerce_override
from audits.ingest.preview import explain_file
from audits.ingest.readers import read_tables
from audits.ingest.roster import parse_roster

D = dt.date

# "Qux" is a header no vocabulary knows, and it means something else on each sheet: a licence number on
# the licences sheet, the payer on the enrollments sheet. One file-wide {canonical: header} cannot say both.
LICENCES = [
    ["NPI", "Credential", "State", "Qux", "Issued", "Expires"],
    [NPI_A, "State license", "TX", "TX-1001", "2020-01-01", "2028-01-01"],
    [NPI_B, "State license", "TX", "TX-2002", "2021-03-01", "2027-06-30"],
]
ENROLLMENTS = [
    ["NPI", "Qux", "Status", "Effective", "Term"],
    [NPI_A, "Aetna", "Enrolled", "2025-01-01", ""],
    [NPI_B, "Aetna", "Enrolled", "2024-06-01", "2026-09-30"],
]


def workbook(path):
    sheets = {"Payers": PAYERS_SHEET, "Providers": PROVIDERS, "Licences": LICENCES, "Enrolled": ENROLLMENTS}
    return write_xlsx(path, sheets)


def test_each_sheet_reads_its_own_columns(tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    plain = parse_roster(read_tables(path))
    assert set(plain.frames["credentials"]["number"].dropna()) == set()  # "Qux" is not read as a number
    mapping = {
        "sheets": {"Enrolled": "enrollments"},
        "sheet_columns": {"Licences": {"number": "Qux"}, "Enrolled": {"payer": "Qux"}},
    }
    batch = parse_roster(read_tables(path), mapping)
    credentials = batch.frames["credentials"]
    assert sorted(zip(credentials["npi"], credentials["number"], strict=True)) == sorted(
        [(NPI_A, "TX-1001"), (NPI_B, "TX-2002")]
    )
    enrollments = batch.frames["enrollments"]
    assert sorted(
        zip(enrollments["npi"], enrollments["payer_name"], enrollments["termination_date"], strict=True)
    ) == sorted([(NPI_A, "Aetna", None), (NPI_B, "Aetna", D(2026, 9, 30))])


def test_a_column_set_to_not_mapped_stays_empty_on_that_sheet_only(tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    mapping = {"sheet_columns": {"Licences": {"issue_date": ""}}}
    batch = parse_roster(read_tables(path), mapping)
    assert batch.frames["credentials"]["issue_date"].isna().all()
    assert parse_roster(read_tables(path)).frames["credentials"]["issue_date"].notna().all()
    assert set(batch.frames["providers"]["provider_name"]) == {"Avery Stone", "Blair Reed"}


def test_explain_shows_the_chosen_columns_and_the_rows_under_the_header(tmp_path):
    path = workbook(tmp_path / "roster.xlsx")
    found = explain_file(path, columns={"Licences": {"number": "Qux"}}, sample_rows=5)
    licences = next(s for s in found.sheets if s.name == "Licences")
    assert {c.canonical: c.header for c in licences.columns}["number"] == "Qux"
    assert licences.headers == ["NPI", "Credential", "State", "Qux", "Issued", "Expires"]
    assert licences.sample["Qux"].tolist() == ["TX-1001", "TX-2002"]
    assert explain_file(path).sheets[2].sample is None  # no rows unless asked


@pytest.mark.parametrize(
    "mapping, words",
    [
        ({"sheet_columns": {"Nope": {"number": "Qux"}}}, "no sheet named 'Nope'"),
        ({"sheet_columns": {"Licences": {"number": "Zork"}}}, "'Zork', which is not in its header row"),
        ({"sheet_columns": {"Licences": {"claim_id": "Qux"}}}, "a credentials sheet does not have"),
        ({"sheet_columns": {"Licences": ["number"]}}, '"sheet_columns" must be an object'),
    ],
)
def test_a_sheet_column_choice_that_cannot_be_read_is_one_sentence(tmp_path, mapping, words):
    path = workbook(tmp_path / "roster.xlsx")
    with pytest.raises(InputError) as raised:
        parse_roster(read_tables(path), mapping)
    assert words in str(raised.value) and "\n" not in str(raised.value) and "--" not in str(raised.value)


def test_the_mapping_keeps_sheet_columns():
    over = coerce_override({"sheet_columns": {"Boards": {"credential_type": "Type", "number": ""}}})
    assert over.sheet_columns == {"Boards": {"credential_type": "Type", "number": ""}}
