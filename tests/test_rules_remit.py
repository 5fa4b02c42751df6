"""Remit rules of SPEC 4: DENIAL_EXPLAINED, DENIAL_UNEXPLAINED, PAID_DESPITE_FINDING - denied, paid and
credentialing-coded as SPEC 4 defines them."""

from __future__ import annotations

import pytest
from audit_rows import (
    add_credentialed_provider,
    add_line,
    add_payer,
    add_remit,
    findings,
    fired,
    open_copy,
)

from audits.runner import run_audit


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con)  # enrolled with AET from 2025-01-01, TX licence
        add_payer(con, "BCBS", "Blue Cross")
        yield con


def remit_findings(con):
    frame = findings(con)
    frame = frame[frame.rule_id.isin(["DENIAL_EXPLAINED", "DENIAL_UNEXPLAINED", "PAID_DESPITE_FINDING"])]
    return frame[["rule_id", "claim_id"]].values.tolist()


def test_credentialing_denial_on_clean_line_is_unexplained(acon):
    add_line(acon, "C1")
    add_remit(acon, "C1", 1, paid=0, adjustments=[("CO", "B7", 100)])
    run_audit(acon, "2026-10")
    frame = findings(acon)
    assert remit_findings(acon) == [["DENIAL_UNEXPLAINED", "C1"]]
    assert (
        frame.detail.iloc[0]
        == "Aetna denied the line for credentialing (CO-B7) but the roster shows no problem"
    )


def test_credentialing_denial_with_blocking_finding_is_explained(acon):
    add_line(acon, "C1", payer="BCBS")  # NOT_ENROLLED with BCBS
    add_remit(acon, "C1", 1, payer="BCBS", paid=0, adjustments=[("CO", "B7", 100)])
    run_audit(acon, "2026-10")
    assert remit_findings(acon) == [["DENIAL_EXPLAINED", "C1"]]
    assert findings(acon).query("rule_id == 'DENIAL_EXPLAINED'").severity.iloc[0] == "info"


def test_scope_category_carc_counts_as_credentialing(acon):
    add_line(acon, "C1")
    add_remit(acon, "C1", 1, paid=0, adjustments=[("CO", "170", 100)])
    run_audit(acon, "2026-10")
    assert remit_findings(acon) == [["DENIAL_UNEXPLAINED", "C1"]]


@pytest.mark.parametrize(
    ("remarks", "credentialing"),
    [
        ([("N290", "line")], True),  # CARC 16 + credentialing RARC on the same line
        ([("N570", "claim")], True),  # ... or at claim level
        ([], False),  # CARC 16 alone: missing information, not credentialing
        ([("M51", "line")], False),  # a RARC outside the credentialing category
    ],
)
def test_carc_16_needs_a_credentialing_rarc(acon, remarks, credentialing):
    add_line(acon, "C1")
    add_remit(acon, "C1", 1, paid=0, adjustments=[("CO", "16", 100)], remarks=remarks)
    run_audit(acon, "2026-10")
    assert remit_findings(acon) == ([["DENIAL_UNEXPLAINED", "C1"]] if credentialing else [])


def test_claim_level_credentialing_adjustment_applies_to_the_lines(acon):
    add_line(acon, "C1", 1)
    add_line(acon, "C1", 2)
    add_remit(
        acon, "C1", 1, paid=0, adjustments=[("CO", "B7", 200, "claim"), ("CO", "45", 10)], claim_key="K1"
    )
    add_remit(acon, "C1", 2, paid=0, adjustments=[("CO", "45", 10)], claim_key="K1")
    run_audit(acon, "2026-10")
    assert fired(acon, "DENIAL_UNEXPLAINED") == [("C1", 1), ("C1", 2)]


def test_patient_responsibility_only_is_not_denied(acon):
    add_line(acon, "C1")
    add_remit(acon, "C1", 1, paid=0, adjustments=[("PR", "1", 100)])
    run_audit(acon, "2026-10")
    assert remit_findings(acon) == []


def test_another_payers_remittance_does_not_count(acon):
    add_line(acon, "C1")  # AET claim
    add_remit(acon, "C1", 1, payer="BCBS", paid=0, adjustments=[("CO", "B7", 100)])
    run_audit(acon, "2026-10")
    assert remit_findings(acon) == []


def test_paid_line_with_credentialing_finding(acon):
    add_line(acon, "C1", dos="2026-10-15", payer="BCBS", billed=100)
    add_remit(acon, "C1", 1, payer="BCBS", paid=80, adjustments=[("CO", "45", 20)])
    run_audit(acon, "2026-10")
    frame = findings(acon).query("rule_id == 'PAID_DESPITE_FINDING'")
    assert frame.amount_at_risk.tolist() == [80]
    assert frame.detail.iloc[0] == "Blue Cross paid 80.00 despite a credentialing finding: recoupment risk"


def test_paid_line_with_only_a_coding_finding_is_not_at_risk(acon):
    add_line(acon, "C1", pos="98")  # INVALID_POS is not a credentialing finding
    add_remit(acon, "C1", 1, paid=80)
    run_audit(acon, "2026-10")
    assert fired(acon, "PAID_DESPITE_FINDING") == []
    assert fired(acon, "INVALID_POS") == [("C1", 1)]


def test_repeated_rows_of_one_remittance_count_once(acon):
    add_line(acon, "C1", payer="BCBS")
    # an export with one row per adjustment repeats the line's paid amount on each row
    add_remit(acon, "C1", 1, payer="BCBS", paid=60, adjustments=[("CO", "45", 30)])
    add_remit(acon, "C1", 1, payer="BCBS", paid=60, adjustments=[("PR", "2", 10)])
    run_audit(acon, "2026-10")
    assert findings(acon).query("rule_id == 'PAID_DESPITE_FINDING'").amount_at_risk.tolist() == [60]


def test_reversal_and_repayment_are_summed(acon):
    add_line(acon, "C1", payer="BCBS")
    add_remit(acon, "C1", 1, payer="BCBS", paid=60, adjudicated="2026-11-01")
    add_remit(acon, "C1", 1, payer="BCBS", paid=-60, adjudicated="2026-11-05", status="22")
    add_remit(acon, "C1", 1, payer="BCBS", paid=75, adjudicated="2026-11-05")
    run_audit(acon, "2026-10")
    assert findings(acon).query("rule_id == 'PAID_DESPITE_FINDING'").amount_at_risk.tolist() == [75]


def test_reversed_payment_leaves_nothing_at_risk(acon):
    add_line(acon, "C1", payer="BCBS")
    add_remit(acon, "C1", 1, payer="BCBS", paid=60, adjudicated="2026-11-01")
    add_remit(acon, "C1", 1, payer="BCBS", paid=-60, adjudicated="2026-11-05", status="22")
    run_audit(acon, "2026-10")
    assert fired(acon, "PAID_DESPITE_FINDING") == []


def test_claim_payment_without_lines_is_shared_in_proportion_to_billed(acon):
    add_line(acon, "C1", 1, payer="BCBS", billed=100)
    add_line(acon, "C1", 2, payer="BCBS", billed=300)
    add_remit(acon, "C1", None, payer="BCBS", paid=200)
    run_audit(acon, "2026-10")
    frame = findings(acon).query("rule_id == 'PAID_DESPITE_FINDING'")
    assert frame[["line_no", "amount_at_risk"]].values.tolist() == [[1, 50], [2, 150]]


def test_remits_of_lines_outside_the_month_are_not_audited(acon):
    add_line(acon, "C1", dos="2026-09-30")
    add_remit(acon, "C1", 1, paid=0, adjustments=[("CO", "B7", 100)])
    add_remit(acon, "NOPE", 1, paid=0, adjustments=[("CO", "B7", 100)])  # no claim line at all
    run_audit(acon, "2026-10")
    assert remit_findings(acon) == []
    run_audit(acon, "2026-09")
    assert fired(acon, "DENIAL_UNEXPLAINED", month="2026-09") == [("C1", 1)]
