"""Enrollment rules of SPEC 4: AFTER_TERMINATION, BEFORE_EFFECTIVE, ENROLLMENT_NOT_APPROVED, NOT_ENROLLED,
POS_NOT_ENROLLED. Expectations written from SPEC 4 with a few inline rows each."""

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

ENROLLMENT_RULES = ("AFTER_TERMINATION", "BEFORE_EFFECTIVE", "ENROLLMENT_NOT_APPROVED", "NOT_ENROLLED")


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        yield prepare(con)


def prepare(con):
    add_payer(con, "AET", "Aetna")
    add_payer(con, "BCBS", "Blue Cross")
    add_provider(con, NPI_A)
    add_credential(con, "state_license", "TX", "2028-12-31")
    return con


def enrollment_findings(con):
    frame = findings(con)
    return frame[frame.rule_id.isin(ENROLLMENT_RULES)][["rule_id", "claim_id"]].values.tolist()


@pytest.mark.parametrize(
    ("dos", "expected"),
    [
        ("2026-10-09", [["BEFORE_EFFECTIVE", "C1"]]),  # day before effective
        ("2026-10-10", []),  # DOS = effective_date
        ("2026-10-20", []),  # DOS = termination_date
        ("2026-10-21", [["AFTER_TERMINATION", "C1"]]),  # day after termination
    ],
)
def test_enrollment_boundaries_are_inclusive(acon, dos, expected):
    add_enrollment(acon, status="enrolled", effective="2026-10-10", termination="2026-10-20")
    add_line(acon, "C1", dos=dos)
    run_audit(acon, "2026-10")
    assert enrollment_findings(acon) == expected


def test_terminated_row_still_covers_its_own_period(acon):
    add_enrollment(acon, status="terminated", effective="2026-01-01", termination="2026-10-15")
    add_line(acon, "C1", dos="2026-10-15")
    add_line(acon, "C2", dos="2026-10-16")
    run_audit(acon, "2026-10")
    assert enrollment_findings(acon) == [["AFTER_TERMINATION", "C2"]]


def test_open_ended_enrollment_covers_every_later_dos(acon):
    add_enrollment(acon, status="enrolled", effective="2020-01-01")
    add_line(acon, "C1", dos="2026-10-31")
    run_audit(acon, "2026-10")
    assert enrollment_findings(acon) == []


def test_multi_period_enrollment_gap_and_precedence(acon):
    # two periods with a gap 10-06..10-11: in the gap, a row ended before DOS and another starts after;
    # AFTER_TERMINATION comes first in SPEC order, and a line gets one enrollment finding only
    add_enrollment(acon, status="terminated", effective="2026-01-01", termination="2026-10-05")
    add_enrollment(acon, status="enrolled", effective="2026-10-12")
    add_line(acon, "C1", dos="2026-10-05")
    add_line(acon, "C2", dos="2026-10-08")
    add_line(acon, "C3", dos="2026-10-12")
    run_audit(acon, "2026-10")
    assert enrollment_findings(acon) == [["AFTER_TERMINATION", "C2"]]


@pytest.mark.parametrize("status", ["pending", "denied"])
def test_pending_or_denied_never_covers(acon, status):
    add_enrollment(acon, status=status, submitted="2026-09-01")
    add_line(acon, "C1", dos="2026-10-15")
    run_audit(acon, "2026-10")
    assert enrollment_findings(acon) == [["ENROLLMENT_NOT_APPROVED", "C1"]]
    assert status in findings(acon).detail.iloc[0]


def test_future_effective_row_wins_over_pending_row(acon):
    add_enrollment(acon, status="pending", submitted="2026-06-01")
    add_enrollment(acon, status="enrolled", effective="2026-11-01")
    add_line(acon, "C1", dos="2026-10-17")
    run_audit(acon, "2026-10")
    frame = findings(acon)
    assert enrollment_findings(acon) == [["BEFORE_EFFECTIVE", "C1"]]
    assert frame.detail.iloc[0] == "Aetna enrollment effective 2026-11-01; date of service is 2026-10-17"


def test_enrollment_is_matched_on_the_claims_payer(acon):
    add_enrollment(acon, payer="AET", status="enrolled", effective="2026-01-01")
    add_line(acon, "C1", payer="AET")
    add_line(acon, "C2", payer="BCBS")
    run_audit(acon, "2026-10")
    assert enrollment_findings(acon) == [["NOT_ENROLLED", "C2"]]
    frame = findings(acon).query("rule_id == 'NOT_ENROLLED'")
    assert frame.detail.tolist() == ["No Blue Cross enrollment on file for this provider"]


def test_enrollment_of_another_provider_does_not_count(acon):
    add_provider(acon, NPI_B)
    add_credential(acon, "state_license", "TX", "2028-12-31", npi=NPI_B)
    add_enrollment(acon, npi=NPI_B, status="enrolled", effective="2026-01-01")
    add_line(acon, "C1", npi=NPI_A)
    run_audit(acon, "2026-10")
    assert fired(acon, "NOT_ENROLLED") == [("C1", 1)]


def test_enrollment_rules_apply_only_to_known_providers(acon):
    add_line(acon, "C1", npi=NPI_B)  # valid NPI, not in the roster
    add_line(acon, "C2", npi="12345")  # invalid NPI
    run_audit(acon, "2026-10")
    assert enrollment_findings(acon) == []
    assert fired(acon, "UNKNOWN_PROVIDER") == [("C1", 1)]


@pytest.mark.parametrize(
    ("allowed_pos", "pos", "fires"),
    [
        ("11,22", "11", False),
        ("11,22", "22", False),
        ("11,22", "02", True),
        ("11,02", "2", False),  # a POS exported as the number 2 reads as 02
        ("11", "21", True),
        (None, "21", False),  # empty allowed_pos allows any
        ("", "21", False),
        ("11", "", False),  # no POS on the line: not judged here (INVALID_POS says it is empty)
    ],
)
def test_pos_not_enrolled(acon, allowed_pos, pos, fires):
    add_enrollment(acon, status="enrolled", effective="2026-01-01", allowed_pos=allowed_pos)
    add_line(acon, "C1", pos=pos)
    run_audit(acon, "2026-10")
    assert fired(acon, "POS_NOT_ENROLLED") == ([("C1", 1)] if fires else [])


def test_pos_judged_on_covering_rows_only(acon):
    # the row allowing POS 02 ended before DOS; the covering row allows only 11
    add_enrollment(
        acon, status="terminated", effective="2025-01-01", termination="2026-06-30", allowed_pos="02"
    )
    add_enrollment(acon, status="enrolled", effective="2026-07-01", allowed_pos="11")
    add_line(acon, "C1", pos="02")
    add_line(acon, "C2", pos="11")
    run_audit(acon, "2026-10")
    assert fired(acon, "POS_NOT_ENROLLED") == [("C1", 1)]
    assert enrollment_findings(acon) == []


def test_pos_not_judged_when_nothing_covers(acon):
    add_enrollment(
        acon, status="enrolled", effective="2026-01-01", termination="2026-09-30", allowed_pos="11"
    )
    add_line(acon, "C1", pos="02")
    run_audit(acon, "2026-10")
    assert fired(acon, "POS_NOT_ENROLLED") == []
    assert fired(acon, "AFTER_TERMINATION") == [("C1", 1)]
