"""The demo practice: generate a realistic multi-specialty group's files and load them.

`generate_files()` writes what an analyst would upload (credentialing workbook, monthly claims
and remittance exports, X12 835 files) and touches no database. `build_demo()` generates them,
loads each through `audits.ingest.ingest_file` exactly as an upload (uploaded_by='demo', the
marker the dashboard's "demo data" banner looks for) and runs the audit of every month.

Same seed and end month give byte-identical files. The pieces:
- audits.demo.roster: providers, credentials, payers, enrollments, scope (planted scenarios);
- audits.demo.claims: claim lines and the payers' answers (vectorised with numpy);
- audits.demo.files: the file writers (xlsx, csv, 835);
- audits.demo.build (this module): writing them all and loading them as uploads.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from audits.config import DATA_DIR
from audits.demo.claims import generate_practice
from audits.demo.files import (
    X12_PAYERS,
    XLSX_REMIT_MONTH,
    write_835,
    write_claims_csv,
    write_remits_csv,
    write_remits_xlsx,
    write_roster_workbook,
)
from audits.demo.roster import PAYER_INDEX, build_roster
from audits.errors import InputError
from audits.ingest import ingest_file
from audits.months import add_months, last_full_month, month_start
from audits.runner import run_audit

DEFAULT_OUT_DIR = DATA_DIR / "demo"
DEMO_UPLOADER = "demo"
MIN_LINES = 500
CORRECTION_FILE = "credentialing_correction.xlsx"
# The roster correction loaded after the twelve audits (retro-billing, audits/retro.py): every payer but
# Medicaid approved the new hires' enrollments back to their start dates, over lines it had denied.
CORRECTION_PROVIDERS, CORRECTION_EXCEPT = ("fm_np2", "im6", "peds5", "lcsw1"), ("MCD",)
_OUR_FILES = re.compile(
    r"^(credentialing_workbook\.xlsx|credentialing_correction\.xlsx|claims_\d{4}-\d{2}\.csv|remits_\d{4}-\d{2}\.(csv|xlsx)|era_[A-Z]+_\d{4}-\d{2}\.835)$"
)

Progress = Callable[[str], None]


def _end_month(value: str | dt.date | None) -> dt.date:
    """The first day of the end month: a month (audits.months), or None for the last full month."""
    return last_full_month() if value is None else month_start(value)


def _kind_of(path: Path) -> str:
    name = path.name
    if name.startswith("credentialing"):
        return "roster"
    if name.startswith("claims_"):
        return "claims"
    if name.endswith(".835"):
        return "835"
    return "remits"


def generate_files(
    out_dir: str | os.PathLike,
    *,
    seed: int = 7,
    lines: int = 150_000,
    end_month: str | dt.date | None = None,
) -> list[Path]:
    """Write the demo practice's files into out_dir; return them in upload order.

    Upload order: the credentialing workbook, the claims exports (by month), the remittance
    exports (by month), the 835 files. Earlier demo files in out_dir are replaced.
    """
    if int(lines) < MIN_LINES:
        raise InputError(
            f"{lines:,} claim lines are too few for a year of a 48-provider practice - use at least {MIN_LINES}."
        )
    end = _end_month(end_month)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in sorted(out.iterdir()):
        if old.is_file() and _OUR_FILES.match(old.name):
            old.unlink()
    rng = np.random.default_rng([int(seed), end.year, end.month])
    roster = build_roster(rng, end)
    practice = generate_practice(rng, roster, int(lines))
    frame = practice.lines
    month_of_line = frame["dos"].to_numpy().astype("datetime64[M]")
    payer = frame["payer"].to_numpy()

    files = [write_roster_workbook(out / "credentialing_workbook.xlsx", roster)]
    write_roster_workbook(out / CORRECTION_FILE, corrected_roster(roster))
    month_rows = []
    for month in roster.months:
        rows = np.flatnonzero(month_of_line == np.datetime64(month, "M"))
        month_rows.append(rows)
        files.append(write_claims_csv(out / f"claims_{month:%Y-%m}.csv", practice, rows, roster.billing_npi))
    # Recoupments land in the remittance export of the month their new check date falls in
    # (only CSV months before the last: the workbook month has one row per line, the last month's
    # X12 payers answer in 835s).
    recoup_month = frame["recoup_date"].to_numpy().astype("datetime64[M]")
    recouped = frame["recouped"].to_numpy()
    x12_payers = np.array([PAYER_INDEX[p] for p in X12_PAYERS])
    era_files = []
    for i, (month, rows) in enumerate(zip(roster.months, month_rows, strict=True)):
        remit_seed = int(seed) * 1000 + i
        if i == len(roster.months) - 1:
            by_835 = np.isin(payer[rows], x12_payers)
            for k, payer_id in enumerate(X12_PAYERS):
                era_rows = rows[by_835 & (payer[rows] == PAYER_INDEX[payer_id])]
                path = out / f"era_{payer_id}_{month:%Y-%m}.835"
                era_files.append(write_835(path, practice, era_rows, roster, PAYER_INDEX[payer_id], 9001 + k))
            rows = rows[~by_835]
        if i == XLSX_REMIT_MONTH:
            files.append(
                write_remits_xlsx(out / f"remits_{month:%Y-%m}.xlsx", practice, rows, remit_seed, roster.end)
            )
        else:
            recoup_rows = np.flatnonzero(recouped & (recoup_month == np.datetime64(month, "M")))
            if i == len(roster.months) - 1:
                recoup_rows = recoup_rows[:0]
            files.append(
                write_remits_csv(out / f"remits_{month:%Y-%m}.csv", practice, rows, remit_seed, recoup_rows)
            )
    return files + era_files


def corrected_roster(roster):
    """The roster as a later upload has it: the enrolled rows of CORRECTION_PROVIDERS (new hires) with
    every payer but CORRECTION_EXCEPT effective from the hire date (they were effective weeks after it)."""
    corrected = copy.deepcopy(roster)
    hired = {corrected.provider(key).npi: corrected.provider(key).hire_date for key in CORRECTION_PROVIDERS}
    for row in corrected.enrollments:
        if row.npi in hired and row.payer_id not in CORRECTION_EXCEPT and row.status == "enrolled":
            row.effective_date = min(row.effective_date, hired[row.npi])
    return corrected


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def load_files(con, files: list[Path], progress: Progress | None = None) -> list[dict]:
    """Load the files through the same ingest path as any upload, marked uploaded_by='demo'."""
    results = []
    for i, path in enumerate(files, start=1):
        started = time.perf_counter()
        result = ingest_file(con, path, kind=_kind_of(path), uploaded_by=DEMO_UPLOADER)
        seconds = time.perf_counter() - started
        entry = {
            "file": path.name,
            "kind": result.kind,
            "status": result.status,
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_rejected": result.rows_rejected,
            "message": result.message,
            "seconds": round(seconds, 2),
        }
        results.append(entry)
        _say(
            progress,
            f"  [{i}/{len(files)}] {path.name}: {entry['status']} - {entry['rows_read']} read, "
            f"{entry['rows_loaded']} loaded, {entry['rows_rejected']} rejected ({seconds:.1f} s)",
        )
    return results


def run_audits(con, months: list[dt.date], progress: Progress | None = None) -> list[dict]:
    """Run the audit of each month (audits.runner.run_audit)."""
    runs = []
    for i, month in enumerate(months, start=1):
        started = time.perf_counter()
        result = run_audit(con, month)
        seconds = time.perf_counter() - started
        findings = result.findings
        runs.append({"month": f"{month:%Y-%m}", "run_id": result.run_id, "findings": findings})
        _say(progress, f"  [{i}/{len(months)}] audit {month:%Y-%m}: {findings} findings ({seconds:.1f} s)")
    return runs


def build_demo(
    db_path: str | os.PathLike | None,
    *,
    seed: int = 7,
    lines: int = 150_000,
    end_month: str | dt.date | None = None,
    out_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> dict:
    """Generate the demo files, load them through ingest (uploaded_by='demo'), run the 12 audits.

    Returns a summary: out_dir, files, uploads (per file: status, rows read/loaded/rejected),
    audits (per month), and seconds spent generating, loading and auditing.
    """
    from audits.reference import ensure_reference
    from audits.store import connect

    end = _end_month(end_month)
    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT_DIR
    _say(
        progress,
        f"Generating the demo practice ({lines:,} claim lines, 12 months to {end:%Y-%m}, seed {seed})...",
    )
    started = time.perf_counter()
    files = generate_files(out, seed=seed, lines=lines, end_month=end)
    generated = time.perf_counter() - started
    _say(progress, f"Wrote {len(files)} files to {out} ({generated:.1f} s).")
    months = [add_months(end, i - 11) for i in range(12)]
    with connect(db_path) as con:
        _say(progress, "Loading the reference code sets (CARC/RARC, place of service, ICD-10-CM)...")
        ensure_reference(con)
        _say(progress, "Loading the files through ingest, as uploads by 'demo':")
        started = time.perf_counter()
        uploads = load_files(con, files, progress)
        loaded = time.perf_counter() - started
        _say(progress, "Running the monthly audits:")
        started = time.perf_counter()
        audits = run_audits(con, months, progress)
        audited = time.perf_counter() - started
        _say(progress, "Loading the roster correction that came after the audits (retro-billing):")
        correction = load_files(con, [out / CORRECTION_FILE], progress)
    return {
        "out_dir": str(out),
        "files": [str(f) for f in files],
        "uploads": uploads,
        "audits": audits,
        "correction": correction,
        "seconds": {"generate": round(generated, 2), "ingest": round(loaded, 2), "audit": round(audited, 2)},
        "end_month": f"{end:%Y-%m}",
        "seed": seed,
        "lines": lines,
    }
