"""Read queries the dashboard pages need beyond audits.measures.

Pure functions over an open connection (read-only is enough), returning plain
values or DataFrames. No streamlit here: notebooks can use them too. Every value
is bound as a parameter; nothing is formatted into SQL. No patient identifiers
leave this module (patient_key is never selected).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from audits.findings import (
    AUDITED_MONTHS_SQL,
    CURRENT_FINDINGS_SQL,
    KNOWN_PAYERS_SQL,
    PAYER_NAMES_SQL,
    PROVIDERS_SQL,
)
from audits.months import add_months, month_label, month_start


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


# ---------------------------------------------------------------------------------------------- the data


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever an upload, a roster snapshot or an audit run is added: the cache key."""
    return tuple(
        _rows(
            con,
            "SELECT (SELECT coalesce(max(upload_id), 0) FROM uploads),"
            " (SELECT coalesce(max(snapshot_id), 0) FROM roster_snapshots),"
            " (SELECT coalesce(max(run_id), 0) FROM audit_runs),"
            " (SELECT count(*) FROM audit_runs WHERE status = 'done'),"
            " (SELECT count(*) FROM payer_aliases)",
        )[0]
    )


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    return _rows(con, "SELECT count(*) FROM uploads WHERE uploaded_by = 'demo'")[0][0] > 0


def freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The last loaded upload per kind: kind, uploaded_at, file_name."""
    return _frame(
        con,
        """
        WITH ranked AS (
            SELECT kind, uploaded_at, file_name,
                   row_number() OVER (PARTITION BY kind ORDER BY uploaded_at DESC, upload_id DESC) AS rn
            FROM uploads
            WHERE status = 'loaded'
        )
        SELECT kind, uploaded_at, file_name FROM ranked WHERE rn = 1 ORDER BY kind
        """,
    )


def service_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months that have claim lines, newest first, as 'YYYY-MM'."""
    rows = _rows(
        con,
        "SELECT DISTINCT date_trunc('month', date_of_service) AS m FROM claim_lines"
        " WHERE date_of_service IS NOT NULL ORDER BY m DESC",
    )
    return [month_label(r[0]) for r in rows]


def default_month(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest audited month, else the latest month with at least half the lines of the busiest month
    (a month of a few stray lines - a typo'd date, an early claim - is not where a user starts), else None."""
    from audits.findings import audited_months

    audited = audited_months(con)
    if audited:
        return audited[0]
    rows = _rows(
        con,
        "SELECT date_trunc('month', date_of_service) AS m, count(*) AS n FROM claim_lines"
        " WHERE date_of_service IS NOT NULL GROUP BY m ORDER BY m DESC",
    )
    busiest = max((n for _m, n in rows), default=0)
    return next((month_label(m) for m, n in rows if 2 * n >= busiest), None)


def payers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """payer_id, payer_name: every payer the payers table or an enrollment names (audits.findings
    KNOWN_PAYERS_SQL), by name."""
    sql = f"SELECT * FROM ({KNOWN_PAYERS_SQL}) ORDER BY coalesce(payer_name, payer_id), payer_id"  # noqa: S608
    return _frame(con, sql)


def providers(con: duckdb.DuckDBPyConnection, active_only: bool = False) -> pd.DataFrame:
    """One row per provider (stg_providers: a provider listed twice is one): npi, provider_name,
    specialty, status; active_only: the providers the rules treat as active."""
    sql = f"SELECT npi, provider_name, specialty, status FROM ({PROVIDERS_SQL}) AS p"  # noqa: S608 - constant
    if active_only:
        sql += " WHERE p.active"
    return _frame(con, sql + " ORDER BY provider_name, npi")


# ---------------------------------------------------------------------------------------------- providers


def search_providers(con: duckdb.DuckDBPyConnection, text: str, limit: int = 50) -> pd.DataFrame:
    """Providers whose name or NPI contains the text (case-insensitive)."""
    pattern = "%" + text.strip().lower() + "%"
    return _frame(
        con,
        f"SELECT npi, provider_name, specialty, status FROM ({PROVIDERS_SQL}) AS p"  # noqa: S608 - constant
        " WHERE lower(provider_name) LIKE ? OR npi LIKE ? ORDER BY provider_name, npi LIMIT ?",
        [pattern, pattern, limit],
    )


def provider(con: duckdb.DuckDBPyConnection, npi: str) -> dict | None:
    frame = _frame(
        con,
        "SELECT npi, provider_name, specialty, taxonomy_code, primary_state, hire_date, status"  # noqa: S608
        f" FROM ({PROVIDERS_SQL}) AS p WHERE npi = trim(?)",
        [npi],
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def provider_credentials(con: duckdb.DuckDBPyConnection, npi: str, as_of: dt.date) -> pd.DataFrame:
    """The provider's credentials with days from as_of to expiry (negative = expired)."""
    return _frame(
        con,
        """
        SELECT credential_type, credential_label, number, state, issue_date, expiration_date,
               date_diff('day', CAST(? AS DATE), expiration_date) AS days_to_expiry
        FROM credentials WHERE npi = ?
        ORDER BY credential_type, state, expiration_date
        """,
        [as_of, npi],
    )


def provider_enrollments(
    con: duckdb.DuckDBPyConnection, npi: str, payer_id: str | None = None
) -> pd.DataFrame:
    """The provider's enrollments (with one payer when payer_id is given), the payer named as everywhere
    (audits.findings PAYER_NAMES_SQL; its id when it has no name)."""
    return _frame(
        con,
        f"""
        SELECT e.payer_id, coalesce(y.payer_name, e.payer_id) AS payer_name, e.status, e.status_label,
               e.submitted_date, e.effective_date, e.termination_date, e.allowed_pos
        FROM enrollments e
        LEFT JOIN ({PAYER_NAMES_SQL}) y ON y.payer_id = trim(e.payer_id)
        WHERE trim(e.npi) = trim(?) AND (? IS NULL OR trim(e.payer_id) = trim(?))
        ORDER BY payer_name, e.effective_date NULLS LAST, e.submitted_date NULLS LAST
        """,  # noqa: S608 - constant
        [npi, payer_id, payer_id],
    )


def provider_scope(con: duckdb.DuckDBPyConnection, npi: str) -> pd.DataFrame:
    return _frame(
        con,
        "SELECT payer_id, code_from, code_to, CASE WHEN approved THEN 'approved' ELSE 'excluded' END AS scope"
        " FROM service_scope WHERE npi = ? ORDER BY payer_id, approved DESC, code_from",
        [npi],
    )


def provider_findings_by_month(
    con: duckdb.DuckDBPyConnection, npi: str, end_month: str | dt.date, months: int = 12
) -> pd.DataFrame:
    """month, findings, amount_at_risk of the provider's findings in each month's current run."""
    end = month_start(end_month)
    first = add_months(end, 1 - months)
    return _frame(
        con,
        f"""
        WITH months AS (SELECT month FROM ({AUDITED_MONTHS_SQL}) WHERE month BETWEEN ? AND ?)
        SELECT m.month, count(f.month) AS findings, coalesce(sum(f.amount_at_risk), 0) AS amount_at_risk
        FROM months m LEFT JOIN ({CURRENT_FINDINGS_SQL}) f ON f.month = m.month AND f.rendering_npi = ?
        GROUP BY m.month ORDER BY m.month
        """,  # noqa: S608 - constant
        [first, end, npi],
    )


def provider_denials_by_month(
    con: duckdb.DuckDBPyConnection, npi: str, end_month: str | dt.date, months: int = 12
) -> pd.DataFrame:
    """month, lines, billed, denied_lines, denied_dollars, credentialing_denied_dollars of the provider's
    lines per service month that has any (audits.measures.breakdown by provider, SPEC 5 definitions)."""
    from audits.measures import breakdown

    rows = []
    for offset in range(months - 1, -1, -1):
        start = add_months(end_month, -offset)
        frame = breakdown(con, start, "provider")
        mine = frame[frame["rendering_npi"] == npi]
        if not mine.empty:
            rows.append({"month": start, **{c: mine.iloc[0][c] for c in _HISTORY_COLUMNS}})
    return pd.DataFrame(rows, columns=["month", *_HISTORY_COLUMNS])


_HISTORY_COLUMNS = ("lines", "billed", "denied_lines", "denied_dollars", "credentialing_denied_dollars")
_TOP_KEYS = {"provider": "rendering_npi", "payer": "payer_id", "procedure_code": "procedure_code"}


def top_denials(con: duckdb.DuckDBPyConnection, month: str | dt.date, n: int = 10) -> dict[str, pd.DataFrame]:
    """The month's largest denied dollars by provider, payer and procedure code: {by: frame of key, name,
    denied_dollars, denied_lines} (audits.measures.breakdown), groups without a denial left out."""
    from audits.measures import breakdown

    out = {}
    for by, key in _TOP_KEYS.items():
        frame = breakdown(con, month, by)
        frame = frame[frame["denied_lines"] > 0]
        name = {"provider": "provider_name", "payer": "payer_name"}.get(by, key)
        top = pd.DataFrame(
            {
                key: frame[key],
                "name": frame[name].where(frame[name].notna(), frame[key]),
                "denied_dollars": frame["denied_dollars"].astype(float),
                "denied_lines": frame["denied_lines"].astype("int64"),
            }
        )
        out[by] = (
            top.sort_values(["denied_dollars", key], ascending=[False, True]).head(n).reset_index(drop=True)
        )
    return out


# ---------------------------------------------------------------------------------------------- uploads


def upload_history(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    return _frame(
        con,
        "SELECT upload_id, file_name, kind, status, rows_read, rows_loaded, rows_rejected, uploaded_by,"
        " uploaded_at, message FROM uploads ORDER BY upload_id DESC LIMIT ?",
        [limit],
    )


def rejected_rows(con: duckdb.DuckDBPyConnection, upload_id: int) -> pd.DataFrame:
    """The upload's rejected rows: row number, sheet, column, reason and the raw row (patient identifiers
    are stored hashed, SPEC 7)."""
    return _frame(
        con,
        "SELECT row_number, sheet, column_name, reason, raw_row, resolved_by_upload FROM rejected_rows"
        " WHERE upload_id = ? ORDER BY sheet, row_number",
        [upload_id],
    )


def mapping_profiles(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> pd.DataFrame:
    """Saved column mappings: name, kind, saved_at (for one kind when given)."""
    return _frame(
        con,
        "SELECT name, kind, saved_at FROM mapping_profiles WHERE (? IS NULL OR kind = ?) ORDER BY name",
        [kind, kind],
    )
