"""ENROLLMENT_TERMINATING (SPEC 4, per provider, looking forward from month_end): an `enrolled` row with
month_end < termination_date <= month_end + 90 days, and no other row for (npi, payer) covering
termination_date + 1 day; one finding per (npi, payer). Hand-written rows, month 2026-10:
month_end 2026-10-31, + 90 days = 2027-01-29."""

from __future__ import annotations

import pytest
from audit_rows import (
    NPI_A,
    NPI_B,
    add_enrollment,
    add_line,
    add_payer,
    add_provider,
    findings,
    fired,
    open_copy,
)

from audits.runner import run_audit

RULE = "ENROLLMENT_TERMINATING"


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_payer(con, "BCBS", "Blue Cross")
        add_provider(con, NPI_A)
        yield con


@pytest.mark.parametrize(
    ("termination", "fires"),
    [
        ("2026-10-31", False),  # = month_end: ended already, AFTER_TERMINATION's business
        ("2026-11-01", True),
        ("2027-01-29", True),  # = month_end + 90 days
        ("2027-01-30", False),
    ],
)
def test_window_after_month_end(acon, termination, fires):
    add_enrollment(acon, status="enrolled", effective="2024-01-01", termination=termination)
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == ([(NPI_A, "AET")] if fires else [])


def test_open_ended_enrollment_does_not_fire(acon):
    add_enrollment(acon, status="enrolled", effective="2024-01-01", termination=None)
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == []


@pytest.mark.parametrize(
    ("status", "effective", "termination", "fires"),
    [
        ("enrolled", "2026-12-02", None, False),  # renewal starts the day after: covered
        ("enrolled", "2026-12-03", None, True),  # a one-day gap
        ("terminated", "2026-12-01", "2027-06-30", False),  # a terminated row covers its own range
        ("enrolled", "2026-12-02", "2026-12-01", True),  # ends before it starts: covers nothing
        ("pending", None, None, True),  # a pending application never covers
        ("denied", None, None, True),
    ],
)
def test_another_row_covering_the_next_day_silences(acon, status, effective, termination, fires):
    add_enrollment(acon, status="enrolled", effective="2024-01-01", termination="2026-12-01")
    add_enrollment(acon, status=status, effective=effective, termination=termination, submitted="2026-09-01")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == ([(NPI_A, "AET")] if fires else [])


def test_only_enrolled_rows_count_and_only_active_providers(acon):
    # a `terminated` row ending in the window is already known to end: not this rule
    add_enrollment(acon, status="terminated", effective="2024-01-01", termination="2026-11-15")
    add_provider(acon, NPI_B, status="inactive")
    add_enrollment(acon, NPI_B, status="enrolled", effective="2024-01-01", termination="2026-11-15")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == []


def test_another_payers_row_does_not_cover(acon):
    add_enrollment(acon, payer="AET", status="enrolled", effective="2024-01-01", termination="2026-12-01")
    add_enrollment(acon, payer="BCBS", status="enrolled", effective="2024-01-01", termination=None)
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == [(NPI_A, "AET")]


def test_one_finding_per_provider_and_payer_with_the_earliest_gap(acon):
    # two gaps with the same payer (an end on 11-20, a new row from 11-25 ending 12-15): one finding
    add_enrollment(acon, status="enrolled", effective="2024-01-01", termination="2026-11-20")
    add_enrollment(acon, status="enrolled", effective="2026-11-25", termination="2026-12-15")
    run_audit(acon, "2026-10")
    frame = findings(acon).query(f"rule_id == '{RULE}'")
    assert len(frame) == 1
    assert frame.severity.iloc[0] == "warning"
    assert frame.detail.iloc[0] == "Aetna enrollment ends 2026-11-20; no enrollment on file from 2026-11-21"


def test_an_end_that_a_longer_row_covers_is_no_gap(acon):
    # two locations ending on different days: the row ending 12-15 covers 11-21, so only 12-15 is a gap
    add_enrollment(
        acon, status="enrolled", effective="2024-01-01", termination="2026-12-15", allowed_pos="11"
    )
    add_enrollment(
        acon, status="enrolled", effective="2024-01-01", termination="2026-11-20", allowed_pos="02"
    )
    run_audit(acon, "2026-10")
    frame = findings(acon).query(f"rule_id == '{RULE}'")
    assert frame.detail.tolist() == [
        "Aetna enrollment ends 2026-12-15; no enrollment on file from 2026-12-16"
    ]


def test_amount_is_the_providers_billed_with_that_payer_over_90_days(acon):
    add_enrollment(acon, payer="AET", status="enrolled", effective="2024-01-01", termination="2026-12-01")
    add_enrollment(acon, payer="BCBS", status="enrolled", effective="2024-01-01", termination=None)
    add_line(acon, "C1", payer="AET", dos="2026-08-02", billed=1000)  # before the 90 days
    add_line(acon, "C2", payer="AET", dos="2026-08-03", billed=200)
    add_line(acon, "C3", payer="AET", dos="2026-10-31", billed=30)
    add_line(acon, "C4", payer="BCBS", dos="2026-10-15", billed=4000)  # another payer
    run_audit(acon, "2026-10")
    frame = findings(acon).query(f"rule_id == '{RULE}'")
    assert frame.amount_at_risk.tolist() == [230]
    assert frame.claim_id.isna().all() and frame.line_no.isna().all()
