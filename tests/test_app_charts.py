"""Every chart on every page has its text equivalent one click away (issue 15, accessibility): an expander
"<chart title>: as a table" under it whose rows carry the chart's numbers. Real Streamlit sessions (AppTest)
on a small hand-written practice; the expected rows are written by hand from the rows inserted here."""

from __future__ import annotations

import math

import pytest
from test_app_pages import A, B, build_small_practice, no_exception, open_app
from test_app_words import _specs

from app_pages import _words as words
from audits.reference import ensure_reference
from audits.store import connect

TITLES = {  # every chart the pages draw, by page (the provider page for Blake Fern)
    "audit": ["Findings by rule", "Misalignment by provider and payer (top 2 providers, findings)"],
    "provider": ["Enrollments by payer over time", "Findings per audited month", "Denied dollars per month"],
    "trends": [
        "Denial rate and credentialing share",
        "Denied dollars by root cause",
        "Preventable and credentialing-related denied dollars",
        "Dollars recovered per month",
        "Issues resolved per month",
    ],
}


def build_charted_practice(path):
    """The small practice (two audited findings in 2026-10) plus: September audited with one issue that is
    gone in October (resolved); Blake Fern's C2 (Aetna, 2026-10-06, $200, after his Aetna termination)
    denied for credentialing (CO-B7); Avery Stone's C1 (Aetna, 2026-10-05, $120) denied CO-B7 on 2026-10-20
    and paid $120 on 2026-11-15 (recovered by retro-billing, so no longer denied)."""
    build_small_practice(path)
    with connect(path) as con:
        ensure_reference(con, icd10=False)  # CARC root causes: B7 is a credentialing denial
        con.execute(
            "INSERT INTO audit_runs (run_id, month, started_at, finished_at, snapshot_id, status, findings)"
            " VALUES (nextval('run_id_seq'), '2026-09-01', '2026-10-03 09:00', '2026-10-03 09:01', 1, 'done', 1)"
        )
        con.execute(
            "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no, rendering_npi,"
            " payer_id, procedure_code, date_of_service, amount_at_risk, detail) VALUES"
            " (2, 'f-sep', '2026-09-01', 'LICENSE_INVALID', 'error', 'C4', 1, ?, 'AET', '99214', '2026-09-07',"
            "  150, 'no licence covers the date of service')",
            [A],
        )
        remits = [  # (claim, npi, adjudicated, billed, paid): remit_line_id 1, 2, 3
            ("C2", B, "2026-10-20", 200, 0),
            ("C1", A, "2026-10-20", 120, 0),
            ("C1", A, "2026-11-15", 120, 120),
        ]
        for claim, npi, adjudicated, billed, paid in remits:
            con.execute(
                "INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, rendering_npi,"
                " adjudication_date, billed_amount, paid_amount, source) VALUES"
                " (nextval('remit_line_id_seq'), 'AET', ?, 1, ?, ?, ?, ?, ?, ?)",
                [claim, "4" if paid == 0 else "1", npi, adjudicated, billed, paid, f"{claim}-{adjudicated}"],
            )
        con.execute(
            "INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount)"
            " VALUES (1, 1, 'line', 'CO', 'B7', 200), (2, 1, 'line', 'CO', 'B7', 120)"
        )
    return path


@pytest.fixture(scope="module")
def charted_db(tmp_path_factory):
    return build_charted_practice(tmp_path_factory.mktemp("charts") / "charts.duckdb")


def _open(monkeypatch, db, page):
    at = open_app(monkeypatch, db, page)
    if page == "provider":
        at.selectbox(key="provider_npi").set_value(B).run()
    no_exception(at)
    return at


def _table(at, title: str):
    """The rows of the chart's table: the dataframe inside its "as a table" expander."""
    found = [e for e in at.expander if e.label == f"{title}: as a table"]
    assert len(found) == 1, [e.label for e in at.expander]
    frames = found[0].dataframe
    assert len(frames) == 1
    return frames[0].value


def _rows(frame, *columns):
    return [
        tuple(None if _blank(v) else v for v in row) for row in frame[list(columns)].itertuples(index=False)
    ]


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _charts(at) -> int:
    return len(at.get("plotly_chart"))


@pytest.mark.parametrize("page", list(TITLES))
def test_every_chart_has_its_table_one_click_away(monkeypatch, charted_db, page):
    at = _open(monkeypatch, charted_db, page)
    tables = [e.label.removesuffix(": as a table") for e in at.expander if e.label.endswith(": as a table")]
    assert sorted(tables) == sorted(TITLES[page])
    assert _charts(at) == len(TITLES[page])  # no chart without its table (and no st.*_chart without one)
    for title in TITLES[page]:
        assert not _table(at, title).empty


def test_the_findings_by_rule_table_has_a_row_per_rule_with_its_count_and_dollars(monkeypatch, charted_db):
    at = _open(monkeypatch, charted_db, "audit")
    table = _table(at, "Findings by rule")
    assert _rows(table, "Rule", "Findings", "At risk") == [
        (words.rule_title("AFTER_TERMINATION"), 1, 200.0),
        (words.rule_title("ENROLLMENT_NOT_APPROVED"), 1, 80.0),
    ]
    assert set(table["Severity"]) == {"✖ Error"}  # the severity in words, not colour alone


def test_the_heatmap_table_is_the_provider_by_payer_grid(monkeypatch, charted_db):
    at = _open(monkeypatch, charted_db, "audit")
    title = "Misalignment by provider and payer (top 2 providers, findings)"
    grid = _table(at, title).set_index("Provider")
    assert grid.loc["Blake Fern"].to_dict() == {"Aetna": 1, "Medicare": 0}
    assert grid.loc["Avery Stone"].to_dict() == {"Aetna": 0, "Medicare": 1}
    at.segmented_control(key="heat_value").set_value("dollars at risk").run()
    dollars = _table(at, "Misalignment by provider and payer (top 2 providers, dollars at risk)")
    dollars = dollars.set_index("Provider")
    assert dollars.loc["Blake Fern", "Aetna"] == 200 and dollars.loc["Avery Stone", "Medicare"] == 80


def test_the_provider_charts_tables(monkeypatch, charted_db):
    at = _open(monkeypatch, charted_db, "provider")
    assert _rows(_table(at, "Enrollments by payer over time"), "Payer", "Status") == [("Aetna", "Terminated")]
    assert _rows(_table(at, "Findings per audited month"), "Month", "Findings", "At risk") == [
        ("2026-09", 0, 0.0),  # audited, nothing for him
        ("2026-10", 1, 200.0),
    ]
    denied = _table(at, "Denied dollars per month")
    assert _rows(denied, "Month", "Denied lines", "Denied") == [("2026-10", 1, 200.0)]


def test_the_trends_charts_tables(monkeypatch, charted_db):
    at = _open(monkeypatch, charted_db, "trends")
    causes = _table(at, "Denied dollars by root cause")
    assert _rows(causes, "Month", "Root cause", "Denied lines", "Denied") == [
        ("2026-10", words.word(words.ROOT_CAUSE, "credentialing"), 1, 200.0)
    ]
    rates = _table(at, "Denial rate and credentialing share")
    assert len(rates) == 12 and rates["Month"].iloc[-1] == "2026-10"
    # October: C1 and C2 remitted, C2 denied (C1 was paid later): 1 of 2 lines, $200 of $320 billed; every
    # denied dollar a credentialing one
    last = _rows(
        rates, "Denial rate (lines)", "Denial rate (dollars)", "Credentialing share", "Remitted lines"
    )[-1]
    assert last == (0.5, 200 / 320, 1.0, 2)
    assert all(r == (None, 0) for r in _rows(rates.iloc[:-1], "Denial rate (lines)", "Remitted lines"))
    saved = _table(at, "Preventable and credentialing-related denied dollars").set_index("Month")
    # C2 carries a blocking finding (billed after the enrollment ended): preventable as well
    assert saved.loc["2026-10"].to_dict() == {"Preventable": 200.0, "Credentialing-related denied": 200.0}
    assert saved.drop(index="2026-10").to_numpy().sum() == 0
    assert _rows(_table(at, "Dollars recovered per month"), "Month", "Lines", "Recovered dollars") == [
        ("2026-10", 1, 120.0)
    ]
    resolved = _table(at, "Issues resolved per month")
    assert _rows(resolved, "Month", "Resolved issues") == [("2026-09", 0), ("2026-10", 1)]


def test_a_chart_draws_the_numbers_of_its_table(monkeypatch, charted_db):
    """The recovered-dollars bars (drawn with the page's own plotly call) are the rows of their table."""
    at = _open(monkeypatch, charted_db, "trends")
    bars = [s for s in _specs(at) if s["data"][0].get("texttemplate") == "$%{y:,.0f}"]  # money bars
    assert len(bars) == 1
    table = _table(at, "Dollars recovered per month")
    drawn = bars[0]["data"][0]
    assert list(drawn["x"]) == table["Month"].tolist() == ["2026-10"]
    assert [float(v) for v in drawn["y"]] == table["Recovered dollars"].tolist() == [120.0]


def test_counts_are_drawn_as_whole_numbers(monkeypatch, charted_db):
    """Two findings: the findings-by-rule axis and the heatmap's scale tick 0, 1 (never 0.5 of a finding)."""
    at = _open(monkeypatch, charted_db, "audit")
    bars, heat = _specs(at)
    assert bars["layout"]["xaxis"]["tickformat"] == ",d" and bars["layout"]["xaxis"]["dtick"] == 1
    colorbar = heat["data"][0]["colorbar"]
    assert colorbar["tickformat"] == ",d" and colorbar["dtick"] == 1


def test_months_run_in_order_whichever_cause_comes_first(monkeypatch, tmp_path):
    """September's only denial is a coding one, October's a credentialing one: the credentialing bars are
    drawn first, and the months still read September, October (not in the order the bars appear)."""
    db = build_charted_practice(tmp_path / "order.duckdb")
    with connect(db) as con:  # C4: Avery Stone, Aetna, 2026-09-07, $150, denied CO-4 (coding)
        con.execute(
            "INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, rendering_npi,"
            " adjudication_date, billed_amount, paid_amount, source) VALUES"
            " (nextval('remit_line_id_seq'), 'AET', 'C4', 1, '4', ?, '2026-09-20', 150, 0, 'C4-deny')",
            [A],
        )
        con.execute(
            "INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount)"
            " VALUES (4, 1, 'line', 'CO', '4', 150)"
        )
    at = _open(monkeypatch, db, "trends")
    causes = _table(at, "Denied dollars by root cause")
    assert _rows(causes, "Month", "Denied") == [("2026-09", 150.0), ("2026-10", 200.0)]
    spec = next(
        s for s in _specs(at) if s["data"][0]["type"] == "bar" and "pattern" in s["data"][0]["marker"]
    )
    assert spec["data"][0]["name"] == words.word(words.ROOT_CAUSE, "credentialing")  # drawn first
    assert spec["layout"]["xaxis"]["categoryarray"] == ["2026-09", "2026-10"]
