"""run_audit(): one transaction, month replaced, history kept, stable finding ids, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest
from audit_rows import NPI_A, add_credentialed_provider, add_line, add_paid_history, findings, open_copy

from audits.errors import InputError, NotAudited
from audits.findings import current_run, require_run
from audits.rules import rules_version
from audits.runner import month_bounds, run_audit
from audits.store import connect


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con)
        add_paid_history(con, payer="AET")  # 99213 was paid before: no FIRST_TIME_COMBINATION
        add_paid_history(con, payer="BCBS")
        yield con


def test_rerun_replaces_findings_and_keeps_history(acon):
    add_line(acon, "C1", payer="BCBS")  # NOT_ENROLLED
    add_line(acon, "C2", pos="98")  # INVALID_POS
    first = run_audit(acon, "2026-10")
    first_ids = set(findings(acon).finding_id)
    assert first.counts["NOT_ENROLLED"] == 1 and first.findings == 2
    # the analyst fixes the roster and re-runs
    acon.execute(
        "INSERT INTO enrollments (npi, payer_id, status, effective_date) VALUES (?, 'BCBS', 'enrolled', ?)",
        [NPI_A, dt.date(2026, 1, 1)],
    )
    second = run_audit(acon, "2026-10")
    assert second.run_id > first.run_id
    assert second.counts["NOT_ENROLLED"] == 0 and second.findings == 1
    frame = findings(acon)
    assert frame.rule_id.tolist() == ["INVALID_POS"]
    assert set(frame.finding_id) <= first_ids  # the same finding keeps its id across runs
    runs = acon.execute("SELECT run_id, status, findings FROM audit_runs ORDER BY run_id").fetchall()
    assert runs == [(first.run_id, "superseded", 2), (second.run_id, "done", 1)]
    assert acon.execute("SELECT count(DISTINCT run_id) FROM findings").fetchall()[0][0] == 1


def test_other_months_are_untouched(acon):
    add_line(acon, "C1", dos="2026-09-30", payer="BCBS")
    add_line(acon, "C2", dos="2026-10-01", payer="BCBS")
    add_line(acon, "C3", dos="2026-11-01", payer="BCBS")
    run_audit(acon, "2026-09")
    result = run_audit(acon, "2026-10")
    assert result.lines_audited == 1
    assert findings(acon, "2026-10").claim_id.tolist() == ["C2"]
    assert findings(acon, "2026-09").claim_id.tolist() == ["C1"]


def test_run_records_snapshot_rules_version_and_totals(acon):
    acon.execute("INSERT INTO roster_current VALUES ('providers', 3), ('enrollments', 5)")
    add_line(acon, "C1", payer="BCBS", billed=120)
    add_line(acon, "C2", payer="BCBS", billed=80)
    result = run_audit(acon, dt.date(2026, 10, 17))
    assert result.month == "2026-10" and result.snapshot_id == 5
    assert result.rules_version == rules_version()
    assert result.amounts["NOT_ENROLLED"] == 200 and result.amount_at_risk == 200
    run = current_run(acon, "2026-10")
    assert run.status == "done" and run.snapshot_id == 5 and run.lines_audited == 2
    assert run.rules_version == rules_version() and float(run.amount_at_risk) == 200.0


def test_progress_is_reported_up_to_done(acon):
    add_line(acon, "C1")
    seen = []
    run_audit(acon, "2026-10", progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _m in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _f, m in seen)


@pytest.mark.parametrize("bad", ["2026-13", "October", "", "2026/10"])
def test_bad_month_is_one_sentence_and_changes_nothing(acon, bad):
    with pytest.raises(InputError, match="is not a month - give it as YYYY-MM"):
        run_audit(acon, bad)
    assert acon.execute("SELECT count(*) FROM audit_runs").fetchall()[0][0] == 0


def test_month_bounds():
    assert month_bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert month_bounds("2026-12-05") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_latest_run_of_unaudited_month(acon):
    assert current_run(acon, "2026-10") is None
    with pytest.raises(NotAudited, match="2026-10 has not been audited yet"):
        require_run(acon, "2026-10")


def test_read_only_connection_cannot_run(template, tmp_path):
    with open_copy(template, tmp_path):
        pass
    with connect(tmp_path / "audit.duckdb", read_only=True) as ro:
        with pytest.raises(InputError, match="read-only"):
            run_audit(ro, "2026-10")


def test_failed_rule_rolls_back_everything(acon, monkeypatch):
    add_line(acon, "C1", payer="BCBS")
    run_audit(acon, "2026-10")
    before = findings(acon)
    import audits.runner as runner

    broken = runner.all_rules()[:2]
    # a rule that marks no lines (so its own SQL runs, after the line tables)
    bad = broken[1].__class__(
        **{**broken[1].__dict__, "sql": "SELECT no_such_column FROM line_facts", "blocking": False}
    )
    monkeypatch.setattr(runner, "all_rules", lambda: (broken[0], bad))
    with pytest.raises(Exception, match="no_such_column"):
        run_audit(acon, "2026-10")
    assert findings(acon).equals(before)
    assert acon.execute("SELECT count(*) FROM audit_runs").fetchall()[0][0] == 1


def test_cli_run_prints_counts_and_dollars(template, tmp_path, capsys):
    from audits.cli import main

    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con)
        add_paid_history(con, payer="BCBS")
        add_line(con, "C1", payer="BCBS", billed=250)
    assert main(["run", "--db", str(tmp_path / "audit.duckdb"), "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "Audit of 2026-10: 1 claim lines" in out
    assert any(
        line.split()[:3] == ["NOT_ENROLLED", "error", "1"] and line.endswith("250.00")
        for line in out.splitlines()
    )
    assert "$250.00 at risk" in out


def test_cli_run_bad_month_is_one_line(template, tmp_path, capsys):
    from audits.cli import main

    with open_copy(template, tmp_path):
        pass
    assert main(["run", "--db", str(tmp_path / "audit.duckdb"), "--month", "soon"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: 'soon' is not a month") and "Traceback" not in err
