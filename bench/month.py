"""A month of N claim lines (1M / 5M / 10M) on the demo practice's roster, for the scale bench (#13).

`build_month(db, lines)` writes the demo's credentialing workbook and loads it through ingest (the
48 providers, 9 payers, enrollments, scope and credentials of audits.demo, with their planted
problems), then generates the audit month's claim lines in DuckDB, writes them as a claims CSV
with an export's headers, loads that CSV through `ingest_file` exactly as an upload, and adds the
payers' answers (remittances with adjustments and remarks) for about 70% of the lines.

The month is month 10 of the roster's 12 (BENCH_MONTH), where the planted scenarios fire: a
departure mid-month (AFTER_TERMINATION), a new hire before his effective dates (BEFORE_EFFECTIVE),
pending and denied applications (ENROLLMENT_NOT_APPROVED), payers a provider never enrolled with
(NOT_ENROLLED), POS-restricted enrollments, scope limits, a telehealth state without a licence,
an expired board certification; plus a small share of lines with data problems (bad NPI, unknown
provider, bad code, diagnosis, modifier, POS). About four lines in five are clean.

Every choice is a hash of the line number, so the same N gives the same file. Synthetic content
only: patient keys are tokens, no names or birth dates. `python -m bench.month DB LINES [CSV]`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROSTER_END = "2026-12"
BENCH_MONTH = "2026-10"  # month index 9 of the roster's 2026-01..2026-12
LINES_PER_CLAIM = 3

# Procedure codes by the demo's practice types (with a price); 'all' codes are billed by everyone.
CODES: dict[str, tuple[tuple[str, int], ...]] = {
    "all": (("99213", 135), ("99214", 190), ("99203", 165), ("99215", 250), ("G2211", 16), ("36415", 12)),
    "primary": (("99395", 210), ("90471", 28), ("20610", 120), ("3074F", 0), ("G0439", 175)),
    "internal": (("99396", 220), ("93000", 45), ("80053", 30), ("G0008", 35), ("3078F", 0)),
    "cardiology": (("93306", 420), ("93000", 45), ("93458", 1900), ("93015", 160), ("G2211", 16)),
    "interventional": (("93458", 1900), ("92928", 3800), ("93306", 420)),
    "ortho": (("27447", 4200), ("29881", 2100), ("20610", 120), ("73562", 60)),
    "ortho_pa": (("20610", 120), ("27447", 4200), ("29881", 2100), ("99024", 0)),
    "derm": (("11102", 140), ("17000", 110), ("17110", 150), ("J3301", 12), ("11900", 90)),
    "peds": (("99392", 190), ("90460", 30), ("96110", 20), ("99173", 8)),
    "psychiatry": (("90792", 320), ("90833", 95), ("99214", 190), ("0001U", 300)),
    "therapy": (("90837", 180), ("90834", 140), ("90791", 230)),
    "radiology": (("71046", 70), ("74177", 480), ("70450", 260), ("77067", 180)),
}
BAD_CODES = ("9921", "ABCDE")  # an empty code is a rejected row, not a line
# Places of service by practice type (the first is the usual one).
POS = {
    "psychiatry": ("11", "02", "10"),
    "therapy": ("11", "02", "10"),
    "ortho": ("11", "22", "21"),
    "interventional": ("22", "21", "11"),
    "radiology": ("22", "11", "23"),
}
DEFAULT_POS = ("11", "11", "22")
BAD_DIAGNOSES = ("E11", "I25.1", "Z00", "R69X")
# Payer mix in PAYERS order (the demo's adults).
PAYER_WEIGHTS = (28, 11, 16, 14, 9, 6, 8, 5, 3)


def _roster(con: duckdb.DuckDBPyConnection, work: Path) -> list:
    """Load the demo credentialing workbook through ingest; return the demo roster's providers."""
    import numpy as np

    from audits.demo import generate_files
    from audits.demo.roster import build_roster
    from audits.ingest import ingest_file
    from audits.months import month_start

    files = generate_files(work, lines=500, end_month=ROSTER_END)
    workbook = next(f for f in files if f.name.startswith("credentialing"))
    ingest_file(con, workbook, kind="roster", uploaded_by="bench")
    # The same seed as generate_files: the providers of the workbook, with their practice types.
    end = month_start(ROSTER_END)
    roster = build_roster(np.random.default_rng([7, end.year, end.month]), end)
    return roster.providers


def _slots(con: duckdb.DuckDBPyConnection, providers: list) -> None:
    """Small lookup tables the generator joins on by hashed slot numbers (equi-joins, no ranges)."""
    from audits.demo.roster import PAYERS

    rows = []
    for p in providers:
        rows += [(p.npi, p.practice_type, p.key)] * max(1, round(p.weight * 10))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gen_providers (slot INTEGER, npi VARCHAR, ptype VARCHAR, pkey VARCHAR)"
    )
    con.executemany(
        "INSERT INTO gen_providers VALUES (?, ?, ?, ?)", [(i, *row) for i, row in enumerate(rows)]
    )
    payers = [(p.payer_id, p.name) for p in PAYERS]
    payer_rows = [payers[k] for k, w in enumerate(PAYER_WEIGHTS) for _ in range(w)]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gen_payers (slot INTEGER, payer_id VARCHAR, payer_name VARCHAR)"
    )
    con.executemany("INSERT INTO gen_payers VALUES (?, ?, ?)", [(i, *r) for i, r in enumerate(payer_rows)])
    code_rows = []
    for ptype in {p.practice_type for p in providers}:
        own = CODES.get(ptype, ())
        pool = [*own, *own, *CODES["all"]]
        code_rows += [(ptype, i, code, price) for i, (code, price) in enumerate(pool)]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gen_codes (ptype VARCHAR, slot INTEGER, code VARCHAR, price INTEGER)"
    )
    con.executemany("INSERT INTO gen_codes VALUES (?, ?, ?, ?)", code_rows)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gen_code_counts AS SELECT ptype, count(*) AS n FROM gen_codes GROUP BY ptype"
    )
    pos_rows = []
    for ptype in {p.practice_type for p in providers}:
        pos_rows += [(ptype, i, pos) for i, pos in enumerate((*POS.get(ptype, DEFAULT_POS),) * 1)]
    con.execute("CREATE OR REPLACE TEMP TABLE gen_pos (ptype VARCHAR, slot INTEGER, pos VARCHAR)")
    con.executemany("INSERT INTO gen_pos VALUES (?, ?, ?)", pos_rows)
    # 400 billable diagnosis codes of the shipped ICD-10-CM set, written with their dot as exports do.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gen_dx AS "
        "SELECT row_number() OVER (ORDER BY hash(code)) - 1 AS slot, "
        "CASE WHEN length(code) > 3 THEN substr(code, 1, 3) || '.' || substr(code, 4) ELSE code END AS code "
        "FROM ref_icd10cm ORDER BY hash(code) LIMIT 400"
    )


# The month's lines as a CSV export would have them. h(k) is a per-line hash, c(k) a per-claim one.
_LINES_SQL = """
COPY (
WITH
ids AS (
    SELECT i, i // $per_claim AS claim_no, i % $per_claim + 1 AS line_no FROM range($lines) t(i)
),
hashed AS (
    SELECT i, claim_no, line_no,
           CAST(hash(claim_no, 1) >> 1 AS BIGINT) AS c1, CAST(hash(claim_no, 2) >> 1 AS BIGINT) AS c2, CAST(hash(claim_no, 3) >> 1 AS BIGINT) AS c3, CAST(hash(claim_no, 4) >> 1 AS BIGINT) AS c4,
           CAST(hash(i, 5) >> 1 AS BIGINT) AS h5, CAST(hash(i, 6) >> 1 AS BIGINT) AS h6, CAST(hash(i, 7) >> 1 AS BIGINT) AS h7, CAST(hash(i, 8) >> 1 AS BIGINT) AS h8
    FROM ids
),
lines AS (
    SELECT h.*, p.npi, p.ptype, p.pkey, y.payer_name,
           CAST($month_start AS DATE) + CAST(h.c3 % $days AS INTEGER) AS dos
    FROM hashed AS h
    JOIN gen_providers AS p ON p.slot = h.c1 % $provider_slots
    JOIN gen_payers AS y ON y.slot = h.c2 % 100
),
coded AS (
    SELECT l.*, c.code, c.price, ps.pos, d1.code AS dx1, d2.code AS dx2, d3.code AS dx3
    FROM lines AS l
    JOIN gen_code_counts AS n ON n.ptype = l.ptype
    JOIN gen_codes AS c ON c.ptype = l.ptype AND c.slot = l.h5 % n.n
    JOIN gen_pos AS ps ON ps.ptype = l.ptype AND ps.slot = CASE WHEN l.c4 % 10 < 7 THEN 0 ELSE l.c4 % 3 END
    JOIN gen_dx AS d1 ON d1.slot = CAST(hash(l.claim_no, 10) >> 1 AS BIGINT) % 400
    JOIN gen_dx AS d2 ON d2.slot = CAST(hash(l.claim_no, 11) >> 1 AS BIGINT) % 400
    JOIN gen_dx AS d3 ON d3.slot = CAST(hash(l.claim_no, 12) >> 1 AS BIGINT) % 400
)
SELECT
    'BC' || lpad(CAST(claim_no AS VARCHAR), 9, '0') AS "Claim #",
    line_no AS "Line #",
    'PT' || lpad(CAST((hash(claim_no, 9) >> 1) % 400000 AS VARCHAR), 7, '0') AS "Member ID",
    CASE
        WHEN c4 % 1000 = 1 THEN substr(npi, 1, 9) || CAST((CAST(substr(npi, 10, 1) AS INTEGER) + 1) % 10 AS VARCHAR)
        WHEN c4 % 1000 = 2 THEN '1999999992'
        WHEN c4 % 1000 = 3 THEN substr(npi, 1, 9)
        ELSE npi
    END AS "Rendering Provider NPI",
    $billing_npi AS "Billing NPI",
    payer_name AS "Primary Insurance",
    strftime(dos, '%m/%d/%Y') AS "Date of Service",
    strftime(dos + 2, '%m/%d/%Y') AS "Submitted Date",
    CASE WHEN h6 % 1000 < 2 THEN (['9921', 'ABCDE'])[1 + h6 % 2] ELSE code END AS "CPT/HCPCS",
    CASE WHEN h7 % 100 < 12 THEN '25' WHEN h7 % 1000 = 999 THEN 'X' ELSE '' END AS "Mod 1",
    CASE WHEN h7 % 100 = 3 THEN '59' ELSE '' END AS "Mod 2",
    '' AS "Mod 3",
    '' AS "Mod 4",
    dx1 AS "Dx 1",
    CASE WHEN h8 % 10 < 6 THEN dx2 ELSE '' END AS "Dx 2",
    CASE WHEN h8 % 10 < 2 THEN dx3 ELSE '' END AS "Dx 3",
    CASE WHEN h8 % 1000 < 4 THEN (['E11', 'I25.1', 'Z00', 'R69X'])[1 + h8 % 4] ELSE '' END AS "Dx 4",
    CASE WHEN h6 % 1000 BETWEEN 10 AND 12 THEN '' WHEN h6 % 1000 = 13 THEN '77' ELSE pos END AS "POS",
    1 AS "Units",
    CAST(price + 5 * (h5 % 7) AS VARCHAR) || '.00' AS "Charges",
    CASE
        WHEN pkey = 'psych3' AND pos IN ('02', '10') THEN 'LA'
        WHEN pkey = 'psych2' AND pos IN ('02', '10') THEN 'OK'
        WHEN c4 % 2000 = 7 THEN 'NM'
        ELSE 'TX'
    END AS "Service State"
FROM coded
ORDER BY i
) TO '{csv}' (HEADER, DELIMITER ',')
"""

# The payers' answers for ~70% of the lines: paid at 60% of billed, or denied (a tenth), some of
# the denials for credentialing (CO-B7, CO-16 with N290), the others ordinary (CO-97, CO-18, PR-1).
_REMITS_SQL = """
CREATE OR REPLACE TEMP TABLE gen_remits AS
SELECT row_number() OVER (ORDER BY claim_id, line_no) + (SELECT coalesce(max(remit_line_id), 0) FROM remit_lines)
           AS remit_line_id,
       payer_id, claim_id, line_no, rendering_npi, procedure_code, billed_amount,
       CAST(hash(claim_id, line_no) % 100 AS INTEGER) AS r
FROM claim_lines
WHERE date_of_service BETWEEN $month_start AND $month_end AND hash(claim_id, line_no) % 100 < 70;
INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, rendering_npi, adjudication_date,
                         procedure_code, billed_amount, paid_amount, remit_claim_key, source)
SELECT remit_line_id, payer_id, claim_id, line_no, CASE WHEN r < 7 THEN '4' ELSE '1' END, rendering_npi,
       CAST($month_end AS DATE) + 20, procedure_code, billed_amount,
       CASE WHEN r < 7 THEN 0 ELSE CAST(billed_amount * 0.6 AS DECIMAL(14, 2)) END, 'BENCH:' || claim_id, 'bench'
FROM gen_remits;
INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount)
SELECT remit_line_id, 1, 'line',
       CASE WHEN r = 6 THEN 'PR' ELSE 'CO' END,
       CASE WHEN r < 7 THEN (['B7', '16', '97', '18', '45', '29', '1'])[1 + r] ELSE '45' END,
       CASE WHEN r < 7 THEN billed_amount ELSE billed_amount - CAST(billed_amount * 0.6 AS DECIMAL(14, 2)) END
FROM gen_remits;
INSERT INTO remit_remarks (remit_line_id, position, level, rarc)
SELECT remit_line_id, 1, 'line', 'N290' FROM gen_remits WHERE r = 1;
"""


def write_claims_csv(con: duckdb.DuckDBPyConnection, csv: Path, lines: int, providers: list) -> None:
    """The month's claims export (canonical claim columns under an export's headers) at `csv`."""
    from audits.months import month_bounds

    start, end = month_bounds(BENCH_MONTH)
    _slots(con, providers)
    slots = con.execute("SELECT count(*) FROM gen_providers").fetchall()[0][0]
    billing = con.execute("SELECT min(npi) FROM providers").fetchall()[0][0]
    sql = _LINES_SQL.replace("{csv}", str(csv).replace("'", "''"))
    con.execute(
        sql,
        {
            "per_claim": LINES_PER_CLAIM,
            "lines": lines,
            "month_start": start,
            "days": (end - start).days + 1,
            "provider_slots": slots,
            "billing_npi": billing,
        },
    )


def build_roster_db(db: Path) -> list:
    """A fresh database at `db` with the reference code sets and the demo roster; its providers."""
    from audits.reference import ensure_reference
    from audits.store import connect

    with tempfile.TemporaryDirectory() as tmp, connect(db) as con:
        ensure_reference(con)
        providers = _roster(con, Path(tmp))
        con.execute("CHECKPOINT")
    return providers


def build_month(db: Path, lines: int, csv: Path | None = None) -> dict:
    """A fresh database at `db` with the demo roster, `lines` claim lines of BENCH_MONTH (loaded from
    a claims CSV through ingest; kept at `csv` when given) and their remittances. Returns timings."""
    from audits.ingest import ingest_file
    from audits.months import month_bounds
    from audits.store import connect

    timings = {}
    began = time.perf_counter()
    providers = build_roster_db(db)
    timings["roster"] = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as tmp, connect(db) as con:
        target = csv or Path(tmp) / f"claims_{BENCH_MONTH}.csv"
        began = time.perf_counter()
        write_claims_csv(con, target, lines, providers)
        timings["csv"] = time.perf_counter() - began
        began = time.perf_counter()
        result = ingest_file(con, target, kind="claims", uploaded_by="bench")
        timings["ingest"] = time.perf_counter() - began
        if result.rows_loaded != lines:
            raise RuntimeError(
                f"the bench month loaded {result.rows_loaded:,} of {lines:,} lines: {result.message}"
            )
        start, end = month_bounds(BENCH_MONTH)
        began = time.perf_counter()
        for statement in filter(str.strip, _REMITS_SQL.split(";")):
            params = {
                k: v for k, v in {"month_start": start, "month_end": end}.items() if f"${k}" in statement
            }
            con.execute(statement, params)
        timings["remits"] = time.perf_counter() - began
        con.execute("CHECKPOINT")
    return timings


def main(argv: list[str]) -> int:
    db, lines = Path(argv[0]), int(argv[1])
    csv = Path(argv[2]) if len(argv) > 2 else None
    timings = build_month(db, lines, csv)
    print(", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
