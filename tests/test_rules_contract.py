"""The rule registry is the one home of what a rule means (issue 10): for each blocking rule of SPEC 4,
a line that carries that finding alone, denied for credentialing (CO-B7), is
- DENIAL_EXPLAINED, counted in preventable dollars, and NOT CLEARED by the pre-check, with the rule
  files as they are;
- DENIAL_UNEXPLAINED, not preventable, and CLEARED, once the rule's header says `blocking: no`
  (a copy of the rule files, edited here) - so no second copy of the blocking set can hide anywhere.
The enrollment findings' first-that-applies order is the headers' enrollment_order the same way, and a
credentialing finding on a paid line is PAID_DESPITE_FINDING only while its header says `credentialing: yes`.
Rows written by hand from SPEC 4."""

from __future__ import annotations

import re
import shutil

import pytest
from audit_rows import (
    NPI_A,
    NPI_C,
    add_credential,
    add_credentialed_provider,
    add_enrollment,
    add_line,
    add_paid_history,
    add_payer,
    add_provider,
    add_remit,
    add_scope,
    d,
    fired,
    open_copy,
)

from audits import rules
from audits.measures import month_summary
from audits.precheck import check_line
from audits.runner import run_audit

BAD_NPI = "1234567890"  # ten digits, wrong check digit


def _exclusion(con, npi=NPI_A, excl="2026-09-01"):
    con.execute(
        "INSERT INTO exclusion_lists (list_id, source, file_name, sha256, list_date, list_date_basis, rows_read, "
        "rows_loaded, rows_rejected) VALUES (1, 'LEIE', 'l.csv', 'x', DATE '2026-11-01', 'given', 1, 1, 0)"
    )
    con.execute(
        "INSERT INTO exclusion_entries (list_id, row_number, source, entity_key, last_name, first_name, npi, "
        "excl_type, excl_date) VALUES (1, 1, 'LEIE', 'k1', 'SYNTH', 'PAT', ?, '1128b4', ?)",
        [npi, d(excl)],
    )


def _only_licence_missing(con):
    add_payer(con, "AET", "Aetna")
    add_provider(con, NPI_A)
    add_enrollment(con, NPI_A, "AET", "enrolled", effective="2025-01-01")


# rule id -> (roster set-up, the line's fields): a line whose only blocking finding is that rule.
CASES = {
    "INVALID_NPI": (add_credentialed_provider, {"npi": BAD_NPI}),
    "UNKNOWN_PROVIDER": (add_credentialed_provider, {"npi": NPI_C}),
    "AFTER_TERMINATION": (
        lambda con: (
            add_credentialed_provider(con),
            con.execute("UPDATE enrollments SET termination_date = DATE '2026-09-30'"),
        ),
        {},
    ),
    "BEFORE_EFFECTIVE": (
        lambda con: (
            add_credentialed_provider(con),
            con.execute("UPDATE enrollments SET effective_date = DATE '2026-11-01'"),
        ),
        {},
    ),
    "ENROLLMENT_NOT_APPROVED": (
        lambda con: (
            add_credentialed_provider(con),
            con.execute("UPDATE enrollments SET status = 'pending'"),
        ),
        {},
    ),
    "NOT_ENROLLED": (
        lambda con: (add_credentialed_provider(con), con.execute("DELETE FROM enrollments")),
        {},
    ),
    "POS_NOT_ENROLLED": (
        lambda con: (
            add_credentialed_provider(con),
            con.execute("UPDATE enrollments SET allowed_pos = '11'"),
        ),
        {"pos": "22"},
    ),
    "OUT_OF_SCOPE": (
        lambda con: (add_credentialed_provider(con), add_scope(con, "99201", "99215")),
        {"code": "93000"},
    ),
    "LICENSE_INVALID": (_only_licence_missing, {}),
    "PROVIDER_EXCLUDED": (lambda con: (add_credentialed_provider(con), _exclusion(con)), {}),
}
BLOCKING = [r.rule_id for r in rules.all_rules() if r.blocking]


def test_every_blocking_rule_has_a_case():
    assert sorted(CASES) == sorted(BLOCKING)


def _without(tmp_path, rule_id, field, old, new):
    """A copy of the rule files with one header field of one rule changed; the registry then uses it."""
    copy = tmp_path / "rules"
    shutil.copytree(rules.RULES_DIR, copy)
    path = copy / f"{rule_id}.sql"
    text = path.read_text(encoding="utf-8")
    changed = re.sub(rf"^-- {field}: {old}$", f"-- {field}: {new}", text, count=1, flags=re.MULTILINE)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    return copy


def _audit_one_line(con, rule_id):
    setup, line = CASES[rule_id]
    setup(con)
    add_paid_history(con, npi=line.get("npi", NPI_A), code=line.get("code", "99213"))
    add_line(con, "C1", dos="2026-10-15", billed=100, **line)
    add_remit(con, "C1", 1, paid=0, adjustments=[("CO", "B7", 100)])
    run_audit(con, "2026-10")
    remit = {r for r in ("DENIAL_EXPLAINED", "DENIAL_UNEXPLAINED") if fired(con, r)}
    verdict = check_line(
        con, line.get("npi", NPI_A), "AET", line.get("code", "99213"), "2026-10-15", pos=line.get("pos", "11")
    )
    return remit, month_summary(con, "2026-10")["preventable_dollars"], verdict


@pytest.mark.parametrize("rule_id", BLOCKING)
def test_a_blocking_rule_explains_the_denial_and_blocks_the_line(template, tmp_path, rule_id):
    with open_copy(template, tmp_path) as con:
        remit, preventable, verdict = _audit_one_line(con, rule_id)
        assert rule_id in {r[0] for r in con.execute("SELECT rule_id FROM findings").fetchall()}
    assert remit == {"DENIAL_EXPLAINED"}
    assert preventable == 100.0
    assert not verdict.cleared and verdict.findings == [rule_id]


@pytest.mark.parametrize("rule_id", BLOCKING)
def test_removing_it_from_the_blocking_set_changes_all_three(template, tmp_path, rule_id, monkeypatch):
    monkeypatch.setattr(rules, "RULES_DIR", _without(tmp_path, rule_id, "blocking", "yes", "no"))
    with open_copy(template, tmp_path) as con:
        remit, preventable, verdict = _audit_one_line(con, rule_id)
        assert rule_id in {
            r[0] for r in con.execute("SELECT rule_id FROM findings").fetchall()
        }  # still fires
        assert not con.execute("SELECT blocking FROM rule_registry WHERE rule_id = ?", [rule_id]).fetchall()[
            0
        ][0]
    assert remit == {"DENIAL_UNEXPLAINED"}
    assert preventable == 0.0
    assert verdict.cleared


def _both_ends(con):
    """Rows for AET: one ended before the DOS, one starts after it - AFTER_TERMINATION and
    BEFORE_EFFECTIVE both apply; SPEC 4's order names AFTER_TERMINATION."""
    add_payer(con, "AET", "Aetna")
    add_provider(con, NPI_A)
    add_credential(con, "state_license", "TX", "2028-12-31")
    add_enrollment(con, NPI_A, "AET", "enrolled", effective="2025-01-01", termination="2026-09-30")
    add_enrollment(con, NPI_A, "AET", "enrolled", effective="2026-11-01")
    add_paid_history(con)
    add_line(con, "C1", dos="2026-10-15")
    run_audit(con, "2026-10")
    return [r for r in ("AFTER_TERMINATION", "BEFORE_EFFECTIVE") if fired(con, r)]


def test_the_enrollment_order_is_the_headers(template, tmp_path, monkeypatch):
    (tmp_path / "as_is").mkdir()
    with open_copy(template, tmp_path / "as_is") as con:
        assert _both_ends(con) == ["AFTER_TERMINATION"]
    copy = _without(tmp_path, "AFTER_TERMINATION", "enrollment_order", "1", "9")
    monkeypatch.setattr(rules, "RULES_DIR", copy)
    with open_copy(template, tmp_path) as con:
        assert _both_ends(con) == ["BEFORE_EFFECTIVE"]


CREDENTIALING = [r.rule_id for r in rules.all_rules() if r.credentialing]


def _paid_one_line(con, rule_id):
    """The blocking case's line, paid in full: PAID_DESPITE_FINDING fires when its finding is credentialing."""
    setup, line = CASES[rule_id]
    setup(con)
    add_paid_history(con, npi=line.get("npi", NPI_A), code=line.get("code", "99213"))
    add_line(con, "C1", dos="2026-10-15", billed=100, **line)
    add_remit(con, "C1", 1, paid=100)
    run_audit(con, "2026-10")
    return fired(con, rule_id), fired(con, "PAID_DESPITE_FINDING")


def test_every_credentialing_rule_has_a_case():
    assert set(CREDENTIALING) <= set(CASES)


@pytest.mark.parametrize("rule_id", CREDENTIALING)
def test_a_credentialing_finding_on_a_paid_line_is_a_recoupment_risk(template, tmp_path, rule_id):
    with open_copy(template, tmp_path) as con:
        own, paid = _paid_one_line(con, rule_id)
    assert own == [("C1", 1)] and paid == [("C1", 1)]


@pytest.mark.parametrize("rule_id", CREDENTIALING)
def test_removing_it_from_the_credentialing_set_silences_paid_despite(
    template, tmp_path, rule_id, monkeypatch
):
    monkeypatch.setattr(rules, "RULES_DIR", _without(tmp_path, rule_id, "credentialing", "yes", "no"))
    with open_copy(template, tmp_path) as con:
        own, paid = _paid_one_line(con, rule_id)
    assert own == [("C1", 1)] and paid == []


def test_a_blocking_finding_that_is_not_credentialing_is_no_recoupment_risk(template, tmp_path):
    # PROVIDER_EXCLUDED blocks the line (SPEC 4) but is not a credentialing finding
    assert "PROVIDER_EXCLUDED" in CASES and "PROVIDER_EXCLUDED" not in CREDENTIALING
    with open_copy(template, tmp_path) as con:
        own, paid = _paid_one_line(con, "PROVIDER_EXCLUDED")
    assert own == [(NPI_A, None)] and paid == []
