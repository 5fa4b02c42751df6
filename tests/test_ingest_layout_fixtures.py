"""Each researched layout (tests/fixtures/layouts/, README there) loads into the canonical rows written
here by hand from the fixture file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from audits.ingest import ingest_file

HERE = Path(__file__).parent / "fixtures" / "layouts"
D = dt.date
M = Decimal

CLAIM_COLUMNS = "claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code, modifier_1, pos, units, billed_amount, diagnosis_1"
EXPECTED_CLAIMS = {
    "tuva_medical_claim.csv": [
        ("T100", 1, "1234567893", "AET", D(2026, 10, 2), "99213", "25", "11", 1.0, M("120.00"), "I10"),
        ("T100", 2, "1234567893", "AET", D(2026, 10, 2), "93000", None, "11", 1.0, M("45.50"), "I10"),
        ("T101", 1, "1111111112", "MCR", D(2026, 10, 5), "99204", None, "22", 1.0, M("250.00"), "R079"),
    ],
    "synthea_claims_transactions.csv": [
        ("S200", 1, "1234567893", "AET", D(2026, 10, 7), "99214", None, "11", 1.0, M("130.00"), None),
        ("S200", 2, "1234567893", "AET", D(2026, 10, 7), "87880", "QW", "11", 1.0, M("25.00"), None),
        ("S201", 1, "1111111112", "CIG", D(2026, 10, 8), "99212", None, "11", 1.0, M("90.00"), None),
    ],
    "cclf_claim_lines.csv": [
        ("100000000001", 1, "1234567893", "MCR", D(2026, 10, 12), "99213", None, "11", 1.0, M("115.00"), "I10"),
        ("100000000001", 2, "1234567893", "MCR", D(2026, 10, 12), "G0439", None, "11", 1.0, M("175.00"), "Z0000"),
        ("100000000002", 1, "1111111112", "MCR", D(2026, 10, 14), "93010", "26", "22", 1.0, M("40.00"), "R079"),
    ],
    "openemr_billing.csv": [
        ("5001", 1, "1234567893", "AET", D(2026, 10, 15), "99213", None, None, 1.0, M("110.00"), "I10"),
        ("5001", 2, "1234567893", "AET", D(2026, 10, 15), "81002", None, None, 1.0, M("12.00"), "R300"),
        ("5002", 1, "1111111112", "CIG", D(2026, 10, 16), "99203", None, None, 1.0, M("160.00"), "M545"),
    ],
    "apcd_medical_claim.csv": [
        ("A300", 1, "1111111112", "CIG", D(2026, 10, 20), "99214", None, "11", None, M("150.00"), "I10"),
        ("A300", 2, "1111111112", "CIG", D(2026, 10, 20), "36415", None, "11", None, M("10.00"), "I10"),
    ],
    # held-out layouts of session 2 (the probe): NextGen EPM report, Epic Clarity, athenaOne data model
    "nextgen_epm_charges.csv": [
        ("N700", 1, "1234567893", "AET", D(2026, 10, 2), "99213", "25", "11", 1.0, M("120.00"), "I10"),
        ("N700", 2, "1234567893", "AET", D(2026, 10, 2), "93000", None, "11", 1.0, M("45.50"), "I10"),
        ("N701", 1, "1111111112", "MCR", D(2026, 10, 5), "99204", None, "22", 1.0, M("250.00"), "R079"),
    ],
    "epic_clarity_transactions.csv": [
        ("80001", 1, "1234567893", "AET", D(2026, 10, 7), "99214", None, "11", 1.0, M("130.00"), "J069"),
        ("80001", 2, "1234567893", "AET", D(2026, 10, 7), "87880", "QW", "11", 1.0, M("25.00"), "J069"),
        ("80002", 1, "1111111112", "CIG", D(2026, 10, 8), "99212", None, "11", 1.0, M("90.00"), "J029"),
    ],
    "athena_claim_api.csv": [
        ("A900", 1, "2222222228", "AET", D(2026, 10, 7), "99392", None, "11", 1.0, M("180.00"), "Z00129"),
        ("A900", 2, "2222222228", "AET", D(2026, 10, 7), "90460", "25", "11", 2.0, M("60.00"), "Z23"),
        ("A901", 1, "2222222228", "CIG", D(2026, 10, 14), "99213", None, "11", 1.0, M("120.00"), "J029"),
    ],
    "cms_style_claims.csv": [
        ("M400", 1, "1234567893", "MCR", D(2026, 10, 21), "99215", None, "11", 1.0, M("210.00"), None),
        ("M401", 1, "2222222228", "MCR", D(2026, 10, 22), "99392", None, "11", 1.0, M("180.00"), None),
    ],
}  # fmt: skip
EXPECTED_REMITS = {
    "officeemr_denials.csv": (
        [("T100", None, "AET", "paid", D(2026, 10, 28), M("120.00"), M("96.00")),
         ("T101", None, "MCR", "denied", D(2026, 10, 30), M("250.00"), M("0.00"))],
        [("CO", "45", M("24.00")), ("CO", "B7", M("250.00"))],
    ),
    "waystar_denials.csv": (
        [("W500", 1, "AET", "denied", D(2026, 11, 3), M("120.00"), M("0.00")),
         ("W501", 1, "CIG", "paid", D(2026, 10, 30), M("120.00"), M("96.00"))],
        [("CO", "45", M("24.00")), ("CO", "B7", M("120.00"))],
    ),
    "drchrono_remits.csv": (
        [("D300", 1, "MCR", "paid", D(2026, 10, 21), M("180.00"), M("150.00")),
         ("D301", 1, "AET", "denied", D(2026, 10, 30), M("120.00"), M("0.00"))],
        [("CO", "16", M("120.00")), ("PR", "2", M("30.00"))],
    ),
    "era_style_remit.csv": (
        [("S200", 1, "AET", "paid", D(2026, 11, 2), M("130.00"), M("104.00")),
         ("S201", 1, "CIG", "denied", D(2026, 11, 3), M("90.00"), M("0.00"))],
        [("CO", "16", M("90.00")), ("CO", "45", M("26.00"))],
    ),
}  # fmt: skip
EXPECTED_ROSTER = {
    "synthea_payers.csv": {"payers": [("AET", "Aetna"), ("CIG", "Cigna Health"), ("MCR", "Medicare")]},
    "nppes_providers.csv": {
        "providers": [("1111111112", "BEN BROOKS", "207RC0000X", "active"), ("1234567893", "ANA ALVAREZ", "207Q00000X", "active")]
    },
    "caqh_credentials.csv": {
        "credentials": [
            ("1111111112", "dea", "AB1234563", "TX", None, D(2027, 6, 30)),
            ("1111111112", "state_license", "M1002", "TX", D(2023, 1, 1), D(2026, 9, 30)),
            ("1234567893", "state_license", "M1001", "TX", D(2024, 1, 1), D(2027, 12, 31)),
        ]
    },
    "pecos_enrollment.csv": {
        "enrollments": [
            ("1111111112", "MCR", "terminated", None, D(2024, 3, 1), D(2026, 6, 30)),
            ("1234567893", "AET", "pending", None, None, None),
            ("1234567893", "MCR", "enrolled", None, D(2020, 1, 1), None),
        ]
    },
    "medallion_enrollments.csv": {
        "enrollments": [
            ("1111111112", "CIG", "pending", D(2026, 5, 1), None, None),
            ("1234567893", "AET", "enrolled", None, D(2020, 1, 1), None),
            ("1234567893", "MCR", "terminated", None, D(2019, 1, 1), D(2026, 10, 15)),
        ]
    },
    "delegated_scope.csv": {
        "service_scope": [("1234567893", "*", "99202", "99215", True), ("1234567893", "AET", "93000", "93010", False)]
    },
    "expirables_tracker.csv": {
        "providers": [("1111111112", "Brooks, Ben", None, "active"), ("1234567893", "Alvarez, Ana", None, "active")],
        "credentials": [
            ("1111111112", "state_license", "M1002", "TX", None, D(2026, 9, 30)),
            ("1234567893", "board_certification", "ABFM", None, None, D(2028, 12, 31)),
            ("1234567893", "dea", "AA1234563", None, None, D(2026, 11, 30)),
            ("1234567893", "state_license", "M1001", "TX", None, D(2027, 12, 31)),
        ],
    },
}  # fmt: skip
ROSTER_COLUMNS = {
    "payers": "payer_id, payer_name",
    "providers": "npi, provider_name, taxonomy_code, status",
    "credentials": "npi, credential_type, number, state, issue_date, expiration_date",
    "enrollments": "npi, payer_id, status, submitted_date, effective_date, termination_date",
    "service_scope": "npi, payer_id, code_from, code_to, approved",
}


def _rows(con, sql):
    return sorted(con.execute(sql).fetchall(), key=lambda r: tuple("" if v is None else str(v) for v in r))


@pytest.fixture
def with_payers(con):
    result = ingest_file(con, HERE / "synthea_payers.csv")
    assert result.kind == "roster" and result.rows_rejected == 0
    return con


@pytest.mark.parametrize("name", sorted(EXPECTED_CLAIMS))
def test_researched_claims_layouts_load_into_the_rows_written_by_hand(with_payers, name):
    result = ingest_file(with_payers, HERE / name)
    assert (result.kind, result.rows_rejected) == ("claims", 0), result.message
    assert _rows(with_payers, f"SELECT {CLAIM_COLUMNS} FROM claim_lines") == EXPECTED_CLAIMS[name]  # noqa: S608


@pytest.mark.parametrize("name", sorted(EXPECTED_REMITS))
def test_researched_remittance_layouts_load_into_the_rows_written_by_hand(with_payers, name):
    result = ingest_file(with_payers, HERE / name)
    assert (result.kind, result.rows_rejected) == ("remits", 0), result.message
    lines, adjustments = EXPECTED_REMITS[name]
    found = _rows(
        with_payers,
        "SELECT claim_id, line_no, payer_id, claim_status, adjudication_date, billed_amount, paid_amount FROM remit_lines",
    )
    assert found == lines
    assert _rows(with_payers, "SELECT group_code, carc, amount FROM remit_adjustments") == adjustments


@pytest.mark.parametrize("name", sorted(EXPECTED_ROSTER))
def test_researched_roster_layouts_load_into_the_rows_written_by_hand(with_payers, name):
    result = ingest_file(with_payers, HERE / name)
    assert result.kind == "roster", result.message
    for table, rows in EXPECTED_ROSTER[name].items():
        assert _rows(with_payers, f"SELECT {ROSTER_COLUMNS[table]} FROM {table}") == rows, table  # noqa: S608
