"""The monthly audit pack: the Excel audit workbook (audits.reports) plus the sheets the monthly
interdepartmental meeting works from (issue 11):

- Changes: new, recurring and resolved issues since last month, with dollars (audits.lifecycle.changes,
  the same frame the monthly audit page shows), and every changed issue below it in "Changed issues";
- Repeat offenders: provider-payer pairs with findings three months running;
- Work queue: the month's open issues with owners, statuses and notes;
- Exclusion screening (and its matches): audits.exclusions.screening_sheet;
- Sign-off: department, reviewer, date (and signature, comments) for each department at the meeting.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from audits import lifecycle
from audits.months import month_label, month_start

PACK_SHEETS = (
    "Changes",
    "Changed issues",
    "Repeat offenders",
    "Work queue",
    "Exclusion screening",
    "Screening matches",
    "Sign-off",
)
SIGN_OFF_DEPARTMENTS = ("Credentialing", "Coding", "Billing", "Compliance", "Practice management")
SIGN_OFF_COLUMNS = ("Department", "Reviewer", "Date", "Signature", "Comments")
# Column names the workbook formats as money (reports: names ending in _dollars).
_MONEY_RENAMES = {"dollars": "issue_dollars", "dollars_3_months": "three_month_dollars"}


@dataclass
class PackData:
    month: dt.date
    summary: lifecycle.ChangeSummary
    offenders: pd.DataFrame
    work_queue: pd.DataFrame
    screenings: pd.DataFrame
    screening_matches: pd.DataFrame


def collect_pack_data(con: duckdb.DuckDBPyConnection, month) -> PackData:
    from audits.exclusions import screening_sheet

    first = month_start(month)
    summary = lifecycle.changes(con, first)
    work_queue = lifecycle.queue(con, first)
    work_queue["status"] = work_queue["status"].map(lifecycle.STATUS_LABELS)
    screenings, matches = screening_sheet(con, first)
    return PackData(
        month=first,
        summary=summary,
        offenders=lifecycle.repeat_offenders(con, first),
        work_queue=work_queue,
        screenings=screenings,
        screening_matches=matches,
    )


def _money(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=_MONEY_RENAMES)


def _title(ws, text: str, note: str | None = None) -> int:
    """A bold title in A1 and an optional sentence in A2; returns the first row for a table."""
    from openpyxl.styles import Font

    ws["A1"] = text
    ws["A1"].font = Font(bold=True, size=14)
    if note:
        ws["A2"] = note
    return 4


def add_pack_sheets(wb, data: PackData) -> None:
    """Append the pack's sheets to an openpyxl workbook."""
    from openpyxl.styles import Font

    from audits.reports import _write_table

    label = month_label(data.month)
    summary = data.summary
    since = (
        f"Compared with {summary.previous_month}."
        if summary.previous_audited
        else f"{summary.previous_month} was not audited: every open issue counts as new."
    )
    ws = wb.create_sheet("Changes")
    row = _title(ws, f"What changed since last month - {label}", since)
    _write_table(ws, _money(summary.frame()), start_row=row)
    ws.cell(
        row=row + 5, column=1, value="Dollars: the issues' amount at risk this month; resolved: last month's."
    )
    ws = wb.create_sheet("Changed issues")
    _write_table(ws, _money(summary.issues))

    ws = wb.create_sheet("Repeat offenders")
    row = _title(
        ws,
        f"Repeat offenders - {label}",
        f"Provider-payer pairs with findings in each of the {lifecycle.REPEAT_MONTHS} months up to {label} "
        "(info findings not counted).",
    )
    _write_table(ws, _money(data.offenders), start_row=row)

    ws = wb.create_sheet("Work queue")
    _write_table(ws, _money(data.work_queue))

    ws = wb.create_sheet("Exclusion screening")
    if data.screenings.empty:
        row = _title(ws, f"Exclusion screening - {label}", f"No exclusion screening was run in {label}.")
    else:
        row = _title(
            ws, f"Exclusion screening - {label}", "Screenings run in the month; matches of the last one."
        )
    _write_table(ws, data.screenings, start_row=row)
    _write_table(wb.create_sheet("Screening matches"), data.screening_matches)

    ws = wb.create_sheet("Sign-off")
    row = _title(
        ws, f"Sign-off - audit of {label}", "Each department's reviewer signs after the monthly meeting."
    )
    frame = pd.DataFrame(
        {
            "Department": list(SIGN_OFF_DEPARTMENTS),
            **{c: [None] * len(SIGN_OFF_DEPARTMENTS) for c in SIGN_OFF_COLUMNS[1:]},
        }
    )
    _write_table(ws, frame, start_row=row, labels=False)
    for i in range(len(SIGN_OFF_DEPARTMENTS)):
        ws.cell(row=row + 1 + i, column=3).number_format = "yyyy-mm-dd"
    ws.cell(row=row + len(SIGN_OFF_DEPARTMENTS) + 2, column=1, value="Meeting date:").font = Font(bold=True)
    for letter, width in zip("ABCDE", (24, 28, 14, 28, 50), strict=True):
        ws.column_dimensions[letter].width = width


@dataclass
class PackResult:
    path: Path
    findings: int
    summary: lifecycle.ChangeSummary
    queue_issues: int


def write_pack(con: duckdb.DuckDBPyConnection, month, path: str | os.PathLike) -> PackResult:
    """Write the month's audit pack (.xlsx): the audit workbook and the pack's sheets."""
    from audits.reports import _check_out_path, _replace_atomically, collect_workbook_data, render_workbook

    target = _check_out_path(path, (".xlsx",))
    workbook = collect_workbook_data(con, month)
    data = collect_pack_data(con, month)
    _replace_atomically(
        target, lambda tmp: render_workbook(workbook, tmp, extra=lambda wb: add_pack_sheets(wb, data))
    )
    return PackResult(
        path=target,
        findings=0 if workbook.detail is None else len(workbook.detail),
        summary=data.summary,
        queue_issues=len(data.work_queue),
    )
