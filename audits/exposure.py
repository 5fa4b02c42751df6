"""Money ahead: the dollars under each forward alert of a month (issue 11).

The forward alerts are the findings that look ahead from month_end: CREDENTIAL_EXPIRING,
ENROLLMENT_PENDING_LONG and ENROLLMENT_TERMINATING (SPEC 4). An alert's **exposure** is the billed and
paid dollars of the trailing 90 days - dates of service in (month_end - 90 days, month_end], the window
the runner uses for provider-level amounts - under the credential or enrollment, by payer:
- an enrollment alert (it names a payer): the provider's lines with that payer;
- a credential alert (licence, board certification, DEA, malpractice): every line of the provider, by
  payer (decision: a lapsed credential stops the provider billing every payer, so all of them count).
Paid dollars are the lines' paid amounts as SPEC 4 defines them (remittances of the claim's payer only:
stg_remit_line_facts). The credentialing team works the largest paid exposure first.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from audits.findings import CURRENT_FINDINGS_SQL, PAYER_NAMES_SQL, PROVIDER_NAMES_SQL
from audits.lifecycle import ISSUE_ID_SQL
from audits.months import month_bounds

FORWARD_RULES = ("CREDENTIAL_EXPIRING", "ENROLLMENT_PENDING_LONG", "ENROLLMENT_TERMINATING")
WINDOW_DAYS = 90
EXPOSURE_COLUMNS = (
    "issue_id",
    "rule_id",
    "rendering_npi",
    "provider_name",
    "alert",
    "payer_id",
    "payer_name",
    "lines",
    "billed_90d",
    "paid_90d",
)

_EXPOSURE_SQL = f"""
WITH alerts AS (
    SELECT {ISSUE_ID_SQL} AS issue_id, f.rule_id, trim(f.rendering_npi) AS npi,
           nullif(trim(f.payer_id), '') AS payer_id, f.detail
    FROM ({CURRENT_FINDINGS_SQL}) AS f
    WHERE f.month = $month_start AND f.rule_id IN $rules
),
window_lines AS (
    SELECT trim(c.rendering_npi) AS npi, trim(c.payer_id) AS payer_id, c.billed_amount,
           coalesce(p.paid_amount, 0) AS paid_amount
    FROM claim_lines AS c
    LEFT JOIN stg_remit_line_facts AS p ON p.claim_id = c.claim_id AND p.line_no = c.line_no
    WHERE c.date_of_service > CAST($month_end - INTERVAL {WINDOW_DAYS} DAY AS DATE)
        AND c.date_of_service <= $month_end
),
exposed AS (
    SELECT a.issue_id, a.rule_id, a.npi, a.detail, w.payer_id, count(w.npi) AS lines,
           CAST(coalesce(sum(w.billed_amount), 0) AS DECIMAL(14, 2)) AS billed_90d,
           CAST(coalesce(sum(w.paid_amount), 0) AS DECIMAL(14, 2)) AS paid_90d
    FROM alerts AS a
    LEFT JOIN window_lines AS w ON w.npi = a.npi AND (a.payer_id IS NULL OR w.payer_id = a.payer_id)
    GROUP BY a.issue_id, a.rule_id, a.npi, a.detail, w.payer_id, a.payer_id
)
SELECT e.issue_id, e.rule_id, e.npi AS rendering_npi, pr.provider_name, e.detail AS alert,
       coalesce(e.payer_id, a.payer_id) AS payer_id, py.payer_name, e.lines, e.billed_90d, e.paid_90d
FROM exposed AS e
INNER JOIN alerts AS a ON a.issue_id = e.issue_id
LEFT JOIN ({PROVIDER_NAMES_SQL}) AS pr ON pr.npi = e.npi
LEFT JOIN ({PAYER_NAMES_SQL}) AS py ON py.payer_id = coalesce(e.payer_id, a.payer_id)
"""  # noqa: S608 - fixed text, values bound


def exposure(con: duckdb.DuckDBPyConnection, month, npi: str | None = None) -> pd.DataFrame:
    """One row per (forward alert, payer) of the month, EXPOSURE_COLUMNS; the alerts with the most paid
    dollars first. An alert with no line in the window has one row with zero dollars."""
    from audits.views import ensure_views

    start, end = month_bounds(month)
    ensure_views(con)
    frame = con.execute(
        _EXPOSURE_SQL, {"month_start": start, "month_end": end, "rules": list(FORWARD_RULES)}
    ).df()
    if npi is not None:
        frame = frame[frame["rendering_npi"] == str(npi).strip()]
    for column in ("billed_90d", "paid_90d"):
        frame[column] = frame[column].astype(float)
    frame["lines"] = frame["lines"].astype(int)
    totals = frame.groupby("issue_id")["paid_90d"].transform("sum")
    frame = frame.assign(_total=totals).sort_values(
        ["_total", "issue_id", "paid_90d", "payer_id"], ascending=[False, True, False, True], kind="stable"
    )
    return frame[list(EXPOSURE_COLUMNS)].reset_index(drop=True)
