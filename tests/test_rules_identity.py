"""INVALID_NPI and UNKNOWN_PROVIDER (SPEC 4): exclusive, on every line whatever the roster says."""

from __future__ import annotations

import pytest
from audit_rows import (
    NPI_A,
    NPI_B,
    add_credentialed_provider,
    add_line,
    add_paid_history,
    findings,
    fired,
    open_copy,
)

from audits.runner import run_audit


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con, NPI_A)
        yield con


@pytest.mark.parametrize(
    ("npi", "detail"),
    [
        ("", "Rendering NPI is missing"),
        ("123456789", "Rendering NPI '123456789' is not 10 digits"),
        ("12345678930", "Rendering NPI '12345678930' is not 10 digits"),
        ("12345678AB", "Rendering NPI '12345678AB' is not 10 digits"),
        ("1234567890", "Rendering NPI 1234567890 fails the NPI check digit"),
        ("1234567894", "Rendering NPI 1234567894 fails the NPI check digit"),
    ],
)
def test_invalid_npi_fires_and_excludes_unknown_provider(acon, npi, detail):
    add_line(acon, "C1", npi=npi)
    run_audit(acon, "2026-10")
    frame = findings(acon)
    assert frame.rule_id.tolist() == ["INVALID_NPI"]
    assert frame.detail.iloc[0] == detail
    assert frame.amount_at_risk.iloc[0] == 100


@pytest.mark.parametrize("npi", [NPI_A, "1111111112", "2222222228", "4444444440"])
def test_valid_check_digits_pass(acon, npi):
    add_line(acon, "C1", npi=npi)
    run_audit(acon, "2026-10")
    assert fired(acon, "INVALID_NPI") == []


def test_unknown_provider_is_a_valid_npi_not_in_roster(acon):
    add_line(acon, "C1", npi=NPI_B)
    add_line(acon, "C2", npi=NPI_A)
    run_audit(acon, "2026-10")
    assert fired(acon, "UNKNOWN_PROVIDER") == [("C1", 1)]
    assert fired(acon, "INVALID_NPI") == []
    # the provider rules do not judge an unknown provider's line
    assert set(findings(acon).query("claim_id == 'C1'").rule_id) == {"UNKNOWN_PROVIDER"}


def test_clean_line_has_no_finding(acon):
    add_paid_history(acon, NPI_A)  # the combination was paid before: nothing new to review
    add_line(acon, "C1", npi=NPI_A, state="TX", diagnoses=("I10", "E11.9"), modifiers=("25",))
    run_audit(acon, "2026-10")
    assert findings(acon).empty
