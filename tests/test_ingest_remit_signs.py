"""Adjustment signs in a remittance export (SPEC 2; found by a fresh probe): some systems write each
adjustment as what it took off the payment, in parentheses or with a minus - '(24.00)' - where an 835's
CAS amount is positive. A file whose adjustments are all negative is read with the sign turned, and
says so; a file with any positive adjustment keeps its signs. Rows written by hand."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from audits.ingest import ingest_file

HEADER = ["Claim #", "Line", "Payer", "Paid Date", "Billed", "Paid", "Status", "CARC", "Group", "Adj Amount"]


@pytest.fixture
def payer(con):
    con.execute("INSERT INTO payers (payer_id, payer_name, aliases) VALUES ('AET', 'Aetna', NULL)")
    return con


def _load(con, tmp_path, rows):
    path = tmp_path / "remits.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    result = ingest_file(con, path)
    amounts = con.execute(
        "SELECT group_code, carc, amount FROM remit_adjustments ORDER BY carc, amount"
    ).fetchall()
    return result, amounts


@pytest.mark.parametrize("style", ["({:.2f})", "-{:.2f}", "$-{:.2f}", "(${:,.2f})", "{:.2f}-"])
def test_adjustments_all_written_negative_are_read_as_positive_and_said(payer, tmp_path, style):
    result, amounts = _load(
        payer,
        tmp_path,
        [
            ["C1", 1, "Aetna", "10/20/2026", "120.00", "96.00", "Paid", "45", "CO", style.format(24)],
            ["C2", 1, "Aetna", "10/21/2026", "250.00", "0.00", "Denied", "B7", "CO", style.format(250)],
            ["C3", 1, "Aetna", "10/22/2026", "180.00", "150.00", "Paid", "2", "PR", style.format(30)],
        ],
    )
    assert amounts == [
        ("PR", "2", Decimal("30.00")),
        ("CO", "45", Decimal("24.00")),
        ("CO", "B7", Decimal("250.00")),
    ]
    assert any("every adjustment amount in the file is negative (3 of them)" in w for w in result.warnings)


def test_a_file_with_a_positive_adjustment_keeps_its_signs(payer, tmp_path):
    result, amounts = _load(
        payer,
        tmp_path,
        [
            ["C1", 1, "Aetna", "10/20/2026", "120.00", "96.00", "Paid", "45", "CO", "24.00"],
            ["C2", 1, "Aetna", "10/21/2026", "100.00", "110.00", "Paid", "94", "OA", "(10.00)"],  # a reversal
            ["C3", 1, "Aetna", "10/22/2026", "100.00", "110.00", "Paid", "94", "OA", "(10.00)"],
        ],
    )
    assert amounts == [
        ("CO", "45", Decimal("24.00")),
        ("OA", "94", Decimal("-10.00")),
        ("OA", "94", Decimal("-10.00")),
    ]
    assert not any("negative" in w for w in result.warnings)


def test_one_negative_adjustment_alone_is_not_a_convention(payer, tmp_path):
    _result, amounts = _load(
        payer, tmp_path, [["C1", 1, "Aetna", "10/20/2026", "100.00", "110.00", "Paid", "94", "OA", "(10.00)"]]
    )
    assert amounts == [("OA", "94", Decimal("-10.00"))]
