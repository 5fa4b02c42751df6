"""A weak header's codes are not payer ids the database has never seen (issue 9, a class found by a fresh
probe): a remittance export's bare 'Code' column of procedure codes was read as the payer id ('payer
code' by one word, every cell an id-shaped code, none of them a known payer) while the payers were
loaded, and a batch column took the procedure. Rows written by hand (SPEC 2)."""

from __future__ import annotations

import csv
import importlib

import pytest

from audits.ingest import ingest_file

preview = importlib.import_module("audits.ingest.preview")  # the module (the package exports a function)
NPI = "1234567893"


def _csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def month(con, tmp_path):
    con.execute("INSERT INTO payers (payer_id, payer_name, aliases) VALUES ('AET', 'Aetna', NULL)")
    con.execute("INSERT INTO providers (npi, provider_name) VALUES (?, 'Ana Alvarez')", [NPI])
    claims = _csv(
        tmp_path / "claims.csv",
        [
            [
                "Claim ID",
                "Line",
                "Rendering NPI",
                "Payer",
                "Date of Service",
                "CPT",
                "POS",
                "Units",
                "Charges",
            ],
            ["CL1", 1, NPI, "Aetna", "10/02/2026", "99213", "11", 1, "120.00"],
            ["CL2", 1, NPI, "Aetna", "10/03/2026", "93000", "11", 1, "45.50"],
            ["CL3", 1, NPI, "Aetna", "10/04/2026", "99214", "11", 1, "160.00"],
        ],
    )
    ingest_file(con, claims)
    return con


@pytest.mark.parametrize("code_header", ["Code", "CODE", "Svc Code", "Item Code", "Line Code"])
@pytest.mark.parametrize("noise", [("Batch", "B700{}"), ("Ref", "A400{}"), ("Run", "E010{}")])
def test_a_weak_code_column_is_not_an_unknown_payer_id(month, tmp_path, code_header, noise):
    noise_header, noise_value = noise
    rows = [["Claim", "Ln", "Insurance", "Paid On", code_header, "Charge", "Payment", "Status", noise_header]]
    for i, (claim, cpt, billed) in enumerate([("CL1", "99213", "120.00"), ("CL2", "93000", "45.50"),
                                              ("CL3", "99214", "160.00")]):  # fmt: skip
        rows.append([claim, 1, "Aetna", "10/20/2026", cpt, billed, billed, "Paid", noise_value.format(i)])
    path = _csv(tmp_path / "remits.csv", rows)
    (found,) = preview.explain([path], month)
    mapped = {c.header: c.canonical for c in found.sheets[0].columns}
    assert mapped.get(code_header) != "payer_id"
    assert mapped.get("Insurance") == "payer_name"
    result = ingest_file(month, path)
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    assert month.execute("SELECT DISTINCT payer_id FROM remit_lines").fetchall() == [("AET",)]


def test_an_id_column_of_known_payer_ids_is_still_the_payer_id(month, tmp_path):
    path = _csv(
        tmp_path / "remits.csv",
        [
            ["Claim", "Ln", "Payer Code", "Paid On", "Charge", "Payment", "Status"],
            ["CL1", 1, "AET", "10/20/2026", "120.00", "120.00", "Paid"],
            ["CL2", 1, "AET", "10/20/2026", "45.50", "0", "Denied"],
        ],
    )
    result = ingest_file(month, path)
    assert result.rows_loaded == 2
    assert month.execute("SELECT DISTINCT payer_id FROM remit_lines").fetchall() == [("AET",)]
