"""Exports of a month's audit: the findings CSV and the Excel audit workbook (SPEC 4-6).

Both read the month's *current* run: the latest audit_runs row of that month with status
'done'. Every text cell that a spreadsheet could take for a formula (it begins with =, +, -,
@, tab, carriage return or {=) is neutralised with a leading single quote and kept as text;
numbers stay numbers (OWASP, "CSV Injection").

The workbook is what a practice manager forwards: a Summary of the month's measures with the
change from the previous month, breakdowns by rule, provider, payer and code, the Detail of every
finding, and a 12-month Trend with a native Excel chart. Measures come from audits.measures (never
recomputed here); findings are read straight from the findings table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from audits.errors import InputError
from audits.findings import FINDING_COLUMNS, RunInfo, require_run
from audits.findings import findings as findings_read
from audits.months import month_label, month_start

# SPEC 7: text that a spreadsheet would read as a formula or command (a line feed first, too: some
# spreadsheets drop leading line breaks and then read what follows).
_DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "{=")
_EXCEL_MAX_CELL_CHARS = 32_767
_EXCEL_MAX_ROWS = 1_048_576


def neutralise(value: Any) -> Any:
    """Make a text cell safe for a spreadsheet; leave every other value as it is.

    Text that begins with =, +, -, @, tab, carriage return, line feed or {= gets a leading single quote,
    so Excel, LibreOffice and Sheets show it as text instead of evaluating it. Numbers (also
    negative ones), dates and empty values are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS_PREFIXES):
        return "'" + value
    return value


# --------------------------------------------------------------------------- the month's run
# The current run and the named findings come from the findings read model (audits.findings).


def _run_findings(con: duckdb.DuckDBPyConnection, month: dt.date) -> pd.DataFrame:
    """The month's current findings with names and actions, in export order (errors, then by rule)."""
    return findings_read(con, month, order="rule")


# --------------------------------------------------------------------------- writing files safely


def _check_out_path(path: str | os.PathLike, suffixes: Sequence[str]) -> Path:
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise InputError(f"{target.name} must end in {' or '.join(suffixes)} - choose another file name.")
    if target.exists() and target.is_dir():
        raise InputError(
            f"{target} is a folder - give a file name, e.g. {target / ('findings' + suffixes[0])}."
        )
    if not target.parent.exists():
        raise InputError(f"The folder {target.parent} does not exist - create it or choose another path.")
    return target


def _replace_atomically(target: Path, write) -> None:
    """Write to a temp file beside the target, then move it into place: no half-written exports."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except PermissionError:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"{target} cannot be written (is it open in Excel?) - close it and try again."
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- CSV


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text the way every export of the product writes it: header and text cells
    neutralised, dates as YYYY-MM-DD, numbers as numbers, and any cell holding a comma, a quote, a
    carriage return or a line feed quoted, rows ended by CRLF - so no cell can split a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_cell(str(c)) for c in frame.columns])
    for record in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(_plain(v)) for v in record])
    return buffer.getvalue()


def table_bytes(frame: pd.DataFrame, suffix: str = ".csv") -> bytes:
    """csv_text as UTF-8 bytes, or (suffix .xlsx) a one-sheet workbook of the frame in which every text
    cell is text (never a formula) and neutralised - for downloads."""
    if suffix.lower() == ".xlsx":
        import openpyxl

        workbook = openpyxl.Workbook()
        _write_table(workbook.active, frame, labels=False)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    return csv_text(frame).encode("utf-8")


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """table_bytes written to `path` (.csv or .xlsx) in one step: no half-written file."""
    target = _check_out_path(path, (".csv", ".xlsx", ".xlsm"))
    payload = table_bytes(frame, ".xlsx" if target.suffix.lower() in (".xlsx", ".xlsm") else ".csv")
    _replace_atomically(target, lambda tmp: tmp.write_bytes(payload))
    return target


def _plain(value: Any) -> Any:
    """A pandas/numpy cell as a plain Python value (missing -> None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
        return value.date() if value.time() == dt.time(0) else value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return neutralise(value)


def write_findings_csv(con: duckdb.DuckDBPyConnection, month: str | dt.date, path: str | os.PathLike) -> int:
    """Write the month's current findings as CSV with exactly the columns of SPEC 4; returns the row count."""
    target = _check_out_path(path, (".csv",))
    run = require_run(con, month)
    frame = _run_findings(con, run.month)
    frame["amount_at_risk"] = [None if pd.isna(v) else Decimal(f"{v:.2f}") for v in frame["amount_at_risk"]]
    rows = list(frame[list(FINDING_COLUMNS)].itertuples(index=False, name=None))

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(FINDING_COLUMNS)
            for row in rows:
                writer.writerow([_csv_cell(_plain(v)) for v in row])

    _replace_atomically(target, write)
    return len(rows)


# --------------------------------------------------------------------------- workbook content

# Number formats, chosen by column name.
MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
RATIO_FORMAT = "#,##0.0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

MONEY_COLUMNS = {
    "billed",
    "paid",
    "denied_dollars",
    "partially_denied_dollars",
    "credentialing_denied_dollars",
    "preventable_dollars",
    "amount_at_risk",
    "billed_amount",
    "paid_amount",
}
PERCENT_COLUMNS = {"denial_rate_lines", "denial_rate_dollars", "credentialing_share"}
RATIO_COLUMNS = {"findings_per_1000"}
COUNT_COLUMNS = {"lines", "remitted_lines", "denied_lines", "findings", "line_no", "run_id", "snapshot_id"}

# Summary rows: (measure key, label), in the order a manager reads them.
SUMMARY_MEASURES = (
    ("lines", "Claim lines"),
    ("billed", "Billed"),
    ("remitted_lines", "Remitted lines"),
    ("paid", "Paid"),
    ("denied_lines", "Denied lines"),
    ("denied_dollars", "Denied dollars"),
    ("partially_denied_dollars", "Partially denied dollars"),
    ("denial_rate_lines", "Denial rate (lines)"),
    ("denial_rate_dollars", "Denial rate (dollars)"),
    ("credentialing_denied_dollars", "Credentialing-related denied dollars"),
    ("credentialing_share", "Credentialing share of denied dollars"),
    ("preventable_dollars", "Preventable dollars"),
    ("findings", "Findings"),
    ("findings_per_1000", "Findings per 1,000 lines"),
)

HEADER_LABELS = {
    "rule_id": "Rule",
    "severity": "Severity",
    "claim_id": "Claim",
    "line_no": "Line",
    "rendering_npi": "Rendering NPI",
    "npi": "NPI",
    "provider_name": "Provider",
    "payer_id": "Payer ID",
    "payer_name": "Payer",
    "procedure_code": "Code",
    "date_of_service": "Date of service",
    "amount_at_risk": "Amount at risk",
    "detail": "Detail",
    "description": "Rule description",
    "action": "What to do",
    "root_cause": "Root cause",
    "month": "Month",
    "lines": "Lines",
    "billed": "Billed",
    "paid": "Paid",
    "remitted_lines": "Remitted lines",
    "denied_lines": "Denied lines",
    "denied_dollars": "Denied dollars",
    "partially_denied_dollars": "Partially denied dollars",
    "denial_rate_lines": "Denial rate (lines)",
    "denial_rate_dollars": "Denial rate (dollars)",
    "credentialing_denied_dollars": "Credentialing denied dollars",
    "credentialing_share": "Credentialing share",
    "preventable_dollars": "Preventable dollars",
    "findings": "Findings",
    "findings_per_1000": "Findings per 1,000 lines",
}

DETAIL_COLUMNS = (
    "severity",
    "rule_id",
    "claim_id",
    "line_no",
    "rendering_npi",
    "provider_name",
    "payer_id",
    "payer_name",
    "procedure_code",
    "date_of_service",
    "amount_at_risk",
    "detail",
    "action",
)

# The breakdown sheets: (sheet title, measures.breakdown `by`, column to sort by, descending).
BREAKDOWN_SHEETS = (
    ("By rule", "rule", "amount_at_risk"),
    ("By provider", "provider", "denied_dollars"),
    ("By payer", "payer", "denied_dollars"),
    ("By code", "procedure_code", "denied_dollars"),
)
BREAKDOWN_KEYS = ("rendering_npi", "npi", "payer_id", "procedure_code", "root_cause", "rule_id")
NO_KEY = "(none)"
TREND_SERIES = (
    ("denied_dollars", "Denied dollars"),
    ("preventable_dollars", "Preventable dollars"),
    ("denial_rate_dollars", "Denial rate (dollars)"),
)


@dataclass
class WorkbookData:
    """Everything the workbook shows, gathered before a single cell is written."""

    month: dt.date
    run: RunInfo
    summary: dict[str, Any]
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    trend: pd.DataFrame | None = None
    detail: pd.DataFrame | None = None


def collect_workbook_data(con: duckdb.DuckDBPyConnection, month: str | dt.date) -> WorkbookData:
    """Read the month's run, measures, breakdowns, trend and findings (no writing)."""
    first = month_start(month)
    run = require_run(con, first)
    from audits import measures  # the audit engine's measures; imported late so CSV export needs none

    label = month_label(first)
    summary = measures.month_summary(con, label)
    breakdowns = {}
    for title, by, sort_key in BREAKDOWN_SHEETS:
        frame = measures.breakdown(con, label, by)
        for key in BREAKDOWN_KEYS:
            if key in frame.columns:  # provider-level findings have no payer or code
                frame[key] = frame[key].astype(object).where(frame[key].notna(), NO_KEY)
        if sort_key in frame.columns and len(frame):
            frame = frame.sort_values(sort_key, ascending=False, kind="stable")
        breakdowns[title] = frame.reset_index(drop=True)
    trend = measures.monthly_trend(con, label, 12)
    detail = _run_findings(con, first)[list(DETAIL_COLUMNS)]
    return WorkbookData(
        month=first, run=run, summary=summary, breakdowns=breakdowns, trend=trend, detail=detail
    )


def write_workbook(con: duckdb.DuckDBPyConnection, month: str | dt.date, path: str | os.PathLike) -> int:
    """Write the month's Excel audit workbook; returns the number of findings in its Detail sheet."""
    target = _check_out_path(path, (".xlsx",))
    data = collect_workbook_data(con, month)
    _replace_atomically(target, lambda tmp: render_workbook(data, tmp))
    return 0 if data.detail is None else len(data.detail)


# --------------------------------------------------------------------------- workbook rendering


def _number_format(column: str) -> str | None:
    if column in PERCENT_COLUMNS or column.startswith("denial_rate") or column.endswith("_share"):
        return PERCENT_FORMAT
    if column in MONEY_COLUMNS or column.endswith(("_dollars", "_amount")):
        return MONEY_FORMAT
    if column in RATIO_COLUMNS:
        return RATIO_FORMAT
    if column in COUNT_COLUMNS or column.endswith("_lines") or column.startswith("lines"):
        return COUNT_FORMAT
    return None


def _label(column: str) -> str:
    return HEADER_LABELS.get(column, column.replace("_", " ").capitalize())


def excel_value(value: Any) -> Any:
    """A Python/pandas value as openpyxl should store it: numbers as numbers, text neutralised."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value.replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
        return value
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:_EXCEL_MAX_CELL_CHARS]
        return neutralise(value) or None
    return value


def _set_text_safe(cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text


def _header_style():
    from openpyxl.styles import Alignment, Font, PatternFill

    return (
        Font(bold=True, color="FFFFFF"),
        PatternFill("solid", fgColor="1F4E78"),
        Alignment(vertical="center", wrap_text=True),
    )


def _write_table(
    ws, frame: pd.DataFrame, *, start_row: int = 1, widths_max: int = 60, labels: bool = True
) -> None:
    """A frame as a table: styled frozen header (the columns' labels, or with labels=False the names as
    they are), autofilter, number/date formats, sensible widths. Every text cell is text, neutralised."""
    from openpyxl.utils import get_column_letter

    font, fill, align = _header_style()
    columns = list(frame.columns)
    widths = []
    for j, column in enumerate(columns, start=1):
        cell = ws.cell(row=start_row, column=j)
        header = excel_value(_label(column) if labels else str(column)) or ""
        _set_text_safe(cell, header)
        cell.font, cell.fill, cell.alignment = font, fill, align
        widths.append(max(8, len(header) + 2))
    formats = [_number_format(c) for c in columns]
    sample_len = [0] * len(columns)
    for i, record in enumerate(frame.itertuples(index=False, name=None), start=start_row + 1):
        for j, raw in enumerate(record):
            value = excel_value(raw)
            if value is None:
                continue
            cell = ws.cell(row=i, column=j + 1)
            _set_text_safe(cell, value)
            if isinstance(value, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            elif formats[j] and isinstance(value, int | float):
                if formats[j] == MONEY_FORMAT and isinstance(value, float):
                    value = cell.value = round(value, 2)  # cents, without float noise
                cell.number_format = formats[j]
            if i - start_row <= 2000:  # widths from the first rows are enough
                shown = 12 if not isinstance(value, str) else len(value)
                sample_len[j] = max(sample_len[j], shown)
    for j in range(1, len(columns) + 1):
        width = min(widths_max, max(widths[j - 1], sample_len[j - 1] + 2))
        ws.column_dimensions[get_column_letter(j)].width = width
    last_row = start_row + max(len(frame), 1)
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    if columns:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(columns))}{last_row}"


def _summary_format(key: str) -> str:
    return _number_format(key) or COUNT_FORMAT


def _write_summary(ws, data: WorkbookData) -> None:
    from openpyxl.styles import Font

    font, fill, align = _header_style()
    label = month_label(data.month)
    ws["A1"] = f"ClearToBill audit - {label}"
    ws["A1"].font = Font(bold=True, size=14)
    run = data.run
    meta = [
        ("Service month", label),
        ("Audit run", run.run_id),
        ("Run finished", run.finished_at or run.started_at),
        ("Roster snapshot used", run.snapshot_id),
        ("Rules version", run.rules_version),
    ]
    row = 3
    for name, value in meta:
        ws.cell(row=row, column=1, value=name).font = Font(bold=True)
        cell = ws.cell(row=row, column=2)
        _set_text_safe(cell, excel_value(value))
        if isinstance(cell.value, dt.datetime):
            cell.number_format = DATETIME_FORMAT
        row += 1
    row += 1
    prev = data.summary.get("prev") or {}
    change = data.summary.get("change") or {}
    previous_label = prev.get("month") if prev else None
    headers = (
        "Measure",
        label,
        f"Previous month ({month_label(previous_label)})" if previous_label else "Previous month",
        "Change",
    )
    header_row = row
    for j, text in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=j, value=text)
        cell.font, cell.fill, cell.alignment = font, fill, align
    for key, name in SUMMARY_MEASURES:
        row += 1
        ws.cell(row=row, column=1, value=name)
        for j, value in ((2, data.summary.get(key)), (3, prev.get(key)), (4, change.get(key))):
            cell = ws.cell(row=row, column=j)
            value = excel_value(value)
            if isinstance(value, float) and _summary_format(key) == MONEY_FORMAT:
                value = round(value, 2)  # cents, without float noise
            _set_text_safe(cell, value)
            cell.number_format = _summary_format(key)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
    ws.column_dimensions["A"].width = 40
    for letter in ("B", "C", "D"):
        ws.column_dimensions[letter].width = 24
    row += 2
    ws.cell(row=row, column=1, value="Change = this month minus the previous month (percentages in points).")


def _write_trend(ws, trend: pd.DataFrame) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference

    columns = ["month"] + [key for key, _ in TREND_SERIES]
    frame = trend.reindex(columns=columns)
    frame["month"] = [month_label(v) for v in frame["month"]]
    _write_table(ws, frame)
    n = len(frame)
    if n == 0:
        return
    cats = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    bars = BarChart()
    bars.type = "col"
    bars.grouping = "clustered"
    bars.title = "Denials, last 12 service months"
    bars.y_axis.title = "Dollars"
    bars.y_axis.numFmt = '"$"#,##0'
    bars.y_axis.majorGridlines = None
    money_cols = [i for i, c in enumerate(columns, start=1) if c in ("denied_dollars", "preventable_dollars")]
    for col in money_cols:
        bars.add_data(Reference(ws, min_col=col, min_row=1, max_row=n + 1), titles_from_data=True)
    bars.set_categories(cats)
    if "denial_rate_dollars" in columns:
        rate_col = columns.index("denial_rate_dollars") + 1
        line = LineChart()
        line.add_data(Reference(ws, min_col=rate_col, min_row=1, max_row=n + 1), titles_from_data=True)
        line.set_categories(cats)
        line.y_axis.axId = 200
        line.y_axis.title = "Denial rate"
        line.y_axis.numFmt = "0%"
        line.y_axis.crosses = "max"
        bars += line
    bars.x_axis.delete = False
    bars.y_axis.delete = False
    bars.height = 10
    bars.width = 30
    ws.add_chart(bars, f"{_col_letter(len(columns) + 2)}2")


def _col_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def render_workbook(data: WorkbookData, path: str | os.PathLike, extra=None) -> None:
    """Write the gathered content as an .xlsx file (openpyxl, no formulas). `extra(wb)`, when given,
    adds sheets after the audit's own before the file is saved (the monthly pack: audits/pack.py)."""
    from openpyxl import Workbook

    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    _write_summary(summary, data)
    for title, _by, _sort in BREAKDOWN_SHEETS:
        frame = data.breakdowns.get(title)
        _write_table(wb.create_sheet(title), frame if frame is not None else pd.DataFrame())
    detail = data.detail if data.detail is not None else pd.DataFrame(columns=list(DETAIL_COLUMNS))
    if len(detail) >= _EXCEL_MAX_ROWS:
        detail = detail.iloc[: _EXCEL_MAX_ROWS - 1]
    _write_table(wb.create_sheet("Detail"), detail)
    _write_trend(wb.create_sheet("Trend"), data.trend if data.trend is not None else pd.DataFrame())
    if extra is not None:
        extra(wb)
    wb.properties.title = f"ClearToBill audit {month_label(data.month)}"
    wb.properties.creator = "ClearToBill"
    wb.save(path)


def sheet_names() -> Iterable[str]:
    """The workbook's sheets, in order."""
    return ("Summary", *(title for title, _by, _sort in BREAKDOWN_SHEETS), "Detail", "Trend")
