"""Pages built on the engine: the clearance matrix, "who can bill", the provider's clearance with each
payer and the 90-day action list, evaluated by the audit's own staging and rule SQL on a date - never by
a second reading of SPEC 4.

- clearance_matrix(con, on_date): active provider x payer: the line tables judge one candidate line per
  pair dated on_date (audits.precheck.judged_lines, as the pre-check does), and the status is the
  enrollment finding the audit would raise on that line (none -> cleared).
- provider_clearance(con, npi, on_date): the provider's row of that matrix, one per payer.
- who_can_bill(con, code, payer_id, on_date): the providers cleared with the payer, judged by the
  pre-check's blocking rules for the code.
- licence_status(con, on_date): per active provider, LICENSE_INVALID's verdict on a line dated on_date
  in any state (valid / expired / none), the states whose licence covers it (the rule per state) and the
  soonest covering expiry (line_credentials).
- action_items(con, as_of): CREDENTIAL_EXPIRING and ENROLLMENT_TERMINATING run with month_end = as_of
  (their 90-day look-ahead), plus every pending application with its age.
Active provider: the rules' definition (status empty or 'active', case and spaces ignored); names: the
findings read model's (audits.findings).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from audits.findings import KNOWN_PAYERS_SQL, PAYER_NAMES_SQL, PROVIDER_NAMES_SQL, PROVIDERS_SQL
from audits.months import month_start

CLEARANCE_STATUSES = ("cleared", "not yet effective", "terminated", "pending", "denied", "not enrolled")
ACTIVE_PROVIDERS_SQL = f"SELECT npi FROM ({PROVIDERS_SQL}) AS p WHERE p.active"  # noqa: S608 - constant
# The enrollment finding the audit raises on a line -> the word the matrix shows.
_STATUS_OF_FINDING = {
    "AFTER_TERMINATION": "terminated",
    "BEFORE_EFFECTIVE": "not yet effective",
    "NOT_ENROLLED": "not enrolled",
}


def _pairs(con: duckdb.DuckDBPyConnection, npi: str | None) -> pd.DataFrame:
    return con.execute(
        f"""
        WITH active AS ({ACTIVE_PROVIDERS_SQL}),
        names AS ({PROVIDER_NAMES_SQL}),
        specialties AS (SELECT npi, specialty FROM ({PROVIDERS_SQL}) AS p),
        known_payers AS ({KNOWN_PAYERS_SQL})
        SELECT a.npi, n.provider_name, s.specialty, k.payer_id, coalesce(k.payer_name, k.payer_id) AS payer_name
        FROM active AS a
        LEFT JOIN names AS n ON n.npi = a.npi
        LEFT JOIN specialties AS s ON s.npi = a.npi
        CROSS JOIN known_payers AS k
        WHERE (? IS NULL OR a.npi = ?)
        ORDER BY n.provider_name, a.npi, payer_name
        """,  # noqa: S608 - constant SQL
        [npi, npi],
    ).df()


def clearance_matrix(
    con: duckdb.DuckDBPyConnection, on_date: dt.date, npi: str | None = None
) -> pd.DataFrame:
    """npi, provider_name, specialty, payer_id, payer_name, status (one of CLEARANCE_STATUSES)."""
    from audits.precheck import judged_lines

    pairs = _pairs(con, npi)
    if pairs.empty:
        return pairs.assign(status=pd.Series(dtype=object))
    candidates = pd.DataFrame(
        {
            "key": [str(i) for i in range(len(pairs))],
            "rendering_npi": pairs["npi"].astype(str),
            "payer_id": pairs["payer_id"].astype(str),
            "date_of_service": on_date,
            "procedure_code": None,
            "pos": None,
            "service_state": None,
        }
    )
    with judged_lines(con, candidates, upto="line_facts"):
        facts = con.execute(
            "SELECT claim_id, known_provider, enrollment_finding, unapproved_status FROM line_facts"
        ).df()
    facts = facts.set_index("claim_id")
    statuses = []
    for key in candidates["key"]:
        row = facts.loc[key]
        finding = row["enrollment_finding"]
        if not bool(row["known_provider"]):
            statuses.append("not enrolled")  # INVALID_NPI / UNKNOWN_PROVIDER: no enrollment is judged
        elif finding is None or pd.isna(finding):
            statuses.append("cleared")
        elif finding == "ENROLLMENT_NOT_APPROVED":
            statuses.append(
                row["unapproved_status"] if row["unapproved_status"] in ("pending", "denied") else "pending"
            )
        else:
            statuses.append(_STATUS_OF_FINDING.get(finding, "not enrolled"))
    return pairs.assign(status=statuses)


def provider_clearance(con: duckdb.DuckDBPyConnection, npi: str, on_date: dt.date) -> pd.DataFrame:
    """The provider's clearance with each payer on a date (payer_id, payer_name, status)."""
    frame = clearance_matrix(con, on_date, npi=str(npi).strip())
    return frame[["payer_id", "payer_name", "status"]].reset_index(drop=True)


def who_can_bill(con: duckdb.DuckDBPyConnection, code: str, payer_id: str, on_date: dt.date) -> pd.DataFrame:
    """Active providers cleared with the payer on the date (clearance_matrix), each judged by the
    pre-check's blocking rules for the code (licence in any state): provider_name, npi, cleared, why_not.
    Cleared providers first."""
    from audits.precheck import evaluate

    matrix = clearance_matrix(con, on_date)
    enrolled = matrix[(matrix["payer_id"] == payer_id) & (matrix["status"] == "cleared")]
    candidates = pd.DataFrame(
        {
            "key": enrolled["npi"].astype(str),
            "rendering_npi": enrolled["npi"].astype(str),
            "payer_id": payer_id,
            "date_of_service": on_date,
            "procedure_code": code.strip().upper(),
            "pos": None,
            "service_state": None,
        }
    )
    found = evaluate(con, candidates) if not candidates.empty else {}
    frame = pd.DataFrame(
        {
            "provider_name": enrolled["provider_name"].tolist(),
            "npi": enrolled["npi"].tolist(),
            "cleared": [not found.get(n) for n in enrolled["npi"]],
            "why_not": ["; ".join(d for _r, d in found.get(n, [])) for n in enrolled["npi"]],
        }
    )
    return frame.sort_values(["cleared", "provider_name"], ascending=[False, True], ignore_index=True)


LICENCE_STATUSES = ("valid", "expired", "none", "invalid NPI")


def licence_status(con: duckdb.DuckDBPyConnection, on_date: dt.date) -> pd.DataFrame:
    """npi, licence, licence_states, licence_expires per active provider, by the audit's LICENSE_INVALID
    on candidate lines dated on_date: one in no state (any state's licence covers it, as for a line
    without a service state) gives `licence` - 'valid' when the rule does not fire, else 'expired' (the
    roster has a state licence for the provider) or 'none'; 'invalid NPI' when the audit judges no
    licence (INVALID_NPI / UNKNOWN_PROVIDER); one per state the provider holds a licence in gives
    licence_states (where the rule does not fire); licence_expires is line_credentials' soonest covering
    expiry."""
    from audits.precheck import judged_lines
    from audits.rules import get_rule
    from audits.runner import bind, rule_rows_sql

    active = con.execute(f"SELECT npi FROM ({ACTIVE_PROVIDERS_SQL}) ORDER BY npi").df()  # noqa: S608
    columns = ["npi", "licence", "licence_states", "licence_expires"]
    if active.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    states = con.execute(
        f"""
        SELECT DISTINCT trim(c.npi) AS npi, upper(trim(c.state)) AS state
        FROM credentials AS c INNER JOIN ({ACTIVE_PROVIDERS_SQL}) AS a ON a.npi = trim(c.npi)
        WHERE c.credential_type = 'state_license' AND nullif(trim(c.state), '') IS NOT NULL
        ORDER BY 1, 2
        """  # noqa: S608 - constant SQL
    ).df()
    keys = [(npi, None) for npi in active["npi"]] + list(zip(states["npi"], states["state"], strict=True))
    candidates = pd.DataFrame(
        {
            "key": [f"{npi}|{state or ''}" for npi, state in keys],
            "rendering_npi": [npi for npi, _s in keys],
            "payer_id": None,
            "date_of_service": on_date,
            "procedure_code": None,
            "pos": None,
            "service_state": [state for _n, state in keys],
        }
    )
    rule = get_rule("LICENSE_INVALID")
    with judged_lines(con, candidates) as values:
        sql = f"SELECT claim_id FROM {rule_rows_sql(rule)} AS r"  # noqa: S608 - our own rule SQL
        invalid = {r[0] for r in con.execute(sql, bind(sql, {**values, "rule_id": rule.rule_id})).fetchall()}
        judged = con.execute(
            "SELECT b.claim_id, b.known_provider, c.license_expires FROM line_base AS b"
            " LEFT JOIN line_credentials AS c ON c.npi = b.rendering_npi AND c.state_key = ''"
            " AND c.date_of_service = b.date_of_service WHERE b.service_state IS NULL"
        ).df()
    judged = judged.set_index("claim_id")
    holders = set(states["npi"]) | {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT trim(npi) FROM credentials WHERE credential_type = 'state_license'"
        ).fetchall()
    }
    rows = []
    for npi in active["npi"]:
        key = f"{npi}|"
        if not bool(judged.loc[key, "known_provider"]):
            licence = "invalid NPI"
        elif key not in invalid:
            licence = "valid"
        else:
            licence = "expired" if npi in holders else "none"
        covered = [
            s
            for n, s in zip(states["npi"], states["state"], strict=True)
            if n == npi and f"{n}|{s}" not in invalid
        ]
        expires = judged.loc[key, "license_expires"] if licence == "valid" else None
        rows.append(
            {
                "npi": npi,
                "licence": licence,
                "licence_states": ", ".join(covered) if covered and licence != "invalid NPI" else None,
                "licence_expires": None
                if expires is None or pd.isna(expires)
                else pd.Timestamp(expires).date(),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def action_items(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """item, npi, provider_name, what, due_date, days_left: what the audit of a month ending on as_of
    would warn about ahead (CREDENTIAL_EXPIRING, ENROLLMENT_TERMINATING: 90 days), and pending
    applications with their age (days_left negative)."""
    from audits.rules import get_rule
    from audits.runner import bind
    from audits.views import ensure_views

    ensure_views(con)
    values = {"month_start": month_start(as_of), "month_end": as_of}
    parts = []
    for rule_id, item in (
        ("CREDENTIAL_EXPIRING", "credential expires"),
        ("ENROLLMENT_TERMINATING", "enrollment terminates"),
    ):
        sql = f"SELECT rendering_npi AS npi, payer_id, what, due_date FROM (\n{get_rule(rule_id).sql}\n) AS r"  # noqa: S608
        frame = con.execute(sql, bind(sql, values)).df()
        parts.append(frame.assign(item=item))
    pending = con.execute(
        f"""
        SELECT e.npi, e.payer_id, CAST(NULL AS VARCHAR) AS what, e.submitted_date AS due_date
        FROM (SELECT trim(npi) AS npi, trim(payer_id) AS payer_id, submitted_date, lower(trim(status)) AS status
              FROM enrollments) AS e
        INNER JOIN ({ACTIVE_PROVIDERS_SQL}) AS a ON a.npi = e.npi
        WHERE e.status = 'pending'
        """  # noqa: S608 - constant SQL
    ).df()
    parts.append(pending.assign(item="application pending"))
    items = pd.concat(parts, ignore_index=True)
    names = con.execute(PROVIDER_NAMES_SQL).df().set_index("npi")["provider_name"]
    payer_names = con.execute(PAYER_NAMES_SQL).df().set_index("payer_id")["payer_name"]
    items["provider_name"] = items["npi"].map(names)
    payer = items["payer_id"].map(payer_names).fillna(items["payer_id"])
    items["what"] = items["what"].where(items["what"].notna(), payer)
    due = pd.to_datetime(items["due_date"])
    items["days_left"] = (due - pd.Timestamp(as_of)).dt.days.astype("Int64")
    items["due_date"] = due.dt.date
    columns = ["item", "npi", "provider_name", "what", "due_date", "days_left"]
    return items[columns].sort_values(["days_left", "provider_name"], na_position="first", ignore_index=True)
