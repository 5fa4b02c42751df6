"""What the audit cannot judge, listed for the analyst with what to do (SPEC 3, 4): remitted lines with no
claim line, reason codes missing from the CARC table, and roster rows a rule cannot judge. Not measures
(SPEC 5: audits/measures.py) and not findings: data problems to fix at the source.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from audits.findings import PROVIDER_NAMES_SQL
from audits.views import ensure_views


def unmatched_remits(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Remitted lines with no claim line (a data problem for the analyst, not audited)."""
    ensure_views(con)
    return con.execute(
        "SELECT remit_line_id, payer_id, claim_id, line_no, claim_status, rendering_npi, adjudication_date, "
        "procedure_code, billed_amount, paid_amount, source, upload_id FROM stg_unmatched_remits "
        "ORDER BY claim_id, line_no, adjudication_date"
    ).df()


def roster_problems(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Roster rows a rule cannot judge: pending enrollments without a submitted date (SPEC 4), one row per
    such enrollment row, the provider named as everywhere (one name however often the roster lists it)."""
    return con.execute(
        f"""
        SELECT trim(e.npi) AS npi, p.provider_name, trim(e.payer_id) AS payer_id, e.status,
               'pending enrollment without a submitted date: ENROLLMENT_PENDING_LONG cannot judge it' AS problem
        FROM enrollments AS e
        LEFT JOIN ({PROVIDER_NAMES_SQL}) AS p ON p.npi = trim(e.npi)
        WHERE lower(trim(e.status)) = 'pending' AND e.submitted_date IS NULL
        ORDER BY 1, 3
        """  # noqa: S608 - constant
    ).df()


def unknown_carcs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Adjustment reason codes missing from the CARC table (root cause 'unknown'), with their use."""
    return con.execute(
        "SELECT upper(trim(a.carc)) AS carc, count(*) AS adjustments, sum(a.amount) AS amount "
        "FROM remit_adjustments AS a LEFT JOIN ref_carc AS c ON c.code = upper(trim(a.carc)) "
        "WHERE c.code IS NULL AND a.carc IS NOT NULL GROUP BY upper(trim(a.carc)) ORDER BY adjustments DESC"
    ).df()
