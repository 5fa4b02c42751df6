"""Issues across months (issue 11), over the three hand-written months of tests/lifecycle_rows.py."""

from __future__ import annotations

import pytest
from audit_rows import NPI_A, open_copy
from lifecycle_rows import MONTHS, audit, build_practice

from audits import audit_log, lifecycle
from audits.cli import main
from audits.errors import InputError, NotAudited
from audits.runner import run_audit


@pytest.fixture
def lcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        build_practice(con)
        yield con


def by_rule(summary, change):
    frame = summary.issues[summary.issues["change"] == change]
    return sorted(zip(frame["rule_id"], frame["dollars"], strict=True))


def test_new_recurring_resolved_over_three_months(lcon):
    audit(lcon)
    august = lifecycle.changes(lcon, "2026-08")
    assert not august.previous_audited  # July was never audited: everything open is new
    assert by_rule(august, "new") == [("BEFORE_EFFECTIVE", 200.0), ("NOT_ENROLLED", 100.0)]
    assert august.counts == {"new": 2, "recurring": 0, "resolved": 0}

    september = lifecycle.changes(lcon, "2026-09")
    assert september.previous_audited
    assert by_rule(september, "new") == [("CREDENTIAL_EXPIRING", 500.0)]
    assert by_rule(september, "recurring") == [("NOT_ENROLLED", 150.0)]
    assert by_rule(september, "resolved") == [("BEFORE_EFFECTIVE", 200.0)]  # last month's dollars
    assert september.dollars == {"new": 500.0, "recurring": 150.0, "resolved": 200.0}

    october = lifecycle.changes(lcon, "2026-10")
    assert by_rule(october, "new") == [("INVALID_MODIFIER", 80.0)]
    assert by_rule(october, "recurring") == [("CREDENTIAL_EXPIRING", 500.0), ("NOT_ENROLLED", 120.0)]
    assert october.counts == {"new": 1, "recurring": 2, "resolved": 0}

    trend = lifecycle.monthly_changes(lcon)
    assert list(trend["month"]) == list(MONTHS)
    assert list(trend["resolved_issues"]) == [0, 1, 0]
    assert list(trend["new_dollars"]) == [300.0, 500.0, 80.0]


def test_issue_identity_is_rule_provider_payer(lcon):
    audit(lcon)
    ne = {
        month: lifecycle.month_issues(lcon, month).query("rule_id == 'NOT_ENROLLED'")["issue_id"].tolist()
        for month in MONTHS
    }
    # one issue for both September lines, the same id every month
    assert len(ne["2026-09"]) == 1 and ne["2026-08"] == ne["2026-09"] == ne["2026-10"]
    assert lifecycle.month_issues(lcon, "2026-09").query("rule_id == 'NOT_ENROLLED'")[
        "findings"
    ].tolist() == [2]


def test_a_month_gap_makes_a_returning_issue_new(lcon):
    audit(lcon, "2026-08", "2026-10")  # September never audited
    october = lifecycle.changes(lcon, "2026-10")
    assert not october.previous_audited
    assert october.counts["recurring"] == 0 and october.counts["resolved"] == 0


def test_unaudited_month_is_refused(lcon):
    audit(lcon, "2026-08")
    with pytest.raises(NotAudited):
        lifecycle.changes(lcon, "2026-09")


def test_repeat_offenders_need_three_months_running(lcon):
    audit(lcon)
    assert lifecycle.repeat_offenders(lcon, "2026-09").empty  # only two months so far
    october = lifecycle.repeat_offenders(lcon, "2026-10")
    assert october[
        ["rendering_npi", "payer_id", "months_running", "findings", "dollars", "dollars_3_months"]
    ].to_dict("records") == [
        {
            "rendering_npi": NPI_A,
            "payer_id": "BCBS",
            "months_running": 3,
            "findings": 1,
            "dollars": 120.0,
            "dollars_3_months": 370.0,
        }
    ]
    assert october["provider_name"].tolist() == ["Ann Able"]


def _issue(con, month, rule_id):
    frame = lifecycle.queue(con, month, rule_id=rule_id)
    assert len(frame) == 1
    return frame.iloc[0]


def test_assignment_and_status_survive_a_rerun(lcon):
    audit(lcon, "2026-08", "2026-09")
    issue = _issue(lcon, "2026-09", "NOT_ENROLLED")["issue_id"]
    lifecycle.assign(
        lcon, [issue], by="maria", assignee="credentialing", status="In progress", note="called BCBS"
    )
    run_audit(lcon, "2026-09")  # re-run: the month's findings are replaced
    again = _issue(lcon, "2026-09", "NOT_ENROLLED")
    assert (again["assignee"], again["status"], again["note"], again["updated_by"]) == (
        "credentialing",
        "in_progress",
        "called BCBS",
        "maria",
    )
    events = lifecycle.history(lcon, issue)
    assert list(events["action"]) == ["assign", "status", "note"]
    assert set(events["by_user"]) == {"maria"} and events["changed_at"].notna().all()
    assert lifecycle.queue(lcon, "2026-09", assignee="credentialing")["issue_id"].tolist() == [issue]
    assert lifecycle.queue(lcon, "2026-09", status="in progress")["issue_id"].tolist() == [issue]
    assert issue not in lifecycle.queue(lcon, "2026-09", assignee="-")["issue_id"].tolist()


def test_an_assignment_is_in_the_audit_trail_without_its_note(lcon):
    audit(lcon, "2026-08", "2026-09")
    issue = _issue(lcon, "2026-09", "NOT_ENROLLED")["issue_id"]
    with audit_log.acting_as("maria", "manager", "dashboard"):
        lifecycle.assign(lcon, [issue], by="maria", assignee="credentialing", note="Pt Jane Roe DOB 1/2/1960")
        lifecycle.assign(lcon, [issue], by="maria", status="fixed")
    trail = audit_log.events(lcon, action="issue changed")
    assert len(trail) == 2 and set(trail["user"]) == {"maria"} and set(trail["role"]) == {"manager"}
    first, second = trail.iloc[1], trail.iloc[0]  # newest first
    assert issue[:12] in first["object"] and "assignee credentialing" in first["object"]
    assert "note" in first["object"] and "Jane" not in first["object"] and first["row_count"] == 2
    assert "status fixed" in second["object"] and second["row_count"] == 1


def test_a_fixed_issue_that_recurs_reopens_saying_so(lcon):
    audit(lcon, "2026-08", "2026-09")
    issue = _issue(lcon, "2026-09", "NOT_ENROLLED")["issue_id"]
    lifecycle.assign(lcon, [issue], by="maria", status="fixed")
    run_audit(lcon, "2026-09")  # the same month again: its lines were billed before the fix
    assert _issue(lcon, "2026-09", "NOT_ENROLLED")["status"] == "fixed"
    run_audit(lcon, "2026-10")  # a later month finds it again
    reopened = _issue(lcon, "2026-10", "NOT_ENROLLED")
    assert reopened["status"] == "open"
    assert "2026-10" in reopened["reopened"] and "maria" in reopened["reopened"]
    assert lifecycle.sync_reopened(lcon) == 1
    assert lifecycle.sync_reopened(lcon) == 0  # recorded once
    events = lifecycle.history(lcon, issue)
    assert (
        events["action"].tolist()[-1] == "reopened"
        and events["by_user"].tolist()[-1] == lifecycle.SYSTEM_USER
    )
    assert "Reopened" in _issue(lcon, "2026-10", "NOT_ENROLLED")["reopened"]


def test_a_fixed_issue_that_stays_away_stays_fixed(lcon):
    audit(lcon, "2026-08")
    issue = _issue(lcon, "2026-08", "BEFORE_EFFECTIVE")["issue_id"]
    lifecycle.assign(lcon, [issue], by="maria", status="fixed")
    audit(lcon, "2026-09", "2026-10")
    assert lifecycle.sync_reopened(lcon) == 0
    state = lifecycle.issue_states(lcon).set_index("issue_id").loc[issue]
    assert state["status"] == "fixed" and state["reopened"] == ""


def test_accepted_risk_is_not_reopened(lcon):
    audit(lcon, "2026-08")
    issue = _issue(lcon, "2026-08", "NOT_ENROLLED")["issue_id"]
    lifecycle.assign(lcon, [issue], by="maria", status="accepted risk")
    audit(lcon, "2026-09")
    assert _issue(lcon, "2026-09", "NOT_ENROLLED")["status"] == "accepted_risk"


def test_bulk_action_on_a_filtered_set(lcon):
    audit(lcon)
    selected = lifecycle.queue(lcon, "2026-10", assignee="-", change="recurring")
    result = lifecycle.assign(lcon, list(selected["issue_id"]), by="lee", assignee="billing")
    assert len(result.issue_ids) == 2
    assert sorted(lifecycle.queue(lcon, "2026-10", assignee="billing")["rule_id"]) == [
        "CREDENTIAL_EXPIRING",
        "NOT_ENROLLED",
    ]
    assert lifecycle.queue(lcon, "2026-10", assignee="-")["rule_id"].tolist() == ["INVALID_MODIFIER"]


def test_bad_status_and_unknown_issue_are_one_sentence(lcon):
    audit(lcon, "2026-08")
    issue = _issue(lcon, "2026-08", "NOT_ENROLLED")["issue_id"]
    with pytest.raises(InputError, match="not an issue status"):
        lifecycle.assign(lcon, [issue], by="x", status="done")
    with pytest.raises(lifecycle.NotFound):
        lifecycle.assign(lcon, ["abcdef123456"], by="x", assignee="coding")
    assert lifecycle.history(lcon).empty  # nothing changed


def test_cli_queue_and_assign(template, tmp_path, capsys):
    with open_copy(template, tmp_path) as con:
        build_practice(con)
        audit(con)
        issue = _issue(con, "2026-10", "NOT_ENROLLED")["issue_id"]
    db = str(tmp_path / "audit.duckdb")
    assert (
        main(["assign", issue[:8], "--to", "credentialing", "--status", "fixed", "--by", "maria", "--db", db])
        == 0
    )
    assert "fixed, assigned to credentialing" in capsys.readouterr().out
    assert main(["queue", "--month", "2026-10", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "1 new ($80.00); 2 recurring ($620.00); 0 resolved ($0.00)" in out
    assert issue in out and "credentialing" in out
    assert main(["queue", "--month", "2026-10", "--assignee", "credentialing", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "1 issues, $120.00." in out
    assert main(["assign", issue, "--status", "finished", "--db", db]) == 1
    assert "not an issue status" in capsys.readouterr().err
