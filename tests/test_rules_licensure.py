"""LICENSE_INVALID and BOARD_CERT_EXPIRED (category licensure, per line) - SPEC 4."""

from __future__ import annotations

import pytest
from audit_rows import (
    NPI_A,
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


@pytest.mark.parametrize(
    ("dos", "fires"),
    [("2026-10-09", True), ("2026-10-10", False), ("2026-10-15", False), ("2026-10-16", True)],
)
def test_license_issue_and_expiration_are_inclusive(acon, dos, fires):
    add_credential(acon, "state_license", "TX", expiration="2026-10-15", issue="2026-10-10")
    add_line(acon, "C1", dos=dos, state="TX")
    run_audit(acon, "2026-10")
    assert fired(acon, "LICENSE_INVALID") == ([("C1", 1)] if fires else [])


def test_license_must_be_in_the_service_state(acon):
    add_credential(acon, "state_license", "TX", expiration="2027-12-31")
    add_line(acon, "C1", state="CA")
    add_line(acon, "C2", state="tx")
    add_line(acon, "C3", state=None)  # no service state: a licence in any state will do
    run_audit(acon, "2026-10")
    assert fired(acon, "LICENSE_INVALID") == [("C1", 1)]
    assert findings(acon).query("rule_id == 'LICENSE_INVALID'").detail.iloc[0] == (
        "No CA state licence covers the date of service 2026-10-15"
    )


def test_no_licence_at_all(acon):
    add_credential(acon, "dea", "TX", expiration="2027-12-31")
    add_line(acon, "C1")
    run_audit(acon, "2026-10")
    assert fired(acon, "LICENSE_INVALID") == [("C1", 1)]


def test_licence_without_expiration_is_open(acon):
    add_credential(acon, "state_license", "TX", expiration=None)
    add_line(acon, "C1", state="TX")
    run_audit(acon, "2026-10")
    assert fired(acon, "LICENSE_INVALID") == []


@pytest.mark.parametrize(("dos", "fires"), [("2026-10-15", False), ("2026-10-16", True)])
def test_board_cert_expired(acon, dos, fires):
    add_credential(acon, "state_license", "TX", expiration="2027-12-31")
    add_credential(acon, "board_certification", "", expiration="2026-10-15")
    add_line(acon, "C1", dos=dos)
    run_audit(acon, "2026-10")
    assert fired(acon, "BOARD_CERT_EXPIRED") == ([("C1", 1)] if fires else [])
    if fires:
        assert findings(acon).query("rule_id == 'BOARD_CERT_EXPIRED'").severity.iloc[0] == "warning"


def test_no_board_certification_is_no_finding(acon):
    add_credential(acon, "state_license", "TX", expiration="2027-12-31")
    add_line(acon, "C1")
    run_audit(acon, "2026-10")
    assert fired(acon, "BOARD_CERT_EXPIRED") == []


def test_renewed_board_certification_covers(acon):
    add_credential(acon, "state_license", "TX", expiration="2027-12-31")
    add_credential(acon, "board_certification", "", expiration="2026-10-01", number="B1")
    add_credential(acon, "board_certification", "", issue="2026-10-02", expiration="2036-10-01", number="B2")
    add_line(acon, "C1")
    run_audit(acon, "2026-10")
    assert fired(acon, "BOARD_CERT_EXPIRED") == []
