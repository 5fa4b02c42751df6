"""OUT_OF_SCOPE (SPEC 4): payer and '*' rows united, exclusion wins, ranges compare within a code class."""

from __future__ import annotations

import pytest
from audit_rows import (
    add_credentialed_provider,
    add_line,
    add_payer,
    add_scope,
    findings,
    fired,
    open_copy,
)

from audits.runner import run_audit


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con)
        add_payer(con, "BCBS", "Blue Cross")
        yield con


def audit(con, *codes):
    for i, code in enumerate(codes, start=1):
        add_line(con, f"C{i}", code=code)
    run_audit(con, "2026-10")
    return sorted(int(claim[1:]) for claim, _line in fired(con, "OUT_OF_SCOPE"))


def test_no_scope_rows_means_any_code(acon):
    assert audit(acon, "99213", "G0008") == []


def test_approved_range_boundaries(acon):
    add_scope(acon, "99201", "99215")
    # 99201 and 99215 are the inclusive ends; 99200 and 99216 are outside
    assert audit(acon, "99201", "99215", "99213", "99200", "99216") == [4, 5]


def test_star_rows_apply_to_every_payer(acon):
    add_scope(acon, "99201", "99215", payer="*")
    assert audit(acon, "99213", "99281") == [2]


def test_payer_and_star_rows_are_united(acon):
    add_scope(acon, "99201", "99205", payer="AET")
    add_scope(acon, "99211", "99215", payer="*")
    assert audit(acon, "99203", "99213", "99209") == [3]


def test_another_payers_rows_do_not_apply(acon):
    add_scope(acon, "99201", "99205", payer="BCBS")
    add_scope(acon, "99211", "99215", approved=False, payer="BCBS")
    assert audit(acon, "99213", "99281") == []


def test_excluded_range_inside_approved_wins(acon):
    add_scope(acon, "99201", "99499", payer="*")
    add_scope(acon, "99281", "99285", approved=False, payer="AET")
    assert audit(acon, "99213", "99283", "99281", "99285", "99286") == [2, 3, 4]
    frame = findings(acon).query("rule_id == 'OUT_OF_SCOPE' and claim_id == 'C2'")
    assert frame.detail.iloc[0] == "Code 99283 is in excluded range 99281-99285 of this provider with Aetna"


def test_excluded_only_rows(acon):
    add_scope(acon, "J0100", "J9999", approved=False)
    assert audit(acon, "99213", "J1100") == [2]


def test_hcpcs_code_is_in_no_cpt_range(acon):
    add_scope(acon, "00100", "99499")
    assert audit(acon, "G0008", "99213") == [1]


def test_cpt_code_is_in_no_hcpcs_range(acon):
    add_scope(acon, "A0000", "Z9999")
    assert audit(acon, "99213", "G0008") == [1]


def test_cpt_category_ii_is_not_in_a_category_i_range(acon):
    # '1234F' sorts between '00000' and '99999' as text, but it is CPT II against CPT I ends
    add_scope(acon, "00000", "99999")
    assert audit(acon, "1234F", "0001U", "12345") == [1, 2]


def test_category_ii_range(acon):
    add_scope(acon, "0001F", "9007F")
    assert audit(acon, "3074F", "0001T") == [2]


def test_invalid_code_is_not_judged_for_scope(acon):
    add_scope(acon, "99201", "99215")
    assert audit(acon, "9921", "") == []
    assert len(fired(acon, "INVALID_PROCEDURE_CODE")) == 2
