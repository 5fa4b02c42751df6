"""Coding rules of SPEC 4: INVALID_PROCEDURE_CODE, INVALID_DIAGNOSIS_CODE, INVALID_MODIFIER, INVALID_POS.
They fire on every line, known provider or not."""

from __future__ import annotations

import pytest
from audit_rows import NPI_B, add_credentialed_provider, add_line, findings, fired, open_copy

from audits.runner import run_audit


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con)
        yield con


def detail(con, rule_id, claim_id="C1"):
    frame = findings(con).query("rule_id == @rule_id and claim_id == @claim_id")
    return frame.detail.tolist()


@pytest.mark.parametrize(
    ("code", "fires"),
    [
        ("99213", False),  # CPT I
        ("3074F", False),  # CPT II
        ("0042T", False),  # CPT III
        ("0001U", False),  # PLA
        ("G0008", False),  # HCPCS II
        ("g0008", False),  # read as upper case
        ("", True),
        ("9921", True),
        ("992134", True),
        ("1234X", True),
        ("GG008", True),
        ("99.13", True),
    ],
)
def test_invalid_procedure_code(acon, code, fires):
    add_line(acon, "C1", code=code)
    run_audit(acon, "2026-10")
    assert fired(acon, "INVALID_PROCEDURE_CODE") == ([("C1", 1)] if fires else [])


def test_invalid_procedure_code_detail(acon):
    add_line(acon, "C1", code="")
    add_line(acon, "C2", code="ABC")
    run_audit(acon, "2026-10")
    assert detail(acon, "INVALID_PROCEDURE_CODE") == ["Procedure code is empty"]
    assert detail(acon, "INVALID_PROCEDURE_CODE", "C2") == [
        "Procedure code 'ABC' is not a CPT, PLA or HCPCS Level II code"
    ]


@pytest.mark.parametrize(
    ("diagnoses", "bad"),
    [
        (("I10",), None),
        (("E11.9", "I10"), None),  # one dot after the 3rd character is removed
        (("e11.9",), None),
        (("E1.19",), "E1.19"),  # a dot elsewhere
        (("E11..9",), "E11..9"),
        (("I10.9",), "I10.9"),  # right format, not a billable code
        (("E11",), "E11"),  # a category, not billable
        (("1E119", "I10", "ZZZ9"), "1E119, ZZZ9"),  # one finding, every bad code in column order
    ],
)
def test_invalid_diagnosis_code(acon, diagnoses, bad):
    add_line(acon, "C1", diagnoses=diagnoses)
    run_audit(acon, "2026-10")
    expected = [] if bad is None else [f"Not billable ICD-10-CM: {bad}"]
    assert detail(acon, "INVALID_DIAGNOSIS_CODE") == expected


def test_twelfth_diagnosis_is_checked(acon):
    add_line(acon, "C1", diagnoses=("I10",) * 11 + ("XX",))
    run_audit(acon, "2026-10")
    assert detail(acon, "INVALID_DIAGNOSIS_CODE") == ["Not billable ICD-10-CM: XX"]


@pytest.mark.parametrize(
    ("modifiers", "bad"),
    [
        (("25",), None),
        (("LT", "59", "GT", "XU"), None),
        (("lt",), None),
        (("X",), "X"),
        (("25", "259", "2-"), "259, 2-"),
    ],
)
def test_invalid_modifier(acon, modifiers, bad):
    add_line(acon, "C1", modifiers=modifiers)
    run_audit(acon, "2026-10")
    expected = [] if bad is None else [f"Modifier not 2 letters or digits: {bad}"]
    assert detail(acon, "INVALID_MODIFIER") == expected
    if bad:
        assert findings(acon).query("rule_id == 'INVALID_MODIFIER'").severity.iloc[0] == "warning"


@pytest.mark.parametrize(
    ("pos", "expected"),
    [
        ("11", None),
        ("02", None),
        ("2", None),  # a number like 2 reads as 02
        ("99", None),
        ("", "Place of service is empty"),
        ("98", "Place of service '98' is not a CMS place-of-service code"),
        ("011", "Place of service '011' is not a CMS place-of-service code"),
    ],
)
def test_invalid_pos(acon, pos, expected):
    add_line(acon, "C1", pos=pos)
    run_audit(acon, "2026-10")
    assert detail(acon, "INVALID_POS") == ([] if expected is None else [expected])


def test_coding_rules_fire_for_unknown_providers_too(acon):
    add_line(acon, "C1", npi=NPI_B, code="X", pos="", diagnoses=("BAD",), modifiers=("BAD",))
    run_audit(acon, "2026-10")
    rules = set(findings(acon).rule_id)
    assert rules == {
        "UNKNOWN_PROVIDER",
        "INVALID_PROCEDURE_CODE",
        "INVALID_DIAGNOSIS_CODE",
        "INVALID_MODIFIER",
        "INVALID_POS",
    }
