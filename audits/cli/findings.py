"""`findings --month YYYY-MM --out F.csv|F.xlsx`: export a month's audit findings."""

from __future__ import annotations

import argparse
from pathlib import Path

from audits.config import db_path
from audits.errors import InputError
from audits.months import month_label, month_start

HELP = "Export a month's audit findings as CSV or as the formatted Excel audit workbook."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the audited service month")
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="F.csv (the findings, SPEC 4 columns) or F.xlsx (the formatted audit workbook)",
    )


def run(args: argparse.Namespace) -> int:
    from audits.reports import write_findings_csv, write_workbook
    from audits.store import connect

    month = month_start(args.month)
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{out.name} must end in .csv or .xlsx - choose the export format by its name.")
    path = db_path(args.db)
    if not path.exists():
        raise InputError(f"There is no database at {path} - check --db or CLEARTOBILL_DB.")
    with connect(path, read_only=True) as con:
        if suffix == ".csv":
            rows = write_findings_csv(con, month, out)
            print(f"Wrote {rows:,} findings for {month_label(month)} to {out}.")
        else:
            rows = write_workbook(con, month, out)
            print(f"Wrote the {month_label(month)} audit workbook ({rows:,} findings) to {out}.")
    return 0
