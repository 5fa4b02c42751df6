"""Exports: the findings CSV (SPEC 4 columns, neutralised text) and the Excel audit workbook.

Findings and runs are written by hand into a fresh database (the `con` fixture): these tests check
the export, not the rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook

from audits import findings as findings_model
from audits import reports
from audits.errors import InputError, NotFound
from audits.reports import (
    FINDING_COLUMNS,
    RunInfo,
    WorkbookData,
    neutralise,
    render_workbook,
    write_findings_csv,
    write_workbook,
)

OCT = dt.date(2026, 10, 1)
FORMULA = '=HYPERLINK("http://example.invalid","click")'

# (rule_id, severity, claim_id, line_no, rendering_npi, payer_id, procedure_code, dos, amount, detail)
FINDINGS = [
    (
        "BEFORE_EFFECTIVE",
        "error",
        "C100",
        1,
        "1234567893",
        "AETNA",
        "99213",
        dt.date(2026, 10, 17),
        Decimal("125.00"),
        "Aetna enrollment effective 2026-11-01; date of service is 2026-10-17",
    ),
    (
        "PAID_DESPITE_FINDING",
        "error",
        "C101",
        2,
        "1234567893",
        "AETNA",
        "93000",
        dt.date(2026, 10, 3),
        Decimal("-40.50"),
        FORMULA,
    ),
    (
        "CREDENTIAL_EXPIRING",
        "warning",
        None,
        None,
        "1234567893",
        None,
        None,
        None,
        Decimal("900.00"),
        "+state licence TX expires 2026-12-15",
    ),
]


def add_run(con, month=OCT, status="done", findings=FINDINGS, run_id=None):
    run_id = run_id or con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM audit_runs").fetchall()[0][0]
    con.execute(
        "INSERT INTO audit_runs (run_id, month, started_at, finished_at, snapshot_id, rules_version, status, "
        "lines_audited, findings) VALUES (?, ?, TIMESTAMP '2026-11-02 08:00:00', "
        "TIMESTAMP '2026-11-02 08:00:05', 3, 'abc123', ?, 10, ?)",
        [run_id, month, status, len(findings)],
    )
    for i, f in enumerate(findings):
        con.execute(
            "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no, rendering_npi, "
            "payer_id, procedure_code, date_of_service, amount_at_risk, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, f"f{run_id}-{i}", month, *f],
        )
    return run_id


def add_names(con):
    con.execute(
        "INSERT INTO providers (npi, provider_name, status) VALUES ('1234567893', 'Dana Example', 'active')"
    )
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")


# --------------------------------------------------------------------------- neutralise


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", "{=A1}", FORMULA],
)
def test_neutralise_prefixes_dangerous_text(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Aetna", "99213", "", " =spaced", "{A1}", "a=b"])
def test_neutralise_leaves_safe_text(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [-40.5, -3, 0, Decimal("-1.25"), None, dt.date(2026, 10, 1)])
def test_neutralise_leaves_non_text_alone(value):
    assert neutralise(value) == value
    assert type(neutralise(value)) is type(value)


# --------------------------------------------------------------------------- CSV


def test_findings_csv_has_spec_columns_in_order_and_neutralised_text(con, tmp_path):
    add_run(con)
    out = tmp_path / "findings.csv"
    assert write_findings_csv(con, "2026-10", out) == 3
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == FINDING_COLUMNS
    assert len(rows) == 4
    by_claim = {r[2]: dict(zip(FINDING_COLUMNS, r, strict=True)) for r in rows[1:]}
    paid = by_claim["C101"]
    assert paid["detail"] == "'" + FORMULA
    assert paid["amount_at_risk"] == "-40.50"  # a negative number stays a number, not "'-40.50"
    assert paid["line_no"] == "2"
    assert paid["date_of_service"] == "2026-10-03"
    provider_level = by_claim[""]
    assert provider_level["line_no"] == "" and provider_level["date_of_service"] == ""
    assert provider_level["detail"] == "'+state licence TX expires 2026-12-15"
    assert by_claim["C100"]["detail"].startswith("Aetna enrollment")


def test_findings_csv_reads_back_with_pandas_as_numbers(con, tmp_path):
    add_run(con)
    out = tmp_path / "f.csv"
    write_findings_csv(con, "2026-10", out)
    frame = pd.read_csv(out, dtype={"claim_id": str, "rendering_npi": str})
    assert list(frame.columns) == list(FINDING_COLUMNS)
    assert sorted(frame["amount_at_risk"].tolist()) == [-40.5, 125.0, 900.0]


def test_csv_uses_only_the_current_run(con, tmp_path):
    old = FINDINGS[:1]
    add_run(con, status="superseded", findings=old + old[:1] + FINDINGS[2:])
    add_run(con, findings=FINDINGS[:2])
    add_run(con, month=dt.date(2026, 9, 1), findings=FINDINGS)
    out = tmp_path / "f.csv"
    assert write_findings_csv(con, "2026-10", out) == 2
    with out.open(newline="", encoding="utf-8") as handle:
        assert [r["claim_id"] for r in csv.DictReader(handle)] == ["C100", "C101"]


def test_csv_of_a_month_without_findings_has_just_the_header(con, tmp_path):
    add_run(con, findings=[])
    out = tmp_path / "empty.csv"
    assert write_findings_csv(con, "2026-10", out) == 0
    assert out.read_text(encoding="utf-8").strip() == ",".join(FINDING_COLUMNS)


def test_month_never_audited_is_one_sentence_and_writes_nothing(con, tmp_path):
    add_run(con)
    out = tmp_path / "none.csv"
    with pytest.raises(NotFound, match=r"2026-08 has not been audited yet - run the audit for 2026-08 first"):
        # the core names no CLI flag: the CLI words its own fix (tests/test_cli_reports.py)
        write_findings_csv(con, "2026-08", out)
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("month", ["2026-13", "October", "2026/10", "", "2026-10-xx", "2026-10-32"])
def test_bad_month_is_an_input_error(con, tmp_path, month):
    with pytest.raises(InputError, match="is not a month"):
        write_findings_csv(con, month, tmp_path / "x.csv")


def test_wrong_extension_and_missing_folder_are_input_errors(con, tmp_path):
    add_run(con)
    with pytest.raises(InputError, match=r"must end in \.csv"):
        write_findings_csv(con, "2026-10", tmp_path / "f.txt")
    with pytest.raises(InputError, match="does not exist"):
        write_findings_csv(con, "2026-10", tmp_path / "nowhere" / "f.csv")


# --------------------------------------------------------------------------- workbook rendering


def hand_made_data() -> WorkbookData:
    """Workbook content written by hand, as audits.measures would return it."""
    summary = {
        "month": "2026-10",
        "lines": 1000,
        "billed": 150000.0,
        "remitted_lines": 900,
        "paid": 1233.360000000001,  # float noise: stored as cents
        "denied_lines": 60,
        "denied_dollars": 9000.0,
        "partially_denied_dollars": 500.0,
        "denial_rate_lines": 60 / 900,
        "denial_rate_dollars": 0.07,
        "credentialing_denied_dollars": 3000.0,
        "credentialing_share": 1 / 3,
        "preventable_dollars": 2500.0,
        "findings": 3,
        "findings_per_1000": 3.0,
    }
    prev = dict(summary, month="2026-09", lines=800, denied_dollars=7000.0, denial_rate_dollars=0.05)
    summary["prev"] = prev
    summary["change"] = {k: summary[k] - prev[k] for k in summary if isinstance(summary[k], int | float)}
    by_rule = pd.DataFrame(
        {
            "rule_id": ["BEFORE_EFFECTIVE", "PAID_DESPITE_FINDING"],
            "severity": ["error", "error"],
            "findings": [1, 1],
            "amount_at_risk": [125.0, -40.5],
            "description": ["Billed before the enrollment was effective", "Paid despite a finding"],
            "action": ["Hold claims until the effective date", "-Refund or appeal"],
        }
    )
    by_provider = pd.DataFrame(
        {
            "rendering_npi": ["1234567893"],
            "provider_name": ["@Dana Example"],
            "lines": [10],
            "billed": [1500.0],
            "denied_dollars": [125.0],
            "denial_rate_lines": [0.1],
            "findings_per_1000": [300.0],
        }
    )
    by_payer = pd.DataFrame({"payer_id": ["AETNA"], "payer_name": ["Aetna"], "denied_dollars": [125.0]})
    by_code = pd.DataFrame({"procedure_code": ["99213"], "lines": [5], "denied_dollars": [125.0]})
    trend = pd.DataFrame(
        {
            "month": [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)],
            "denied_dollars": [1000.0 * m for m in range(12)],
            "preventable_dollars": [400.0 * m for m in range(12)],
            "denial_rate_dollars": [0.01 * m for m in range(12)],
            "lines": [100] * 12,
        }
    )
    detail = pd.DataFrame.from_records(
        [(*f[:7], f[7], f[8], f[9]) for f in FINDINGS], columns=list(FINDING_COLUMNS)
    )
    detail["provider_name"] = "Dana Example"
    detail["payer_name"] = ["Aetna", "Aetna", None]
    detail["action"] = ["Hold claims", "Refund", "Renew the licence"]
    detail = detail[list(reports.DETAIL_COLUMNS)]
    run = RunInfo(7, OCT, dt.datetime(2026, 11, 2, 8), dt.datetime(2026, 11, 2, 8, 1), 3, "abc123", 1000, 3)
    return WorkbookData(
        month=OCT,
        run=run,
        summary=summary,
        breakdowns={"By rule": by_rule, "By provider": by_provider, "By payer": by_payer, "By code": by_code},
        trend=trend,
        detail=detail,
    )


@pytest.fixture
def rendered(tmp_path):
    path = tmp_path / "audit.xlsx"
    render_workbook(hand_made_data(), path)
    return path


def find_row(ws, column, text):
    for row in ws.iter_rows():
        if row[column - 1].value == text:
            return row
    raise AssertionError(f"{text!r} not found in column {column} of {ws.title}")


def test_workbook_has_the_sheets_in_order(rendered):
    wb = load_workbook(rendered)
    assert wb.sheetnames == ["Summary", "By rule", "By provider", "By payer", "By code", "Detail", "Trend"]


def test_summary_numbers_are_numbers_with_currency_and_percent_formats(rendered):
    ws = load_workbook(rendered)["Summary"]
    denied = find_row(ws, 1, "Denied dollars")
    assert denied[1].value == 9000 and denied[2].value == 7000 and denied[3].value == 2000
    assert all("$" in c.number_format for c in denied[1:4])
    rate = find_row(ws, 1, "Denial rate (dollars)")
    assert rate[1].value == pytest.approx(0.07) and rate[3].value == pytest.approx(0.02)
    assert rate[1].number_format == "0.0%"
    paid = find_row(ws, 1, "Paid")
    assert paid[1].value == 1233.36
    lines = find_row(ws, 1, "Claim lines")
    assert lines[1].value == 1000 and lines[1].data_type == "n"
    assert lines[3].value == 200


def test_detail_sheet_frozen_filtered_formatted_and_neutralised(rendered):
    ws = load_workbook(rendered)["Detail"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Severity", "Rule", "Claim", "Line"]
    assert "Amount at risk" in header and "What to do" in header
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}4"
    amount_col = header.index("Amount at risk") + 1
    dos_col = header.index("Date of service") + 1
    detail_col = header.index("Detail") + 1
    row = find_row(ws, 3, "C101")
    assert row[amount_col - 1].value == -40.5 and row[amount_col - 1].data_type == "n"
    assert "$" in row[amount_col - 1].number_format
    assert row[dos_col - 1].is_date and row[dos_col - 1].number_format == "yyyy-mm-dd"
    assert row[detail_col - 1].value == "'" + FORMULA and row[detail_col - 1].data_type == "s"
    assert ws.column_dimensions["L"].width > ws.column_dimensions["D"].width
    assert 8 <= ws.column_dimensions["D"].width <= 60


def test_breakdown_sheets_keep_text_safe(rendered):
    wb = load_workbook(rendered)
    provider = wb["By provider"]
    assert provider["B2"].value == "'@Dana Example"
    assert provider["E2"].value == 125 and "$" in provider["E2"].number_format
    assert provider["F2"].number_format == "0.0%"
    assert wb["By rule"]["F3"].value == "'-Refund or appeal"
    assert wb["By rule"]["D3"].value == -40.5


def test_trend_sheet_has_a_native_bar_and_line_chart(rendered):
    ws = load_workbook(rendered)["Trend"]
    assert [c.value for c in ws[1]] == [
        "Month",
        "Denied dollars",
        "Preventable dollars",
        "Denial rate (dollars)",
    ]
    assert ws["A13"].value == "2026-10" and ws["B13"].value == 11000
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    kinds = {type(chart).__name__} | {type(c).__name__ for c in getattr(chart, "_charts", [])}
    assert "BarChart" in kinds
    assert len(chart.series) >= 2


def test_no_cell_is_a_formula(rendered):
    wb = load_workbook(rendered)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_libreoffice_opens_the_workbook_without_repair(rendered, tmp_path):
    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice is missing: CI must install Debian's libreoffice-calc-nogui.")
        pytest.skip(
            "LibreOffice (soffice) is not installed here: install libreoffice-calc-nogui to run this."
        )
    profile = tmp_path / "lo-profile"
    out_dir = tmp_path / "converted"
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out_dir),
            str(rendered),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    produced = sorted(out_dir.glob("*.csv"))
    assert len(produced) == 7, (result.stdout, result.stderr)  # one CSV per sheet
    detail = next(p for p in produced if "Detail" in p.name).read_text(encoding="utf-8")
    assert "C101" in detail and "HYPERLINK" in detail
    assert "error" in detail.lower()


# --------------------------------------------------------------------------- workbook from the database


def test_write_workbook_from_the_database(con, tmp_path):
    add_names(con)
    add_run(con)
    out = tmp_path / "audit.xlsx"
    assert write_workbook(con, "2026-10", out) == 3
    wb = load_workbook(out)
    assert wb.sheetnames == list(reports.sheet_names())
    detail = wb["Detail"]
    header = [c.value for c in detail[1]]
    row = find_row(detail, header.index("Claim") + 1, "C101")
    assert row[header.index("Provider")].value == "Dana Example"
    assert row[header.index("Payer")].value == "Aetna"
    assert row[header.index("Detail")].value == "'" + FORMULA
    assert len(wb["Trend"]._charts) == 1
    by_payer = wb["By payer"]
    keys = [row[0].value for row in by_payer.iter_rows(min_row=2)]
    assert sorted(keys) == ["(none)", "AETNA"]  # the licence finding has no payer
    rule_header = [c.value for c in wb["By rule"][1]]
    assert "What to do" in rule_header
    assert row[header.index("What to do")].value  # the rule's action, joined from the registry


def test_write_workbook_without_a_run_writes_nothing(con, tmp_path):
    out = tmp_path / "audit.xlsx"
    with pytest.raises(NotFound):
        write_workbook(con, "2026-10", out)
    assert not out.exists()


def test_audited_months_lists_finished_runs_newest_first(con):
    add_run(con, month=dt.date(2026, 9, 1))
    add_run(con, month=dt.date(2026, 10, 1))
    add_run(con, month=dt.date(2026, 10, 1))
    add_run(con, month=dt.date(2026, 11, 1), status="failed")
    assert findings_model.audited_months(con) == ["2026-10", "2026-09"]


def test_workbook_of_a_month_without_findings(con, tmp_path):
    add_run(con, findings=[])
    out = tmp_path / "empty.xlsx"
    assert write_workbook(con, "2026-10", out) == 0
    wb = load_workbook(out)
    detail = wb["Detail"]
    assert detail.max_row == 1 and detail["A1"].value == "Severity"
    assert find_row(wb["Summary"], 1, "Findings")[1].value == 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)


def test_workbook_neutralises_names_from_the_roster(con, tmp_path):
    con.execute(
        "INSERT INTO providers (npi, provider_name, status) VALUES ('1234567893', '=EVIL()', 'active')"
    )
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', '@Aetna')")
    add_run(con)
    out = tmp_path / "names.xlsx"
    write_workbook(con, "2026-10", out)
    wb = load_workbook(out)
    header = [c.value for c in wb["Detail"][1]]
    row = find_row(wb["Detail"], header.index("Claim") + 1, "C100")
    assert row[header.index("Provider")].value == "'=EVIL()"
    assert row[header.index("Payer")].value == "'@Aetna"
    assert find_row(wb["By provider"], 1, "1234567893")[1].value == "'=EVIL()"
