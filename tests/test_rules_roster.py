"""CREDENTIAL_EXPIRING and ENROLLMENT_PENDING_LONG (category roster, per provider, looking forward from
month_end) - SPEC 4. ENROLLMENT_TERMINATING has its own file (tests/test_rules_enrollment_terminating.py)."""

from __future__ import annotations

import pytest
from audit_rows import (
    NPI_A,
    NPI_B,
    add_credential,
    add_enrollment,
    add_line,
    add_payer,
    add_provider,
    findings,
    fired,
    open_copy,
)

from audits.runner import run_audit


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_payer(con, "BCBS", "Blue Cross")
        add_provider(con, NPI_A)
        add_enrollment(con, status="enrolled", effective="2020-01-01")
        yield con


# Month 2026-10: month_end 2026-10-31, +90 days = 2027-01-29, +91 days = 2027-01-30.
@pytest.mark.parametrize(
    ("expiration", "fires"),
    [
        ("2026-10-31", False),  # = month_end: already expired at month end, not "expiring"
        ("2026-11-01", True),
        ("2027-01-29", True),  # = month_end + 90 days
        ("2027-01-30", False),
    ],
)
def test_credential_expiring_window(acon, expiration, fires):
    add_credential(acon, "state_license", "TX", expiration=expiration)
    run_audit(acon, "2026-10")
    assert fired(acon, "CREDENTIAL_EXPIRING") == ([(NPI_A, None)] if fires else [])


@pytest.mark.parametrize("credential_type", ["state_license", "board_certification", "dea", "malpractice"])
def test_credential_expiring_types(acon, credential_type):
    add_credential(acon, credential_type, "TX", expiration="2026-12-01", number="N-9")
    add_credential(acon, "other", "TX", expiration="2026-12-01", number="O-1")
    run_audit(acon, "2026-10")
    frame = findings(acon).query("rule_id == 'CREDENTIAL_EXPIRING'")
    assert len(frame) == 1
    assert frame.detail.iloc[0].endswith("N-9 expires 2026-12-01; no renewal on file")


def test_renewal_on_file_in_same_state_silences(acon):
    add_credential(acon, "state_license", "TX", expiration="2026-12-01", number="OLD")
    add_credential(acon, "state_license", "TX", issue="2026-11-15", expiration="2028-12-01", number="NEW")
    add_credential(acon, "state_license", "CA", expiration="2026-12-01", number="CA-1")
    add_credential(acon, "state_license", "NV", issue="2026-11-15", expiration="2028-12-01", number="NV-1")
    run_audit(acon, "2026-10")
    frame = findings(acon).query("rule_id == 'CREDENTIAL_EXPIRING'")
    assert frame.detail.tolist() == ["State licence CA CA-1 expires 2026-12-01; no renewal on file"]


def test_renewal_starting_after_91_days_does_not_silence(acon):
    add_credential(acon, "dea", "TX", expiration="2026-12-01", number="D1")
    add_credential(acon, "dea", "TX", issue="2027-01-31", expiration="2029-12-01", number="D2")
    run_audit(acon, "2026-10")
    assert len(fired(acon, "CREDENTIAL_EXPIRING")) == 1


def test_one_finding_per_credential_and_only_active_providers(acon):
    add_credential(acon, "state_license", "TX", expiration="2026-12-01", number="L1")
    add_credential(acon, "dea", "TX", expiration="2026-12-01", number="D1")
    add_provider(acon, NPI_B, status="inactive")
    add_credential(acon, "state_license", "TX", expiration="2026-12-01", npi=NPI_B)
    run_audit(acon, "2026-10")
    assert fired(acon, "CREDENTIAL_EXPIRING") == [(NPI_A, None), (NPI_A, None)]


def test_provider_finding_amount_is_billed_over_90_days(acon):
    add_credential(acon, "state_license", "TX", expiration="2026-12-01")
    # the 90 days up to month_end are 2026-08-03 .. 2026-10-31
    add_line(acon, "C1", dos="2026-08-02", billed=1000)
    add_line(acon, "C2", dos="2026-08-03", billed=200)
    add_line(acon, "C3", dos="2026-10-31", billed=30, payer="BCBS")
    add_line(acon, "C4", dos="2026-11-01", billed=4000)
    run_audit(acon, "2026-10")
    frame = findings(acon).query("rule_id == 'CREDENTIAL_EXPIRING'")
    assert frame.amount_at_risk.tolist() == [230]
    assert frame.claim_id.isna().all() and frame.payer_id.isna().all()


@pytest.mark.parametrize(("submitted", "fires"), [("2026-08-01", True), ("2026-08-02", False)])
def test_enrollment_pending_long(acon, submitted, fires):
    # month_end - submitted_date: 2026-10-31 - 2026-08-01 = 91 days (> 90), - 2026-08-02 = 90 days
    add_enrollment(acon, payer="BCBS", status="pending", submitted=submitted)
    run_audit(acon, "2026-10")
    assert fired(acon, "ENROLLMENT_PENDING_LONG") == ([(NPI_A, "BCBS")] if fires else [])


def test_enrollment_pending_long_one_per_payer_amount_with_that_payer(acon):
    add_enrollment(acon, payer="BCBS", status="pending", submitted="2026-03-01")
    add_enrollment(acon, payer="BCBS", status="pending", submitted="2026-05-01")
    add_enrollment(acon, payer="AET", status="pending", submitted=None)  # a data problem, not a finding
    add_line(acon, "C1", payer="BCBS", billed=70)
    add_line(acon, "C2", payer="AET", billed=500)
    run_audit(acon, "2026-10")
    frame = findings(acon).query("rule_id == 'ENROLLMENT_PENDING_LONG'")
    assert frame.payer_id.tolist() == ["BCBS"]
    assert frame.amount_at_risk.tolist() == [70]
    assert frame.detail.iloc[0] == (
        "Blue Cross enrollment pending since 2026-03-01, more than 90 days before month end"
    )
