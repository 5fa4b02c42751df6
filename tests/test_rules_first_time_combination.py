"""FIRST_TIME_COMBINATION (SPEC 4, info, looking back): a (rendering_npi, payer_id, procedure_code) of a
known provider with no line paid (paid amount > 0) in any earlier month; one finding per combination,
on its first line of the month (earliest DOS, then claim_id, line_no). Hand-written rows."""

from __future__ import annotations

import pytest
from audit_rows import (
    NPI_A,
    NPI_B,
    add_credentialed_provider,
    add_line,
    add_payer,
    add_remit,
    findings,
    fired,
    open_copy,
)

from audits.runner import run_audit

RULE = "FIRST_TIME_COMBINATION"
UNKNOWN_NPI = "1111111112"  # a valid NPI that is not in the roster


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con, NPI_A, "AET", "Aetna")
        add_payer(con, "BCBS", "Blue Cross")
        yield con


def test_never_billed_before_fires_on_the_first_line(acon):
    add_line(acon, "C2", 1, dos="2026-10-05")
    add_line(acon, "C1", 2, dos="2026-10-05")
    add_line(acon, "C1", 3, dos="2026-10-05")
    add_line(acon, "C0", 1, dos="2026-10-20")  # later DOS, smaller claim id: not first
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == [("C1", 2)]
    frame = findings(acon).query(f"rule_id == '{RULE}'")
    assert frame.severity.iloc[0] == "info"
    assert frame.amount_at_risk.tolist() == [100]
    assert frame.detail.iloc[0] == (
        "First 99213 billed to Aetna by this provider with no earlier paid line (4 lines this month)"
    )


@pytest.mark.parametrize(
    ("earlier_dos", "paid", "expected"),
    [
        ("2026-09-30", 80, []),  # paid in an earlier month: a known combination
        ("2026-09-30", 0, [("NEW", 1)]),  # billed before, denied, never paid
        ("2026-10-01", 80, [("OLD", 1)]),  # paid, but in the audit month itself: its first line is OLD
        ("2025-01-15", 0.01, []),  # any earlier month counts, and a cent is paid
    ],
)
def test_paid_in_an_earlier_month(acon, earlier_dos, paid, expected):
    add_line(acon, "OLD", dos=earlier_dos)
    add_remit(acon, "OLD", paid=paid, adjustments=() if paid else (("CO", "45", 100),))
    add_line(acon, "NEW", dos="2026-10-15")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == expected


def test_reversed_payment_is_not_paid(acon):
    add_line(acon, "OLD", dos="2026-09-10")
    add_remit(acon, "OLD", paid=80, adjudicated="2026-09-20", status="1", source="T1")
    add_remit(acon, "OLD", paid=-80, adjudicated="2026-09-25", status="22", source="T2")
    add_line(acon, "NEW", dos="2026-10-15")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == [("NEW", 1)]


def test_a_payment_from_another_payer_does_not_count(acon):
    add_line(acon, "OLD", dos="2026-09-10", payer="AET")
    add_remit(acon, "OLD", payer="BCBS", paid=80)  # a secondary payer's answer
    add_line(acon, "NEW", dos="2026-10-15", payer="AET")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == [("NEW", 1)]


def test_the_combination_is_provider_payer_and_code(acon):
    add_credentialed_provider(acon, NPI_B, "AET")
    add_line(acon, "OLD", dos="2026-09-10", code="99213", payer="AET", npi=NPI_A)
    add_remit(acon, "OLD", paid=80)
    add_line(acon, "SAME", dos="2026-10-15", code=" 99213 ", npi=NPI_A)  # spaces: the same code
    add_line(acon, "CODE", dos="2026-10-15", code="99214", npi=NPI_A)
    add_line(acon, "PAYER", dos="2026-10-15", code="99213", payer="BCBS", npi=NPI_A)
    add_line(acon, "NPI", dos="2026-10-15", code="99213", npi=NPI_B)
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == [("CODE", 1), ("NPI", 1), ("PAYER", 1)]


def test_codes_compare_in_upper_case(acon):
    add_line(acon, "OLD", dos="2026-09-10", code="G0008")
    add_remit(acon, "OLD", paid=20)
    add_line(acon, "NEW", dos="2026-10-15", code="g0008")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == []


def test_claim_payment_without_service_lines_pays_the_earlier_line(acon):
    add_line(acon, "OLD", 1, dos="2026-09-10", billed=100)
    add_remit(acon, "OLD", None, paid=60)  # a claim payment without service lines
    add_line(acon, "NEW", dos="2026-10-15")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == []


def test_unknown_provider_and_invalid_code_do_not_fire(acon):
    add_line(acon, "U1", npi=UNKNOWN_NPI)
    add_line(acon, "BAD", npi="123")
    add_line(acon, "EMPTY", code="")
    add_line(acon, "JUNK", code="99X")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE) == []


def test_the_next_month_still_fires_when_the_first_line_was_not_paid(acon):
    add_line(acon, "SEP", dos="2026-09-10")
    add_line(acon, "OCT", dos="2026-10-15")
    run_audit(acon, "2026-09")
    run_audit(acon, "2026-10")
    assert fired(acon, RULE, "2026-09") == [("SEP", 1)]
    assert fired(acon, RULE, "2026-10") == [("OCT", 1)]
    add_remit(acon, "SEP", paid=75)
    run_audit(acon, "2026-10")
    assert fired(acon, RULE, "2026-10") == []
