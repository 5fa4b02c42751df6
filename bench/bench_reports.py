"""Export speed: findings CSV and the Excel workbook, as ratios to the bare library doing the same write.

    .venv/bin/python -m bench.bench_reports [FINDINGS]

- CSV: write_findings_csv (current run, neutralising every text cell) vs DuckDB's own
  `COPY (SELECT ...) TO 'f.csv'` of the same rows.
- Workbook: render_workbook (styles, formats, widths, filter, chart) of a Detail sheet with N
  findings vs a bare openpyxl Workbook().append() of the same cells.
Synthetic findings only (no patient data).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from audits import reports
from audits.store import connect


def _findings(n: int) -> pd.DataFrame:
    index = pd.RangeIndex(n)
    return pd.DataFrame(
        {
            "rule_id": [("BEFORE_EFFECTIVE", "OUT_OF_SCOPE", "INVALID_POS")[i % 3] for i in index],
            "severity": [("error", "error", "warning")[i % 3] for i in index],
            "claim_id": [f"C{i:08d}" for i in index],
            "line_no": (index % 4 + 1).astype("int64"),
            "rendering_npi": [f"{1000000000 + i % 2000}" for i in index],
            "payer_id": [f"P{i % 9}" for i in index],
            "procedure_code": [f"{99202 + i % 14}" for i in index],
            "date_of_service": [dt.date(2026, 10, 1 + i % 31) for i in index],
            "amount_at_risk": [round(50 + (i % 500) * 1.37, 2) for i in index],
            "detail": [
                f"Payer P{i % 9} enrollment effective 2026-11-01; date of service is 2026-10-17"
                for i in index
            ],
        }
    )


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_csv(n: int, work: Path) -> None:
    db = work / "bench.duckdb"
    frame = _findings(n)
    with connect(db) as con:
        con.execute(
            "INSERT INTO audit_runs (run_id, month, started_at, status) VALUES (1, DATE '2026-10-01', now(), 'done')"
        )
        con.register("bench_findings", frame)
        con.execute(
            "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no, rendering_npi, "
            "payer_id, procedure_code, date_of_service, amount_at_risk, detail) "
            "SELECT 1, claim_id || '-' || line_no, DATE '2026-10-01', rule_id, severity, claim_id, line_no, "
            "rendering_npi, payer_id, procedure_code, date_of_service, amount_at_risk, detail FROM bench_findings"
        )
        con.unregister("bench_findings")
        ours = _timed(lambda: reports.write_findings_csv(con, "2026-10", work / "ours.csv"))
        copy_target = str(work / "duckdb.csv")
        bare = _timed(
            lambda: con.execute(
                f"COPY (SELECT {', '.join(reports.FINDING_COLUMNS)} FROM findings WHERE run_id = 1) "  # noqa: S608
                f"TO '{copy_target}' (HEADER)"
            ).fetchall()
        )
    print(
        f"   CSV, {n:,} findings: write_findings_csv {ours:.2f} s, DuckDB COPY {bare:.2f} s, ratio {ours / bare:.1f}x"
    )


def bench_workbook(n: int, work: Path) -> None:
    from openpyxl import Workbook

    detail = _findings(n)
    detail["provider_name"] = "Provider " + detail["rendering_npi"].str[-4:]
    detail["payer_name"] = "Payer " + detail["payer_id"]
    detail["action"] = "Hold the claim until the effective date; resubmit after it."
    detail = detail[list(reports.DETAIL_COLUMNS)]
    trend = pd.DataFrame(
        {
            "month": [f"2026-{m:02d}" for m in range(1, 13)],
            "denied_dollars": [1000.0] * 12,
            "preventable_dollars": [400.0] * 12,
            "denial_rate_dollars": [0.05] * 12,
        }
    )
    run = reports.RunInfo(1, dt.date(2026, 10, 1), None, None, 1, "bench", n, n)
    data = reports.WorkbookData(
        month=dt.date(2026, 10, 1), run=run, summary={}, breakdowns={}, trend=trend, detail=detail
    )
    ours = _timed(lambda: reports.render_workbook(data, work / "ours.xlsx"))

    def bare_write() -> None:
        wb = Workbook()
        ws = wb.active
        ws.append(list(detail.columns))
        for record in detail.itertuples(index=False, name=None):
            ws.append(list(record))
        wb.save(work / "bare.xlsx")

    bare = _timed(bare_write)
    size_mb = (work / "ours.xlsx").stat().st_size / 1e6
    print(
        f"   Workbook, {n:,} findings: render_workbook {ours:.2f} s ({size_mb:.1f} MB), "
        f"bare openpyxl append {bare:.2f} s, ratio {ours / bare:.2f}x"
    )


def main(argv: list[str] | None = None) -> None:
    sizes = [int(a) for a in (argv or [])] or [20_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        work = Path(tmp)
        for n in sizes:
            bench_csv(n, work)
            bench_workbook(n, work)
            for path in work.iterdir():
                path.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
