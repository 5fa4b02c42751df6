"""Audit speed (#4): one month of 1,000,000 claim lines for 2,000 providers, then 2,000,000.

Targets: run_audit <= 5 s for 1,000,000 lines, and the 2,000,000-line run <= 2.2x the 1,000,000 one
(measured in the same run, so the ratio holds whatever the machine). The synthetic practice is
generated directly in DuckDB: 8 payers, every provider enrolled with most of them (some terminated
mid-month, some pending, some missing; about one line in five carries a finding), scope rows ('*' and per payer, with exclusions), licences and
board certifications, remittances for 70% of the lines (a tenth of them denied, some for
credentialing). `python -m bench.bench_audit [LINES ...]`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from audits.reference import ensure_reference
from audits.runner import run_audit
from audits.store import connect

PROVIDERS = 2000
MONTH = "2026-10"


def _npi(base: int) -> str:
    digits = f"{base:09d}"
    total = 24
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == 0:
            d = 2 * d - 9 if d >= 5 else 2 * d
        total += d
    return digits + str((10 - total % 10) % 10)


def build(path: Path, lines: int, template: Path | None = None) -> None:
    """Write the synthetic practice (roster + `lines` claim lines of MONTH + remittances) to `path`."""
    with connect(path) as con:
        ensure_reference(con)
        providers = pd.DataFrame(
            {"idx": range(PROVIDERS), "npi": [_npi(100000000 + 7919 * i) for i in range(PROVIDERS)]}
        )
        con.register("bench_providers", providers)
        con.execute(
            "INSERT INTO providers (npi, provider_name, status) "
            "SELECT npi, 'Provider ' || idx, CASE WHEN idx % 50 = 0 THEN 'inactive' ELSE 'active' END FROM bench_providers"
        )
        con.execute(
            "INSERT INTO payers (payer_id, payer_name) SELECT 'P' || p, 'Payer ' || p FROM range(8) t(p)"
        )
        con.execute(
            """
            INSERT INTO enrollments (npi, payer_id, status, submitted_date, effective_date, termination_date, allowed_pos)
            SELECT npi, 'P' || p,
                   CASE WHEN (idx + p) % 43 = 0 THEN 'pending' WHEN (idx + p) % 41 = 0 THEN 'terminated' ELSE 'enrolled' END,
                   DATE '2019-10-01',
                   CASE WHEN (idx + p) % 43 = 0 THEN NULL WHEN (idx + p) % 47 = 0 THEN DATE '2026-10-20' ELSE DATE '2020-01-01' END,
                   CASE WHEN (idx + p) % 41 = 0 THEN DATE '2026-10-15' END,
                   CASE WHEN (idx + p) % 13 = 0 THEN '11,22' END
            FROM bench_providers, range(8) t(p)
            WHERE (idx + p) % 53 <> 0
            """
        )
        con.execute(
            """
            INSERT INTO service_scope (npi, payer_id, code_from, code_to, approved)
            SELECT npi, '*', '99201', '99499', true FROM bench_providers
            UNION ALL SELECT npi, '*', '10000', '69999', true FROM bench_providers WHERE idx % 25 <> 0
            UNION ALL SELECT npi, '*', '70000', '99199', true FROM bench_providers
            UNION ALL SELECT npi, '*', 'G0001', 'J9999', true FROM bench_providers
            UNION ALL SELECT npi, '*', '0001F', '9999F', true FROM bench_providers
            UNION ALL SELECT npi, '*', '0001U', '0999U', true FROM bench_providers WHERE idx % 10 <> 0
            UNION ALL SELECT npi, 'P1', '99281', '99285', false FROM bench_providers WHERE idx % 5 = 0
            """
        )
        con.execute(
            """
            INSERT INTO credentials (npi, credential_type, number, state, issue_date, expiration_date)
            SELECT npi, 'state_license', 'L' || idx, 'TX', DATE '2018-01-01',
                   CASE WHEN idx % 40 = 0 THEN DATE '2026-10-10' WHEN idx % 41 = 0 THEN DATE '2026-12-15'
                        ELSE DATE '2028-06-30' END
            FROM bench_providers
            UNION ALL
            SELECT npi, 'board_certification', 'B' || idx, '', NULL,
                   CASE WHEN idx % 37 = 0 THEN DATE '2026-10-05' ELSE DATE '2030-01-01' END
            FROM bench_providers WHERE idx % 2 = 0
            """
        )
        con.execute(
            """
            INSERT INTO claim_lines (claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code,
                                     modifier_1, diagnosis_1, diagnosis_2, pos, units, billed_amount, service_state)
            SELECT 'C' || (i // 4), i % 4 + 1,
                   CASE WHEN i % 997 = 0 THEN '123456789' ELSE p.npi END,
                   'P' || (i * 7 % 8),
                   DATE '2026-10-01' + CAST(i % 31 AS INTEGER),
                   (['99213', '99214', '99203', 'G0008', '3074F', '36415', '93000', '99283', '0001U', 'J1100'])[1 + (i * 13 % 10)],
                   CASE WHEN i % 11 = 0 THEN '25' WHEN i % 503 = 0 THEN 'X' END,
                   CASE WHEN i % 53 = 0 THEN 'E11' ELSE (['I10', 'E119', 'J069', 'M5450'])[1 + (i * 3 % 4)] END,
                   CASE WHEN i % 5 = 0 THEN 'Z0000' END,
                   (['11', '02', '22', '2'])[1 + (i % 4)],
                   1,
                   CAST(80 + (i * 37 % 400) AS DECIMAL(14, 2)),
                   CASE WHEN i % 97 = 0 THEN 'CA' ELSE 'TX' END
            FROM range($lines) t(i)
            JOIN bench_providers AS p ON p.idx = (i // 4) * 7919 % $providers
            """,
            {"lines": lines, "providers": PROVIDERS},
        )
        con.execute(
            """
            INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, adjudication_date,
                                     billed_amount, paid_amount, remit_claim_key, source)
            SELECT row_number() OVER (), payer_id, claim_id, line_no, '1', DATE '2026-11-15', billed_amount,
                   CASE WHEN hash(claim_id, line_no) % 10 = 0 THEN 0 ELSE billed_amount * 0.7 END,
                   'T:' || claim_id, 'TRN'
            FROM claim_lines WHERE hash(claim_id, line_no) % 10 < 7
            """
        )
        con.execute(
            """
            INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount)
            SELECT remit_line_id, 1, 'line', 'CO',
                   CASE WHEN paid_amount = 0 THEN (['B7', '16', '18', '97', '45'])[1 + remit_line_id % 5] ELSE '45' END,
                   billed_amount - paid_amount
            FROM remit_lines
            """
        )
        con.execute(
            "INSERT INTO remit_remarks (remit_line_id, position, level, rarc) "
            "SELECT remit_line_id, 1, 'line', 'N290' FROM remit_lines WHERE paid_amount = 0 AND remit_line_id % 5 = 1"
        )
        con.unregister("bench_providers")


def time_audit(path: Path) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds of this process, lines audited, findings) of one run_audit."""
    with connect(path) as con:
        began, cpu = time.perf_counter(), time.process_time()
        result = run_audit(con, MONTH)
        return time.perf_counter() - began, time.process_time() - cpu, result.lines_audited, result.findings


def main(argv: list[str] | None = None) -> None:
    sizes = [int(a) for a in (argv or [])] or [1_000_000, 2_000_000]
    timings, cpus = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for lines in sizes:
            path = Path(tmp) / f"bench_{lines}.duckdb"
            began = time.perf_counter()
            build(path, lines)
            built = time.perf_counter() - began
            seconds, cpu, audited, findings = time_audit(path)
            timings[lines] = seconds
            cpus[lines] = cpu
            print(
                f"   {lines:>10,} lines: run_audit {seconds:6.2f} s wall, {cpu:6.2f} s CPU ({audited:,} lines audited, "
                f"{findings:,} findings; data built in {built:.1f} s)",
                flush=True,
            )
            path.unlink()
    print(f"   (load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    if 1_000_000 in timings:
        verdict = "OK" if timings[1_000_000] <= 5 else "OVER TARGET"
        print(
            f"   1,000,000 lines: {timings[1_000_000]:.2f} s wall, {cpus[1_000_000]:.2f} s CPU (target <= 5 s): {verdict}"
        )
    if 1_000_000 in timings and 2_000_000 in timings:
        ratio = timings[2_000_000] / timings[1_000_000]
        print(f"   2M/1M ratio: {ratio:.2f} (target <= 2.2): {'OK' if ratio <= 2.2 else 'OVER TARGET'}")
        cpu_ratio = cpus[2_000_000] / cpus[1_000_000]
        print(f"   2M/1M CPU-time ratio: {cpu_ratio:.2f} (steadier than wall time on a busy machine)")


if __name__ == "__main__":
    main(sys.argv[1:])
