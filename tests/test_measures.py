"""Measures of SPEC 5 on a small hand-computed practice month."""

from __future__ import annotations

import pytest
from audit_rows import (
    add_credentialed_provider,
    add_line,
    add_payer,
    add_remit,
    open_copy,
    with_reference,
)

from audits.errors import InputError
from audits.measures import (
    breakdown,
    denied_by_root_cause,
    month_summary,
    monthly_trend,
)
from audits.runner import run_audit
from audits.store import connect


def practice(con):
    """October 2026 (hand-computed expectations in the tests):
    C1 100 AET  denied CO-B7 (credentialing), roster clean      -> DENIAL_UNEXPLAINED
    C2 200 BCBS denied CO-B7, provider not enrolled with BCBS   -> NOT_ENROLLED, DENIAL_EXPLAINED, preventable;
                                                                   FIRST_TIME_COMBINATION (99213 never paid by BCBS)
    C3 300 AET  paid 250, CO-45 30 (other), CO-97 20 (coding)   -> partially denied 20
    C4 400 AET  paid 0, PR-1 400 (deductible)                   -> not denied
    C5  50 AET  denied CO-18 (duplicate) + CO-45 5
    C6  60 AET  not remitted
    C7  70 AET  denied CO-ZZ9 (not in the CARC table)           -> root cause unknown
    September: S1 1000 AET paid 1000.
    """
    add_credentialed_provider(con)
    add_payer(con, "BCBS", "Blue Cross")
    add_line(con, "C1", billed=100)
    add_remit(con, "C1", paid=0, adjustments=[("CO", "B7", 100)])
    add_line(con, "C2", payer="BCBS", billed=200)
    add_remit(con, "C2", payer="BCBS", paid=0, adjustments=[("CO", "B7", 200)])
    add_line(con, "C3", billed=300)
    add_remit(con, "C3", paid=250, adjustments=[("CO", "45", 30), ("CO", "97", 20)])
    add_line(con, "C4", billed=400)
    add_remit(con, "C4", paid=0, adjustments=[("PR", "1", 400)])
    add_line(con, "C5", billed=50)
    add_remit(con, "C5", paid=0, adjustments=[("CO", "18", 45), ("CO", "45", 5)])
    add_line(con, "C6", billed=60)
    add_line(con, "C7", billed=70)
    add_remit(con, "C7", paid=0, adjustments=[("CO", "ZZ9", 70)])
    add_line(con, "S1", dos="2026-09-10", billed=1000)
    add_remit(con, "S1", paid=1000)
    run_audit(con, "2026-10")
    return con


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        yield practice(con)


def test_month_summary(acon):
    s = month_summary(acon, "2026-10")
    assert s["month"] == "2026-10"
    assert (s["lines"], s["billed"], s["remitted_lines"], s["paid"]) == (7, 1180.0, 6, 250.0)
    assert (s["denied_lines"], s["denied_dollars"], s["partially_denied_dollars"]) == (4, 420.0, 20.0)
    assert s["denial_rate_lines"] == pytest.approx(4 / 6)
    assert s["denial_rate_dollars"] == pytest.approx(420 / 1120)
    assert s["credentialing_denied_dollars"] == 300.0
    assert s["credentialing_share"] == pytest.approx(300 / 420)
    assert s["preventable_dollars"] == 200.0
    assert s["findings"] == 4 and s["findings_per_1000"] == pytest.approx(4000 / 7)
    assert s["prev"]["lines"] == 1 and s["prev"]["paid"] == 1000.0
    assert s["change"]["lines"] == 6 and s["change"]["paid"] == -750.0


def test_month_summary_without_previous_month(acon):
    s = month_summary(acon, "2026-09")
    assert s["prev"] is None and s["change"]["lines"] is None
    assert s["lines"] == 1 and s["denied_lines"] == 0 and s["denial_rate_lines"] == 0.0


def test_monthly_trend_fills_empty_months(acon):
    frame = monthly_trend(acon, "2026-10", months=3)
    assert frame.month.tolist() == ["2026-08", "2026-09", "2026-10"]
    assert frame.lines.tolist() == [0, 1, 7]
    assert frame.denied_dollars.tolist() == [0.0, 0.0, 420.0]
    assert frame.findings.tolist() == [0, 0, 4]


def test_breakdown_by_root_cause(acon):
    frame = breakdown(acon, "2026-10", "root_cause")
    got = {r.root_cause: (r.lines, r.denied_dollars) for r in frame.itertuples()}
    assert got == {"credentialing": (2, 300.0), "duplicate": (1, 50.0), "unknown": (1, 70.0)}


def test_breakdown_by_payer(acon):
    frame = breakdown(acon, "2026-10", "payer").set_index("payer_id")
    assert frame.loc["BCBS", "payer_name"] == "Blue Cross"
    assert frame.loc["BCBS", ["lines", "denied_dollars", "preventable_dollars", "findings"]].tolist() == [
        1,
        200.0,
        200.0,
        3,
    ]
    assert frame.loc["AET", ["lines", "billed", "denied_lines", "findings"]].tolist() == [6, 980.0, 3, 1]
    assert frame.loc["AET", "denial_rate_lines"] == pytest.approx(3 / 5)


def test_breakdown_by_provider_and_code(acon):
    provider = breakdown(acon, "2026-10", "provider")
    assert provider[["rendering_npi", "provider_name", "lines", "findings"]].values.tolist() == [
        ["1234567893", "Test Provider", 7, 4]
    ]
    code = breakdown(acon, "2026-10", "procedure_code")
    assert code.procedure_code.tolist() == ["99213"] and code.credentialing_denied_dollars.iloc[0] == 300.0


def test_breakdown_by_rule(acon):
    frame = breakdown(acon, "2026-10", "rule")
    got = {r.rule_id: (r.severity, r.findings, r.amount_at_risk) for r in frame.itertuples()}
    assert got == {
        "NOT_ENROLLED": ("error", 1, 200.0),
        "DENIAL_EXPLAINED": ("info", 1, 200.0),
        "DENIAL_UNEXPLAINED": ("error", 1, 100.0),
        "FIRST_TIME_COMBINATION": ("info", 1, 200.0),
    }
    assert frame.action.str.len().min() > 10


def test_breakdown_rejects_unknown_dimension(acon):
    with pytest.raises(InputError, match="Cannot break down by 'colour'"):
        breakdown(acon, "2026-10", "colour")


def test_denied_by_root_cause(acon):
    frame = denied_by_root_cause(acon, "2026-10", months=2)
    assert frame.values.tolist() == [
        ["2026-10", "credentialing", 2, 300.0],
        ["2026-10", "duplicate", 1, 50.0],
        ["2026-10", "unknown", 1, 70.0],
    ]


def test_measures_on_read_only_connection_without_stored_views(tmp_path):
    path = tmp_path / "plain.duckdb"
    with connect(path) as con:  # a database whose views were never created
        with_reference(con)
        add_credentialed_provider(con)
        add_line(con, "C1", billed=100)
        con.execute("DELETE FROM ref_meta WHERE name = 'views'")
    with connect(path, read_only=True) as ro:
        assert month_summary(ro, "2026-10")["billed"] == 100.0


def test_measures_follow_new_data(acon):
    before = month_summary(acon, "2026-10")
    assert breakdown(acon, "2026-10", "payer").lines.sum() == 7
    add_line(acon, "C8", billed=1000)
    add_remit(acon, "C8", paid=0, adjustments=[("CO", "B7", 1000)])
    after = month_summary(acon, "2026-10")
    assert after["lines"] == before["lines"] + 1
    assert after["denied_dollars"] == before["denied_dollars"] + 1000
    assert breakdown(acon, "2026-10", "payer").lines.sum() == 8
    assert denied_by_root_cause(acon, "2026-10", 1).query(
        "root_cause == 'credentialing'"
    ).denied_dollars.tolist() == [1300.0]
