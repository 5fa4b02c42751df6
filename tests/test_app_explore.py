"""audits.explore: the read queries behind the dashboard, on a few hand-written rows (SPEC 1, 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from audits import explore, months, profiles
from audits import findings as findings_model
from audits.rules import get_rule

A, B, C = "1234567893", "1987654328", "1543210987"
D = dt.date


def _roster(con):
    con.execute(
        "INSERT INTO providers (npi, provider_name, specialty, status) VALUES"
        " (?, 'Avery Stone', 'Cardiology', 'active'), (?, 'Blake Fern', 'Dermatology', 'active'),"
        " (?, 'Casey Moor', 'Psychiatry', 'inactive')",
        [A, B, C],
    )
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna'), ('MCR', 'Medicare')")


def _status(frame, npi, payer):
    return frame[(frame["npi"] == npi) & (frame["payer_id"] == payer)]["status"].item()


@pytest.mark.parametrize(
    "rows, on, expected",
    [
        ([("enrolled", None, D(2026, 1, 1), None)], D(2026, 1, 1), "cleared"),  # effective day counts
        ([("terminated", None, D(2025, 1, 1), D(2026, 3, 31))], D(2026, 3, 31), "cleared"),  # last day counts
        ([("terminated", None, D(2025, 1, 1), D(2026, 3, 31))], D(2026, 4, 1), "terminated"),
        ([("enrolled", None, D(2026, 5, 1), None)], D(2026, 4, 30), "not yet effective"),
        ([("pending", D(2026, 1, 5), None, None)], D(2026, 4, 30), "pending"),
        ([("denied", D(2026, 1, 5), None, None)], D(2026, 4, 30), "denied"),
        ([], D(2026, 4, 30), "not enrolled"),
        # terminated before the date wins over a later re-enrollment that is not yet effective (SPEC 4 order)
        (
            [("terminated", None, D(2025, 1, 1), D(2026, 1, 31)), ("enrolled", None, D(2026, 6, 1), None)],
            D(2026, 3, 1),
            "terminated",
        ),
        # a gap closed by re-enrollment clears again
        (
            [("terminated", None, D(2025, 1, 1), D(2026, 1, 31)), ("enrolled", None, D(2026, 2, 1), None)],
            D(2026, 3, 1),
            "cleared",
        ),
        (
            [("pending", D(2026, 1, 5), None, None), ("denied", D(2025, 1, 5), None, None)],
            D(2026, 3, 1),
            "pending",
        ),
    ],
)
def test_clearance_matrix_status_on_a_date(con, rows, on, expected):
    _roster(con)
    for status, submitted, effective, terminated in rows:
        con.execute(
            "INSERT INTO enrollments (npi, payer_id, status, submitted_date, effective_date, termination_date)"
            " VALUES (?, 'AET', ?, ?, ?, ?)",
            [A, status, submitted, effective, terminated],
        )
    matrix = profiles.clearance_matrix(con, on)
    assert _status(matrix, A, "AET") == expected
    assert _status(matrix, A, "MCR") == "not enrolled"
    assert C not in set(matrix["npi"])  # inactive providers are not in the matrix
    assert len(matrix) == 4  # two active providers x two payers


def test_licence_status_any_state_and_boundaries(con):
    _roster(con)
    con.execute(
        "INSERT INTO credentials (npi, credential_type, state, issue_date, expiration_date) VALUES"
        " (?, 'state_license', 'TX', '2024-01-01', '2026-06-30'),"
        " (?, 'state_license', 'OK', '2024-01-01', '2026-06-29'),"
        " (?, 'board_certification', NULL, NULL, '2030-01-01')",
        [A, B, B],
    )
    status = profiles.licence_status(con, D(2026, 6, 30)).set_index("npi")
    assert status.loc[A, "licence"] == "valid"
    assert status.loc[A, "licence_states"] == "TX"
    assert status.loc[B, "licence"] == "expired"  # a board certification is not a licence
    later = profiles.licence_status(con, D(2026, 7, 1)).set_index("npi")
    assert later.loc[A, "licence"] == "expired"


def test_licence_status_none_when_no_licence(con):
    _roster(con)
    status = profiles.licence_status(con, D(2026, 6, 30)).set_index("npi")
    assert status.loc[A, "licence"] == "none"


def test_action_items_within_90_days(con):
    _roster(con)
    as_of = D(2026, 10, 1)
    con.execute(
        "INSERT INTO credentials (npi, credential_type, state, expiration_date) VALUES"
        " (?, 'state_license', 'TX', '2026-12-30'),"  # day 90: listed
        " (?, 'dea', NULL, '2026-12-31'),"  # day 91: not listed
        " (?, 'board_certification', NULL, '2026-11-01'),"  # renewed: a later one is on file
        " (?, 'board_certification', NULL, '2028-11-01'),"
        " (?, 'state_license', 'TX', '2026-10-15')",  # inactive provider: not listed
        [A, A, B, B, C],
    )
    con.execute(
        "INSERT INTO enrollments (npi, payer_id, status, submitted_date, effective_date, termination_date) VALUES"
        " (?, 'AET', 'enrolled', NULL, '2025-01-01', '2026-11-30'),"
        " (?, 'MCR', 'pending', '2026-05-01', NULL, NULL)",
        [B, A],
    )
    items = profiles.action_items(con, as_of)
    got = sorted(zip(items["item"], items["npi"], items["what"], items["days_left"], strict=True))
    assert got == [
        ("application pending", A, "Medicare", -153),
        ("credential expires", A, "state_license TX", 90),
        ("enrollment terminates", B, "Aetna", 60),
    ]


def _findings(con):
    con.execute(
        "INSERT INTO audit_runs (run_id, month, started_at, status) VALUES"
        " (1, '2026-10-01', '2026-11-02 09:00', 'superseded'), (2, '2026-10-01', '2026-11-03 09:00', 'done')"
    )
    con.execute(
        "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no, rendering_npi,"
        " payer_id, procedure_code, date_of_service, amount_at_risk, detail) VALUES"
        " (1, 'old', '2026-10-01', 'NOT_ENROLLED', 'error', 'C0', 1, ?, 'AET', '99213', '2026-10-02', 90, 'old'),"
        " (2, 'f1', '2026-10-01', 'NOT_ENROLLED', 'error', 'C1', 1, ?, 'AET', '99213', '2026-10-02', 120, 'x'),"
        " (2, 'f2', '2026-10-01', 'INVALID_MODIFIER', 'warning', 'C1', 2, ?, 'AET', '93000', '2026-10-02', 40, 'y'),"
        " (2, 'f3', '2026-10-01', 'CREDENTIAL_EXPIRING', 'warning', NULL, NULL, ?, NULL, NULL, NULL, 300, 'z')",
        [A, A, A, B],
    )


def test_findings_come_from_the_current_run_and_filter(con):
    _roster(con)
    _findings(con)
    every = findings_model.findings(con, "2026-10")
    assert list(every["finding_id"]) == ["f1", "f3", "f2"]  # errors first, then by dollars
    assert every.loc[0, "provider_name"] == "Avery Stone" and every.loc[0, "payer_name"] == "Aetna"
    assert list(findings_model.findings(con, "2026-10", rule_ids=["INVALID_MODIFIER"])["finding_id"]) == [
        "f2"
    ]
    assert list(findings_model.findings(con, "2026-10", severities=["warning"], npis=[B])["finding_id"]) == [
        "f3"
    ]
    assert list(findings_model.findings(con, "2026-10", code="930")["finding_id"]) == ["f2"]
    assert list(findings_model.findings(con, "2026-10", payer_ids=["AET"])["finding_id"]) == ["f1", "f2"]
    assert findings_model.findings(con, "2026-09").empty
    by_rule = findings_model.findings_by_rule(con, "2026-10").set_index("rule_id")
    assert (
        by_rule.loc["NOT_ENROLLED", "findings"] == 1
        and float(by_rule.loc["NOT_ENROLLED", "amount_at_risk"]) == 120
    )
    matrix = findings_model.misalignment_matrix(con, "2026-10")
    assert len(matrix) == 1 and matrix.loc[0, "findings"] == 2  # f3 names no payer


def test_finding_record_has_the_line_and_enrollments_but_no_patient(con):
    _roster(con)
    _findings(con)
    con.execute(
        "INSERT INTO claim_lines (claim_id, line_no, patient_key, rendering_npi, payer_id, date_of_service,"
        " procedure_code, billed_amount) VALUES ('C1', 1, 'hash-of-patient', ?, 'AET', '2026-10-02', '99213', 120)",
        [A],
    )
    con.execute(
        "INSERT INTO enrollments (npi, payer_id, status, submitted_date) VALUES (?, 'AET', 'pending', '2026-01-01'),"
        " (?, 'MCR', 'enrolled', NULL)",
        [A, A],
    )
    record = findings_model.finding_record(con, "f1", "2026-10")
    assert record["finding"]["rule_id"] == "NOT_ENROLLED"
    assert record["action"] == get_rule("NOT_ENROLLED").action  # the rule file's header says what to do
    assert list(record["claim_line"]["claim_id"]) == ["C1"]
    assert "patient_key" not in record["claim_line"].columns
    assert list(record["enrollments"]["payer_id"]) == ["AET"]  # only the finding's payer
    assert findings_model.finding_record(con, "old", "2026-10") == {}  # superseded run


def test_months_and_default_month(con):
    assert explore.default_month(con) is None
    con.execute(
        "INSERT INTO claim_lines (claim_id, line_no, date_of_service) VALUES ('a', 1, '2026-09-30'),"
        " ('b', 1, '2026-10-01')"
    )
    assert explore.service_months(con) == ["2026-10", "2026-09"]
    assert explore.default_month(con) == "2026-10"  # no audit yet: latest service month
    con.execute(
        "INSERT INTO audit_runs (run_id, month, started_at, status) VALUES (1, '2026-09-01', now(), 'done')"
    )
    assert explore.default_month(con) == "2026-09"  # latest audited month


@pytest.mark.parametrize(
    "month, start, end",
    [
        ("2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        (D(2026, 12, 17), D(2026, 12, 1), D(2026, 12, 31)),
    ],
)
def test_month_bounds(month, start, end):
    assert months.month_start(month) == start and months.month_end(month) == end


def test_add_months_crosses_years():
    assert months.add_months("2026-01", -1) == D(2025, 12, 1)
    assert months.add_months("2025-12", 1) == D(2026, 1, 1)
    assert months.add_months("2026-10", -11) == D(2025, 11, 1)


def test_data_version_changes_with_uploads_and_runs(con):
    before = explore.data_version(con)
    con.execute(
        "INSERT INTO uploads (upload_id, file_name, sha256, kind, status) VALUES (1, 'f', 's', 'claims', 'loaded')"
    )
    after_upload = explore.data_version(con)
    con.execute(
        "INSERT INTO audit_runs (run_id, month, started_at, status) VALUES (1, '2026-09-01', now(), 'done')"
    )
    assert len({before, after_upload, explore.data_version(con)}) == 3


def _remitted_month(con):
    """A: one line denied (paid 0, CO-B7), one paid; B: one line denied (CO-16). All with Aetna, 2026-10."""
    from audits.reference import load_carc

    load_carc(con)
    con.execute(
        "INSERT INTO claim_lines (claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code,"
        " billed_amount) VALUES ('D1', 1, ?, 'AET', '2026-10-03', '99214', 200),"
        " ('D2', 1, ?, 'AET', '2026-10-04', '99213', 120), ('D3', 1, ?, 'AET', '2026-10-05', '11102', 50),"
        " ('D4', 1, ?, 'AET', '2026-09-05', '99213', 75)",
        [A, A, B, A],
    )
    con.execute(
        "INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, adjudication_date,"
        " billed_amount, paid_amount, remit_claim_key, source) VALUES"
        " (1, 'AET', 'D1', 1, '4', '2026-11-01', 200, 0, 'k1', 't'),"
        " (2, 'AET', 'D2', 1, '1', '2026-11-01', 120, 100, 'k2', 't'),"
        " (3, 'AET', 'D3', 1, '4', '2026-11-01', 50, 0, 'k3', 't'),"
        " (4, 'AET', 'D4', 1, '4', '2026-10-20', 75, 0, 'k4', 't')"
    )
    con.execute(
        "INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount) VALUES"
        " (1, 1, 'line', 'CO', 'B7', 200), (2, 1, 'line', 'CO', '45', 20), (3, 1, 'line', 'CO', '16', 50),"
        " (4, 1, 'line', 'CO', 'B7', 75)"
    )


def test_top_denials_by_provider_payer_and_code(con):
    _roster(con)
    _remitted_month(con)
    tops = explore.top_denials(con, "2026-10", 10)
    provider = tops["provider"]
    assert list(zip(provider["name"], provider["denied_dollars"], provider["denied_lines"], strict=True)) == [
        ("Avery Stone", 200.0, 1),
        ("Blake Fern", 50.0, 1),
    ]
    assert list(zip(tops["payer"]["name"], tops["payer"]["denied_dollars"], strict=True)) == [
        ("Aetna", 250.0)
    ]
    assert list(tops["procedure_code"]["name"]) == ["99214", "11102"]  # the paid 99213 is not a denial
    assert list(explore.top_denials(con, "2026-10", 1)["provider"]["name"]) == ["Avery Stone"]


def test_provider_denials_by_month(con):
    _roster(con)
    _remitted_month(con)
    history = explore.provider_denials_by_month(con, A, "2026-10", 12)
    rows = [
        (explore.month_label(m), n, float(b), d, float(dd))
        for m, n, b, d, dd in zip(
            history["month"],
            history["lines"],
            history["billed"],
            history["denied_lines"],
            history["denied_dollars"],
            strict=True,
        )
    ]
    assert rows == [("2026-09", 1, 75.0, 1, 75.0), ("2026-10", 2, 320.0, 1, 200.0)]
    assert explore.provider_denials_by_month(con, A, "2026-09", 1)["lines"].tolist() == [1]


def test_who_can_bill_judges_enrolled_providers_with_the_rules(con):
    _roster(con)
    con.execute(
        "INSERT INTO enrollments (npi, payer_id, status, effective_date, termination_date) VALUES"
        " (?, 'AET', 'enrolled', '2025-01-01', NULL), (?, 'AET', 'enrolled', '2025-01-01', NULL),"
        " (?, 'MCR', 'enrolled', '2025-01-01', NULL)",
        [A, B, B],
    )
    con.execute(
        "INSERT INTO credentials (npi, credential_type, state, expiration_date) VALUES"
        " (?, 'state_license', 'TX', '2028-01-01'), (?, 'state_license', 'TX', '2028-01-01')",
        [A, B],
    )
    # B is approved for dermatology codes only with every payer: 93000 is out of scope (SPEC 4)
    con.execute(
        "INSERT INTO service_scope (npi, payer_id, code_from, code_to, approved) VALUES (?, '*', '10000', '19999', true)",
        [B],
    )
    judged = profiles.who_can_bill(con, "93000", "AET", D(2026, 10, 5))
    assert list(zip(judged["npi"], judged["cleared"], strict=True)) == [(A, True), (B, False)]
    assert "93000" in judged.loc[1, "why_not"]
    assert profiles.who_can_bill(con, "11102", "AET", D(2026, 10, 5))["cleared"].tolist() == [True, True]
    assert profiles.who_can_bill(con, "11102", "MCR", D(2026, 10, 5))["npi"].tolist() == [B]  # A not enrolled
