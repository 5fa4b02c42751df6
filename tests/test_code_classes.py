"""SPEC 4's procedure-code classes (CPT I, CPT II, CPT III, PLA, HCPCS II) are read the same way for a
billed code (line_base.sql, code_class) and for both ends of a scope range (stg_service_scope.sql,
class_from / class_to): the three CASEs are one reading, so OUT_OF_SCOPE never compares codes classified
two ways. Written by hand from SPEC 4, then checked on generated codes (the class, not the example)."""

from __future__ import annotations

import random
import string

import pytest
from audit_rows import NPI_A, add_line, open_copy

from audits.runner import create_month_lines
from audits.views import ensure_views

D = __import__("datetime").date

BY_HAND = {
    "99213": "CPT_I",
    "0001F": "CPT_II",
    "0042T": "CPT_III",
    "0001U": "PLA",
    "G0008": "HCPCS_II",
    "g0008": "HCPCS_II",  # codes compare in upper case
    " 99213 ": "CPT_I",  # and trimmed
    "9921": None,
    "992130": None,
    "0001X": None,
    "GG008": None,
    "": None,
}


def _generated(count: int, seed: int) -> list[str]:
    """Codes of each class's shape, near misses (a letter or length off, case, spaces) and junk."""
    rng = random.Random(seed)
    shapes = ("ddddd", "ddddF", "ddddT", "ddddU", "Adddd", "dddd", "dddddd", "ddddX", "AAddd", "dAddd")
    codes = set()
    while len(codes) < count:
        code = "".join(
            rng.choice(string.digits) if c == "d" else rng.choice(string.ascii_uppercase) if c == "A" else c
            for c in rng.choice(shapes)
        )
        if rng.random() < 0.2:
            code = code.lower()
        if rng.random() < 0.2:
            code = f" {code} "
        codes.add(code)
    return sorted(codes)


def _classes(con, codes: list[str]) -> tuple[dict, dict, dict]:
    """(line_base's class, stg_service_scope's class_from, its class_to) of each code."""
    for i, code in enumerate(codes):
        add_line(con, f"C{i}", code=code)
        con.execute(
            "INSERT INTO service_scope (npi, payer_id, code_from, code_to, approved) VALUES (?, ?, ?, ?, true)",
            [NPI_A, f"C{i}", code, code],  # the row's payer id keys it back to its code
        )
    ensure_views(con)
    create_month_lines(con, D(2026, 10, 1), D(2026, 10, 31))
    billed = dict(con.execute("SELECT claim_id, code_class FROM line_base").fetchall())
    ends = con.execute("SELECT payer_id, class_from, class_to FROM stg_service_scope").fetchall()
    by_key = {f"C{i}": code for i, code in enumerate(codes)}
    return (
        {by_key[k]: v for k, v in billed.items()},
        {by_key[k]: c for k, c, _t in ends},
        {by_key[k]: t for k, _c, t in ends},
    )


def test_the_classes_by_hand(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        billed, low, high = _classes(con, list(BY_HAND))
    assert billed == BY_HAND
    assert low == BY_HAND and high == BY_HAND


@pytest.mark.parametrize("seed", range(3))
def test_a_billed_code_and_a_range_end_are_classified_alike(template, tmp_path, seed):
    codes = _generated(60, seed)
    with open_copy(template, tmp_path) as con:
        billed, low, high = _classes(con, codes)
    assert billed == low == high
