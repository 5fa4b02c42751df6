"""Numbered claim columns written by position instead of by number (issue 9, a class found by a fresh
probe): the CMS-1500 letters its diagnoses A-L (box 21), exports copy it ('Diagnosis A', 'Dx B',
'ICD C'), modifiers come as 'Modifier A'..'D', and diagnoses as 'Primary Dx' / 'Secondary Dx'. Each is
that numbered column, never the list column its words also fit. Rows are written by hand (SPEC 2)."""

from __future__ import annotations

import csv
import itertools

import pytest
from test_ingest_recognise_classes import _frame

from audits.ingest import ingest_file
from audits.ingest.roster.sheets import classify_sheet

NPI = "1234567893"


def _write(tmp_path, headers, rows):
    path = tmp_path / "charges.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def _lines(con):
    return con.execute(
        "SELECT claim_id, modifier_1, modifier_2, diagnosis_1, diagnosis_2, diagnosis_3 FROM claim_lines "
        "ORDER BY claim_id"
    ).fetchall()


@pytest.fixture
def payer(con):
    con.execute("INSERT INTO payers (payer_id, payer_name, aliases) VALUES ('AET', 'Aetna', NULL)")
    return con


BASE = ["Claim ID", "Line", "Rendering NPI", "Payer", "Date of Service", "CPT", "POS", "Units", "Charges"]


def _row(claim, *rest):
    return [claim, 1, NPI, "Aetna", "10/02/2026", "99213", "11", 1, "120.00", *rest]


def test_lettered_diagnoses_and_modifiers_are_their_numbered_columns(payer, tmp_path):
    path = _write(
        tmp_path,
        [*BASE, "Modifier A", "Modifier B", "Diagnosis A", "Diagnosis B", "Diagnosis C"],
        [_row("C1", "25", "59", "I10", "E11.9", "J06.9"), _row("C2", "25", "", "R07.9", "", "")],
    )
    result = ingest_file(payer, path)
    assert (result.kind, result.rows_loaded) == ("claims", 2)
    assert _lines(payer) == [
        ("C1", "25", "59", "I10", "E119", "J069"),
        ("C2", "25", None, "R079", None, None),
    ]


def test_primary_and_secondary_diagnosis_are_the_first_and_second(payer, tmp_path):
    path = _write(
        tmp_path,
        [*BASE, "Primary Dx", "Secondary Dx", "Tertiary Dx"],
        [_row("C1", "I10", "E11.9", "J06.9"), _row("C2", "R07.9", "", "")],
    )
    ingest_file(payer, path)
    rows = [r[3:] for r in _lines(payer)]
    assert rows == [("I10", "E119", "J069"), ("R079", None, None)]


def test_a_letter_after_another_word_is_not_a_position(payer, tmp_path):
    # 'Plan A' is a payer column's header with a letter; 'Reason Code C' is not a claims column: the
    # letter turns no column into a numbered one outside diagnoses and modifiers
    path = _write(
        tmp_path,
        [
            "Claim ID",
            "Line",
            "Rendering NPI",
            "Plan A",
            "Date of Service",
            "CPT",
            "POS",
            "Units",
            "Charges",
            "Dx",
        ],
        [["C1", 1, NPI, "Aetna", "10/02/2026", "99213", "11", 1, "120.00", "I10"]],
    )
    result = ingest_file(payer, path)
    assert result.rows_loaded == 1
    assert payer.execute("SELECT payer_id, diagnosis_1 FROM claim_lines").fetchall() == [("AET", "I10")]


SPELLINGS = {
    "diagnosis": [
        "Diagnosis {L}",
        "Dx {L}",
        "DX_{L}",
        "ICD {L}",
        "Diag Code {L}",
        "diagnosis{L}",
        "ICD-10 {L}",
    ],
    "modifier": ["Modifier {L}", "Mod {L}", "MOD_{L}", "Modifier ({L})"],
}


@pytest.mark.parametrize("dx, mod", list(itertools.product(SPELLINGS["diagnosis"], SPELLINGS["modifier"])))
def test_generated_lettered_spellings_load_the_same(payer, tmp_path, dx, mod):
    headers = [*BASE, mod.format(L="A"), mod.format(L="B"), *(dx.format(L=letter) for letter in "ABC")]
    path = _write(tmp_path, headers, [_row("C1", "25", "59", "I10", "E11.9", "J06.9")])
    ingest_file(payer, path)
    assert _lines(payer) == [("C1", "25", "59", "I10", "E119", "J069")]


@pytest.mark.parametrize(
    "header", ["Taxonomy Description", "TAXONOMY_CLASSIFICATION", "Taxonomy Display Name"]
)
def test_a_taxonomy_description_is_the_specialty_and_the_code_stays_the_code(header):
    # NUCC's code set names each taxonomy code's classification: rosters copy it as the specialty
    found = classify_sheet(
        _frame(
            ["NPI", "Provider Name", "Taxonomy Code", header],
            [NPI, "Ana Alvarez", "207Q00000X", "Family Medicine"],
            ["1111111112", "Ben Brooks", "207RC0000X", "Cardiovascular Disease"],
        )
    )
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert found.chosen.kind == "providers"
    assert columns["specialty"] == header and columns["taxonomy_code"] == "Taxonomy Code"
