"""Credentialing workbook load speed, as a ratio to reading the same workbook's cells.

    .venv/bin/python -m bench.bench_roster [PROVIDERS]

A master tracker of N synthetic providers (two-row header: 4 credential groups, 9 payer groups, a
third of the payer groups blank) plus a payers sheet is written with openpyxl. We time
- read: audits.ingest.readers.read_tables (python-calamine, the cells only);
- parse: parse_roster (sheet recognition, tracker split, normalisation, rejection reasons);
- apply: apply_roster into a fresh DuckDB file (payer resolution, duplicates, snapshot + history).
and report (read + parse + apply) / read. Synthetic providers only (no patient data).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from audits.ingest.readers import read_tables
from audits.ingest.roster import apply_roster, parse_roster
from audits.store import connect, transaction

PAYERS = 9


def _npi(i: int) -> str:
    """A synthetic NPI with a valid check digit (Luhn over 80840 + the first nine digits, CMS)."""
    base = f"{100000000 + i:09d}"
    for check in range(10):
        total = 0
        for position, char in enumerate(reversed(f"80840{base}{check}")):
            digit = int(char) * (2 if position % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return f"{base}{check}"
    raise AssertionError("unreachable")


def write_tracker(path: Path, providers: int) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Master Tracker"
    groups = [None] * 7 + ["State License", None, None, "DEA", None, "Board Certification", None, "COI", None]
    sub = ["NPI", "Name", "Specialty", "Taxonomy", "State", "Hire Date", "Status",
           "Number", "State", "Expires", "Number", "Exp", "Board", "Exp", "Policy #", "Exp"]  # fmt: skip
    for k in range(PAYERS):
        groups += [f"Payer {k}", None, None, None, None]
        sub += ["Status", "Submitted", "Effective", "Term", "POS"]
    sheet.append(groups)
    sheet.append(sub)
    for i in range(providers):
        row = [_npi(i), f"Provider {i}", "Family Medicine", "207Q00000X", "TX", dt.date(2020, 1, 1), "Active",
               f"M{i}", "TX", dt.date(2027, 1, 1), f"AB{i}", dt.date(2027, 6, 30), "ABFM", dt.date(2028, 1, 1),
               f"P{i}", dt.date(2026, 9, 30)]  # fmt: skip
        for k in range(PAYERS):
            if (i + k) % 3 == 0:
                row += [None] * 5
            else:
                row += ["Par", dt.date(2019, 11, 1), dt.date(2020, 1, 1), None, "11,22"]
        sheet.append(row)
    payers = workbook.create_sheet("Payers")
    payers.append(["Payer ID", "Payer Name"])
    for k in range(PAYERS):
        payers.append([f"P{k}", f"Payer {k}"])
    workbook.save(path)
    return path


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    providers = int(argv[0]) if argv else 2000
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = write_tracker(work / "tracker.xlsx", providers)
        start = time.perf_counter()
        sheets = read_tables(path)
        read = time.perf_counter() - start
        start = time.perf_counter()
        batch = parse_roster(sheets)
        parse = time.perf_counter() - start
        with connect(work / "bench.duckdb") as con:
            start = time.perf_counter()
            with transaction(con):
                result = apply_roster(con, batch, None)
            apply = time.perf_counter() - start
    print(
        f"   roster: {providers} providers -> {result.rows_loaded} rows "
        f"(read {read:.2f} s, parse {parse:.2f} s, apply {apply:.2f} s); "
        f"load / read = {(read + parse + apply) / read:.1f}x"
    )


if __name__ == "__main__":
    main()
