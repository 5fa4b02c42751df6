"""Onboarding lag: how long new providers wait for each payer, and what the wait cost.

For every provider and payer (each pair with an enrollment row, and each pair the provider
billed), the **onboarding lag** is the number of days from the provider's hire_date to the
first effective_date of an `enrolled` or `terminated` enrollment row with that payer (pending
and denied rows never make a provider effective, SPEC 1/4). A pair with no effective row yet
is *open*: its `days_waiting` counts from hire_date to `as_of`.

The **gap** of a pair is the claim lines the provider rendered for that payer on or after the
hire date and before the first effective date (every line after the hire date while the pair
is open). Its cost is their billed dollars, and, from the audit engine's per-line remittance
facts, what was paid and what was denied (SPEC 5 definitions, never recomputed here).

Providers without a hire_date have no lag and no gap (nothing to measure from); they are kept
in the frame with empty values so the analyst can see whom to fix.

Dates are subtracted in pandas and the SQL uses only portable constructs (SPEC: it may later
run on Spark).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from audits.findings import PAYER_NAMES_SQL, PROVIDERS_SQL

# The audit engine's staging view with one row per remitted claim line and what its remittances
# say (SPEC 4/5: only the claim's payer counts, paid amount, denied). Created by
# audits.views.ensure_views at the last write; without it paid/denied are unknown (NaN), not 0.
LINE_OUTCOME_VIEW = "stg_remit_line_facts"

# One row per provider (sql/staging/stg_providers.sql): a provider listed twice in the roster (two sheets,
# a re-hire) is one provider with the earliest hire date, active when any of its rows is, and the name
# every page shows. Ids are trimmed and statuses case-folded, as the rules read them.
_ROSTER_CTE = f"""
roster AS (
    SELECT npi, provider_name, specialty, status AS provider_status, hire_date FROM ({PROVIDERS_SQL}) AS p
),
enrollment_rows AS (
    SELECT trim(npi) AS npi, trim(payer_id) AS payer_id, lower(trim(status)) AS status, submitted_date,
           effective_date
    FROM enrollments
)"""  # noqa: S608 - constant

_PAIRS_SQL = f"""
WITH
{_ROSTER_CTE},
enrollment_pairs AS (
    -- one row per provider and payer, with the dates that matter for onboarding
    SELECT npi,
           payer_id,
           min(CASE WHEN status IN ('enrolled', 'terminated') THEN effective_date END) AS first_effective_date,
           min(submitted_date) AS first_submitted_date,
           max(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS has_pending,
           max(CASE WHEN status = 'denied' THEN 1 ELSE 0 END) AS has_denied
    FROM enrollment_rows
    GROUP BY npi, payer_id
),
billed_pairs AS (
    -- a provider who billed a payer without any enrollment row is onboarding too (never effective)
    SELECT DISTINCT p.npi, trim(c.payer_id) AS payer_id
    FROM claim_lines AS c
    JOIN roster AS p ON p.npi = trim(c.rendering_npi)
    WHERE nullif(trim(c.payer_id), '') IS NOT NULL
),
pairs AS (
    SELECT npi, payer_id FROM enrollment_pairs
    UNION
    SELECT npi, payer_id FROM billed_pairs
),
final AS (
    SELECT p.npi,
           p.provider_name,
           p.specialty,
           p.provider_status,
           p.hire_date,
           pr.payer_id,
           y.payer_name,
           e.first_submitted_date,
           e.first_effective_date,
           CASE
               WHEN e.first_effective_date IS NOT NULL THEN 'effective'
               WHEN e.has_pending = 1 THEN 'pending'
               WHEN e.has_denied = 1 THEN 'denied'
               ELSE 'not enrolled'
           END AS enrollment_status
    FROM pairs AS pr
    JOIN roster AS p ON p.npi = pr.npi
    LEFT JOIN enrollment_pairs AS e ON e.npi = pr.npi AND e.payer_id = pr.payer_id
    LEFT JOIN ({PAYER_NAMES_SQL}) AS y ON y.payer_id = pr.payer_id
)
SELECT * FROM final
ORDER BY npi, payer_id
"""  # noqa: S608 - constant

_GAP_LINES_SQL = f"""
WITH
{_ROSTER_CTE},
first_effective AS (
    SELECT npi, payer_id,
           min(CASE WHEN status IN ('enrolled', 'terminated') THEN effective_date END) AS first_effective_date
    FROM enrollment_rows
    GROUP BY npi, payer_id
),
final AS (
    -- lines rendered after the hire date and before the payer made the provider effective
    SELECT p.npi,
           trim(c.payer_id) AS payer_id,
           c.claim_id,
           c.line_no,
           c.date_of_service,
           c.billed_amount
    FROM claim_lines AS c
    JOIN roster AS p ON p.npi = trim(c.rendering_npi)
    LEFT JOIN first_effective AS e ON e.npi = p.npi AND e.payer_id = trim(c.payer_id)
    WHERE p.hire_date IS NOT NULL
      AND c.date_of_service >= p.hire_date
      AND (e.first_effective_date IS NULL OR c.date_of_service < e.first_effective_date)
)
SELECT * FROM final
"""  # noqa: S608 - constant


def _has_line_outcomes(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [LINE_OUTCOME_VIEW]
    ).fetchall()
    return rows[0][0] > 0


def gap_lines(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Claim lines in an onboarding gap, with paid/denied outcome when the audit engine provides it."""
    lines = con.execute(_GAP_LINES_SQL).df()
    lines["billed_amount"] = lines["billed_amount"].astype("float64")
    if lines.empty or not _has_line_outcomes(con):
        lines["paid_amount"] = float("nan")
        lines["is_denied"] = pd.Series(pd.NA, index=lines.index, dtype="boolean")
        lines["remitted"] = pd.Series(pd.NA, index=lines.index, dtype="boolean")
        return lines
    outcome = con.execute(
        f"SELECT claim_id, line_no, paid_amount, denied AS is_denied FROM {LINE_OUTCOME_VIEW}"  # noqa: S608
    ).df()
    outcome["paid_amount"] = outcome["paid_amount"].astype("float64")
    outcome["is_denied"] = outcome["is_denied"].astype("boolean")
    outcome["remitted"] = True
    merged = lines.merge(outcome, on=["claim_id", "line_no"], how="left")
    merged["remitted"] = merged["remitted"].astype("boolean").fillna(False)
    merged["is_denied"] = merged["is_denied"].fillna(False)
    return merged


def _default_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    latest = con.execute("SELECT max(date_of_service) FROM claim_lines").fetchall()[0][0]
    return latest or dt.date.today()


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    delta = pd.to_datetime(later) - pd.to_datetime(earlier)
    return delta.dt.days.astype("Int64")


def onboarding_lag(con: duckdb.DuckDBPyConnection, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """One row per provider and payer: hire date, first effective date, the lag, and the gap's cost.

    Columns: npi, provider_name, specialty, provider_status, hire_date, payer_id, payer_name,
    enrollment_status (effective | pending | denied | not enrolled), first_submitted_date,
    first_effective_date, lag_days (hire -> effective), days_to_submit (hire -> first submission),
    payer_days (first submission -> effective), days_waiting (open pairs: hire -> as_of),
    gap_lines, gap_billed, gap_paid, gap_denied_lines, gap_denied_dollars.
    """
    as_of_date = pd.Timestamp(as_of).date() if as_of is not None else _default_as_of(con)
    pairs = con.execute(_PAIRS_SQL).df()
    pairs["lag_days"] = _days(pairs["first_effective_date"], pairs["hire_date"])
    pairs["days_to_submit"] = _days(pairs["first_submitted_date"], pairs["hire_date"])
    pairs["payer_days"] = _days(pairs["first_effective_date"], pairs["first_submitted_date"])
    open_pairs = pairs["first_effective_date"].isna() & pairs["hire_date"].notna()
    waiting = _days(pd.Series(pd.Timestamp(as_of_date), index=pairs.index), pairs["hire_date"])
    pairs["days_waiting"] = waiting.where(open_pairs)

    lines = gap_lines(con)
    lines["denied_dollars"] = lines["billed_amount"].where(lines["is_denied"].fillna(False).astype(bool), 0.0)
    lines["denied_line"] = lines["is_denied"].fillna(False).astype(bool).astype("int64")
    cost = (
        lines.groupby(["npi", "payer_id"], as_index=False)
        .agg(
            gap_lines=("claim_id", "size"),
            gap_billed=("billed_amount", "sum"),
            gap_paid=("paid_amount", "sum"),
            gap_denied_lines=("denied_line", "sum"),
            gap_denied_dollars=("denied_dollars", "sum"),
        )
        .astype({"gap_lines": "int64"})
    )
    out = pairs.merge(cost, on=["npi", "payer_id"], how="left")
    for column in ("gap_lines", "gap_denied_lines"):
        out[column] = out[column].fillna(0).astype("int64")
    for column in ("gap_billed", "gap_paid", "gap_denied_dollars"):
        out[column] = out[column].fillna(0.0).astype("float64")
    if len(lines) and lines["remitted"].isna().all():
        # no remittance outcome available (audit views missing): unknown, not zero
        out[["gap_paid", "gap_denied_lines", "gap_denied_dollars"]] = float("nan")
    return out.reset_index(drop=True)


def _summarise(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    grouped = frame.groupby(by, dropna=False)
    summary = grouped.agg(
        pairs=("npi", "size"),
        effective=("first_effective_date", "count"),
        median_lag_days=("lag_days", "median"),
        mean_lag_days=("lag_days", "mean"),
        max_lag_days=("lag_days", "max"),
        median_payer_days=("payer_days", "median"),
        open_pairs=("days_waiting", "count"),
        longest_wait_days=("days_waiting", "max"),
        gap_lines=("gap_lines", "sum"),
        gap_billed=("gap_billed", "sum"),
        gap_denied_dollars=("gap_denied_dollars", "sum"),
    ).reset_index()
    for column in ("median_lag_days", "mean_lag_days", "median_payer_days"):
        summary[column] = summary[column].astype("float64").round(1)
    return summary.sort_values(["gap_billed", "median_lag_days"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def lag_by_payer(frame: pd.DataFrame) -> pd.DataFrame:
    """Per payer (from onboarding_lag's frame): pairs, effective, median/mean/max lag, open pairs, gap cost."""
    names = frame[["payer_id", "payer_name"]].drop_duplicates("payer_id")
    summary = _summarise(frame, "payer_id")
    return names.merge(summary, on="payer_id", how="right")


def lag_by_specialty(frame: pd.DataFrame) -> pd.DataFrame:
    """Per specialty (from onboarding_lag's frame): the same measures as lag_by_payer."""
    return _summarise(frame, "specialty")


def gap_cost_by_month(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per service month: lines in an onboarding gap, their billed, paid and denied dollars."""
    lines = gap_lines(con)
    if lines.empty:
        return pd.DataFrame(columns=["month", "gap_lines", "gap_billed", "gap_paid", "gap_denied_dollars"])
    denied = lines["is_denied"].fillna(False).astype(bool)
    lines["month"] = pd.to_datetime(lines["date_of_service"]).dt.strftime("%Y-%m")
    lines["denied_dollars"] = lines["billed_amount"].where(denied, 0.0)
    months = (
        lines.groupby("month", as_index=False)
        .agg(
            gap_lines=("claim_id", "size"),
            gap_billed=("billed_amount", "sum"),
            gap_paid=("paid_amount", "sum"),
            gap_denied_dollars=("denied_dollars", "sum"),
        )
        .sort_values("month")
        .reset_index(drop=True)
    )
    if lines["remitted"].isna().all():
        months[["gap_paid", "gap_denied_dollars"]] = float("nan")  # unknown without the audit views
    return months
