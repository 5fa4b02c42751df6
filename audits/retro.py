"""Retro-billing: claim lines an enrollment correction makes billable again (issue 11).

A line is **recoverable** when
- it was denied for credentialing (SPEC 4: paid 0, a credentialing-coded adjustment; remittances of the
  claim's payer only) and no remittance has paid it since (a later payment makes its paid amount > 0,
  and it leaves the list);
- the current enrollment rows for (rendering NPI, payer) cover its date of service, and
- an earlier roster snapshot of enrollments did not: a roster upload moved an effective date back over
  it, or turned a pending or missing enrollment into an effective one (the **correction**: the first
  snapshot from which every snapshot covers the line).
For a payer with a retrospective billing window (Medicare: 42 CFR 424.521(a)(1), 30 days before the
effective date of enrollment), an enrollment covers from effective_date - window.

Each line carries the payer's **filing limit**: `days` after the basis date, the date of service or
the correction (the upload that made it billable). Defaults per payer kind come from
data/reference/filing_limits.csv with their source (Medicare 12 months after the date of service, 42 CFR
424.44(a)(1); Medicaid 12 months, 42 CFR 447.45(d)(1); other payers 90 days, a common contract term);
a row of payer_filing_limits overrides them (set_filing_limit). `days_left` counts from `as_of`
(today); a line past its deadline stays listed, marked past the limit, so the practice can appeal.

Lines held by the pre-submission gate and never billed are the gate's business (audits.held_claims:
ready_to_release re-checks them against the current roster).
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from audits.errors import InputError, NotFound
from audits.findings import PAYER_NAMES_SQL, PROVIDER_NAMES_SQL

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "data" / "reference" / "filing_limits.csv"
BASES = ("date_of_service", "correction")
RETRO_COLUMNS = (
    "claim_id",
    "line_no",
    "rendering_npi",
    "provider_name",
    "payer_id",
    "payer_name",
    "date_of_service",
    "procedure_code",
    "billed_amount",
    "denial",
    "corrected_on",
    "filing_limit_days",
    "basis",
    "deadline",
    "days_left",
    "state",
)


@lru_cache(maxsize=1)
def default_limits() -> dict[str, dict]:
    """kind (medicare | medicaid | other) -> days, basis, retro_window_days, source."""
    with DEFAULTS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["kind"]: {
            "days": int(row["days"]),
            "basis": row["basis"],
            "retro_window_days": int(row["retro_window_days"]) if row["retro_window_days"] else None,
            "source": row["source"],
        }
        for row in rows
    }


def payer_kind(payer_id: str, payer_name: str | None) -> str:
    """medicare, medicaid or other, from the payer's id and name (Medicare Advantage plans are other)."""
    text = f"{payer_id} {payer_name or ''}".lower()
    if payer_id.strip().upper() == "MCR" or ("medicare" in text and "advantage" not in text):
        return "medicare"
    if "medicaid" in text:
        return "medicaid"
    return "other"


def filing_limits(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every payer with its filing limit in force: payer_id, payer_name, kind, days, basis,
    retro_window_days, source, set_by ('default' or who edited it)."""
    payers = con.execute(f"SELECT payer_id, payer_name FROM ({PAYER_NAMES_SQL}) ORDER BY 1").fetchall()  # noqa: S608
    edited = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT payer_id, days, basis, retro_window_days, source, updated_by FROM payer_filing_limits"
        ).fetchall()
    }
    rows = []
    defaults = default_limits()
    for payer_id, payer_name in payers:
        kind = payer_kind(payer_id, payer_name)
        if payer_id in edited:
            days, basis, window, source, by = edited[payer_id]
        else:
            d = defaults[kind]
            days, basis, window, source, by = (
                d["days"],
                d["basis"],
                d["retro_window_days"],
                d["source"],
                "default",
            )
        rows.append(
            {
                "payer_id": payer_id,
                "payer_name": payer_name,
                "kind": kind,
                "days": days,
                "basis": basis,
                "retro_window_days": window,
                "source": source,
                "set_by": by,
            }
        )
    columns = ["payer_id", "payer_name", "kind", "days", "basis", "retro_window_days", "source", "set_by"]
    return pd.DataFrame(rows, columns=columns)


def set_filing_limit(
    con: duckdb.DuckDBPyConnection,
    payer_id: str,
    days: int,
    *,
    by: str,
    basis: str | None = None,
    retro_window_days: int | None = None,
    source: str | None = None,
) -> None:
    """Edit a payer's filing limit (what is not given keeps its value in force)."""
    limits = filing_limits(con).set_index("payer_id")
    payer_id = str(payer_id).strip()
    if payer_id not in limits.index:
        raise NotFound(f"No payer {payer_id} in the roster - the payers table lists their ids.")
    if int(days) <= 0:
        raise InputError(f"A filing limit of {days} days is not a limit - give a number of days above 0.")
    current = limits.loc[payer_id]
    basis = basis or current["basis"]
    if basis not in BASES:
        raise InputError(f"'{basis}' is not a filing-limit basis - use date_of_service or correction.")
    window = retro_window_days if retro_window_days is not None else current["retro_window_days"]
    window = None if window is None or pd.isna(window) else int(window)
    con.execute("DELETE FROM payer_filing_limits WHERE payer_id = ?", [payer_id])
    con.execute(
        "INSERT INTO payer_filing_limits VALUES (?, ?, ?, ?, ?, ?, current_timestamp)",
        [payer_id, int(days), basis, window, source or f"set by {by}", by],
    )


_RETRO_SQL = """
WITH
enrollment_snapshots AS (
    SELECT DISTINCT snapshot_id FROM enrollments_history
    WHERE snapshot_id <= (SELECT snapshot_id FROM roster_current WHERE table_name = 'enrollments')
),
limits AS (SELECT * FROM retro_limits),
denied AS (
    SELECT c.claim_id, c.line_no, trim(c.rendering_npi) AS npi, trim(c.payer_id) AS payer_id, c.date_of_service,
           c.procedure_code, c.billed_amount, f.credentialing_adjustment AS denial,
           coalesce(l.retro_window_days, 0) AS window_days
    FROM claim_lines AS c
    INNER JOIN stg_remit_line_facts AS f ON f.claim_id = c.claim_id AND f.line_no = c.line_no
    LEFT JOIN limits AS l ON l.payer_id = trim(c.payer_id)
    WHERE f.denied_for_credentialing AND f.paid_amount <= 0
),
enrollment_rows AS (
    SELECT snapshot_id, trim(npi) AS npi, trim(payer_id) AS payer_id, effective_date, termination_date
    FROM enrollments_history
    WHERE lower(trim(status)) IN ('enrolled', 'terminated') AND effective_date IS NOT NULL
),
covered_now AS (
    SELECT DISTINCT d.claim_id, d.line_no
    FROM denied AS d
    INNER JOIN enrollments AS e ON trim(e.npi) = d.npi AND trim(e.payer_id) = d.payer_id
    WHERE lower(trim(e.status)) IN ('enrolled', 'terminated')
        AND CAST(e.effective_date - d.window_days * INTERVAL 1 DAY AS DATE) <= d.date_of_service
        AND (e.termination_date IS NULL OR d.date_of_service <= e.termination_date)
),
per_snapshot AS (
    SELECT d.claim_id, d.line_no, s.snapshot_id,
           bool_or(r.npi IS NOT NULL) AS covered
    FROM denied AS d
    CROSS JOIN enrollment_snapshots AS s
    LEFT JOIN enrollment_rows AS r
        ON r.snapshot_id = s.snapshot_id AND r.npi = d.npi AND r.payer_id = d.payer_id
        AND CAST(r.effective_date - d.window_days * INTERVAL 1 DAY AS DATE) <= d.date_of_service
        AND (r.termination_date IS NULL OR d.date_of_service <= r.termination_date)
    GROUP BY d.claim_id, d.line_no, s.snapshot_id
),
last_uncovered AS (
    SELECT claim_id, line_no, max(snapshot_id) AS snapshot_id FROM per_snapshot WHERE NOT covered
    GROUP BY claim_id, line_no
),
corrections AS (
    SELECT p.claim_id, p.line_no, min(p.snapshot_id) AS snapshot_id
    FROM per_snapshot AS p
    INNER JOIN last_uncovered AS u ON u.claim_id = p.claim_id AND u.line_no = p.line_no
    WHERE p.covered AND p.snapshot_id > u.snapshot_id
    GROUP BY p.claim_id, p.line_no
)
SELECT d.claim_id, d.line_no, d.npi AS rendering_npi, d.payer_id, d.date_of_service, d.procedure_code,
       d.billed_amount, d.denial, CAST(s.created_at AS DATE) AS corrected_on
FROM denied AS d
INNER JOIN covered_now AS n ON n.claim_id = d.claim_id AND n.line_no = d.line_no
INNER JOIN corrections AS k ON k.claim_id = d.claim_id AND k.line_no = d.line_no
LEFT JOIN roster_snapshots AS s ON s.snapshot_id = k.snapshot_id
ORDER BY d.payer_id, d.date_of_service, d.claim_id, d.line_no
"""


def recoverable_lines(
    con: duckdb.DuckDBPyConnection, payer_id: str | None = None, as_of: dt.date | None = None
) -> pd.DataFrame:
    """The recoverable lines (RETRO_COLUMNS), soonest deadline first; `state` is 'open' or 'past limit'."""
    from audits.views import ensure_views

    as_of = as_of or dt.date.today()
    ensure_views(con)
    limits = filing_limits(con)
    window = limits[["payer_id", "retro_window_days"]].copy()
    window["retro_window_days"] = window["retro_window_days"].fillna(0).astype(int)
    con.register("retro_limits", window)
    try:
        frame = con.execute(_RETRO_SQL).df()
    finally:
        con.unregister("retro_limits")
    if payer_id is not None:
        frame = frame[frame["payer_id"].str.lower() == str(payer_id).strip().lower()]
    frame = frame.merge(limits[["payer_id", "payer_name", "days", "basis"]], on="payer_id", how="left")
    providers = con.execute(f"SELECT npi AS rendering_npi, provider_name FROM ({PROVIDER_NAMES_SQL})").df()  # noqa: S608
    frame = frame.merge(providers, on="rendering_npi", how="left")
    frame = frame.rename(columns={"days": "filing_limit_days"})
    deadlines, left = [], []
    for row in frame.itertuples(index=False):
        dos = pd.Timestamp(row.date_of_service).date()
        corrected = pd.Timestamp(row.corrected_on).date() if pd.notna(row.corrected_on) else dos
        start = corrected if row.basis == "correction" else dos
        deadline = start + dt.timedelta(days=int(row.filing_limit_days))
        deadlines.append(deadline)
        left.append((deadline - as_of).days)
    frame["deadline"] = deadlines
    frame["days_left"] = left
    frame["state"] = ["open" if d >= 0 else "past limit" for d in left]
    frame["billed_amount"] = frame["billed_amount"].astype(float)
    frame["date_of_service"] = pd.to_datetime(frame["date_of_service"]).dt.date
    frame["corrected_on"] = pd.to_datetime(frame["corrected_on"]).dt.date
    frame = frame.sort_values(["days_left", "claim_id", "line_no"], kind="stable")
    return frame[list(RETRO_COLUMNS)].reset_index(drop=True)


def recovered_by_month(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Dollars recovered through retro-billing per service month: lines denied for credentialing by one
    remittance and paid by a later one of the same payer (the trends page). month, lines, recovered."""
    from audits.views import ensure_views

    ensure_views(con)
    return con.execute(
        """
        WITH events AS (
            SELECT r.claim_id, r.line_no, r.adjudication_date, r.paid_amount
            FROM remit_lines AS r
            INNER JOIN claim_lines AS c ON c.claim_id = r.claim_id AND c.line_no = r.line_no
                AND trim(c.payer_id) = trim(r.payer_id)
        ),
        first_denial AS (
            SELECT e.claim_id, e.line_no, min(e.adjudication_date) AS denied_on
            FROM events AS e WHERE e.paid_amount = 0 GROUP BY e.claim_id, e.line_no
        ),
        recovered AS (
            SELECT f.claim_id, f.line_no, sum(e.paid_amount) AS paid
            FROM first_denial AS f
            INNER JOIN events AS e ON e.claim_id = f.claim_id AND e.line_no = f.line_no
                AND e.adjudication_date > f.denied_on AND e.paid_amount > 0
            INNER JOIN credentialing_denials AS k ON k.claim_id = f.claim_id AND k.line_no = f.line_no
            GROUP BY f.claim_id, f.line_no
        )
        SELECT strftime(date_trunc('month', c.date_of_service), '%Y-%m') AS month, count(*) AS lines,
               CAST(sum(r.paid) AS DOUBLE) AS recovered_dollars
        FROM recovered AS r
        INNER JOIN claim_lines AS c ON c.claim_id = r.claim_id AND c.line_no = r.line_no
        GROUP BY 1 ORDER BY 1
        """.replace("credentialing_denials", _CREDENTIALING_DENIALS)
    ).df()


# Lines one of whose remittances carried a credentialing-coded adjustment (CARC category credentialing
# or scope); the CARC 16 + RARC case is left to stg_remit_line_facts, which judges the line as a whole.
_CREDENTIALING_DENIALS = """(
    SELECT DISTINCT r.claim_id, r.line_no
    FROM remit_lines AS r
    INNER JOIN remit_adjustments AS a ON a.remit_line_id = r.remit_line_id
    INNER JOIN ref_carc AS k ON k.code = upper(trim(a.carc)) AND k.code_type = 'CARC'
    WHERE r.paid_amount = 0 AND k.root_cause IN ('credentialing', 'scope')
)"""
