"""The findings read model: the one place that says which run is a month's current run, how a finding
is joined to its provider's and payer's names, and which records stand behind one finding.

Used by the audit page, the findings CSV and the workbook (audits.reports), the measures' findings
frame, the notebooks and the issue lifecycle. Pure reads: a read-only connection is enough; every value
is bound; no patient identifier is selected.

- current_run(con, month) -> RunInfo | None; require_run(con, month) -> RunInfo (NotAudited)
- audited_months(con) -> ['YYYY-MM', ...] newest first
- findings(con, month, *, rule_ids, severities, npis, payer_ids, code, limit, order) -> DataFrame
  (FINDING_COLUMNS, then finding_id, provider_name, payer_name, category, title, action)
- findings_total(con, month, same filters) -> (count, dollars)
- findings_by_rule(con, month), misalignment_matrix(con, month) -> DataFrame (the audit page's charts)
- finding_record(con, finding_id, month) -> {} or {finding, action, claim_line, remits, enrollments,
  credentials, scope}
- rule_action(rule_id) -> the rule header's action
Names (SPEC 4 exports and pages alike): a provider's name is the smallest non-empty trimmed name the
roster holds for its NPI, a payer's the same over payers; sql/staging/stg_providers.sql (one row per
provider) and stg_payer_names.sql are the only copies (PROVIDERS_SQL, PROVIDER_NAMES_SQL, PAYER_NAMES_SQL
here; views for the rules).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from audits.errors import NotAudited
from audits.months import month_end, month_label, month_start

# SPEC 4: the findings CSV contract, in order.
FINDING_COLUMNS = (
    "rule_id",
    "severity",
    "claim_id",
    "line_no",
    "rendering_npi",
    "payer_id",
    "procedure_code",
    "date_of_service",
    "amount_at_risk",
    "detail",
)
READ_COLUMNS = (*FINDING_COLUMNS, "finding_id", "provider_name", "payer_name")

# One way to name a provider and a payer (issue 10: one copy took max, another min): the text of the
# staging files, inlined here so a read needs no view; the rule SQL reads the same files as views.
_STAGING = Path(__file__).resolve().parent / "sql" / "staging"


def _staging_select(name: str) -> str:
    text = (_STAGING / f"{name}.sql").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")).strip()


# One row per provider (name, specialty, hire date, status, active): sql/staging/stg_providers.sql.
PROVIDERS_SQL = _staging_select("stg_providers")
PROVIDER_NAMES_SQL = f"SELECT npi, provider_name FROM ({PROVIDERS_SQL}) AS providers_once"  # noqa: S608
PAYER_NAMES_SQL = _staging_select("stg_payer_names")
# Every payer the practice knows of (the payers table or an enrollment names it) with its name.
KNOWN_PAYERS_SQL = f"""
SELECT k.payer_id, y.payer_name
FROM (SELECT trim(payer_id) AS payer_id FROM payers UNION SELECT trim(payer_id) FROM enrollments) AS k
LEFT JOIN ({PAYER_NAMES_SQL}) AS y ON y.payer_id = k.payer_id
WHERE k.payer_id IS NOT NULL AND k.payer_id NOT IN ('', '*')
"""  # noqa: S608 - constant
# The current findings of every audited month (the month's one finished run) with the provider's and the
# payer's names: every reader of findings - pages, exports, measures, lifecycle, exposure - reads this.
CURRENT_FINDINGS_SQL = f"""
SELECT f.*, p.provider_name, y.payer_name
FROM findings AS f
INNER JOIN audit_runs AS r ON r.run_id = f.run_id AND r.status = 'done'
LEFT JOIN ({PROVIDER_NAMES_SQL}) AS p ON p.npi = trim(f.rendering_npi)
LEFT JOIN ({PAYER_NAMES_SQL}) AS y ON y.payer_id = trim(f.payer_id)
"""  # noqa: S608 - constant
# The months with a finished audit run (each has exactly one current run).
AUDITED_MONTHS_SQL = "SELECT DISTINCT month FROM audit_runs WHERE status = 'done'"
_NAMED = f"FROM ({CURRENT_FINDINGS_SQL}) AS f"
_ORDERS = {
    # the pages: errors first, the largest amounts first
    "severity": "CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, "
    "f.amount_at_risk DESC NULLS LAST, f.rule_id, f.claim_id, f.line_no, f.rendering_npi, f.payer_id, f.detail",
    # the exports: errors first, then by rule and claim (a stable, readable file)
    "rule": "CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, "
    "f.rule_id, f.claim_id, f.line_no, f.rendering_npi, f.payer_id, f.detail",
    # the measures' frame: the largest amounts first
    "amount": "f.amount_at_risk DESC NULLS LAST, f.rule_id, f.claim_id, f.line_no, f.rendering_npi, f.payer_id",
}


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    month: dt.date
    started_at: Any
    finished_at: Any
    snapshot_id: int | None
    rules_version: str | None
    lines_audited: int | None
    findings: int | None
    amount_at_risk: Any = None
    status: str = "done"


def current_run(con: duckdb.DuckDBPyConnection, month: str | dt.date) -> RunInfo | None:
    """The month's current audit run (its latest finished run), or None when it was never audited."""
    rows = con.execute(
        "SELECT run_id, month, started_at, finished_at, snapshot_id, rules_version, lines_audited, findings, "
        "amount_at_risk, status FROM audit_runs WHERE month = ? AND status = 'done' ORDER BY run_id DESC LIMIT 1",
        [month_start(month)],
    ).fetchall()
    return RunInfo(*rows[0]) if rows else None


def require_run(con: duckdb.DuckDBPyConnection, month: str | dt.date) -> RunInfo:
    """current_run, or NotAudited naming the month."""
    run = current_run(con, month)
    if run is None:
        raise NotAudited(month_label(month_start(month)))
    return run


def audited_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months ('YYYY-MM') with a finished audit run, newest first."""
    rows = con.execute(f"{AUDITED_MONTHS_SQL} ORDER BY month DESC").fetchall()  # noqa: S608 - constant
    return [month_label(r[0]) for r in rows]


def _filters(run: RunInfo | None, rule_ids, severities, npis, payer_ids, code) -> tuple[str, list]:
    where = ["f.run_id = ?"]
    params: list = [run.run_id if run else -1]
    for column, values in (
        ("f.rule_id", rule_ids),
        ("f.severity", severities),
        ("f.rendering_npi", npis),
        ("f.payer_id", payer_ids),
    ):
        if values:
            values = list(values)
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if code:
        where.append("upper(f.procedure_code) LIKE ?")
        params.append(code.strip().upper() + "%")
    return " AND ".join(where), params


def _registry(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    from audits.rules import registry_frame

    return registry_frame(con)[["rule_id", "category", "title", "action"]]


def findings(
    con: duckdb.DuckDBPyConnection,
    month: str | dt.date,
    *,
    rule_ids=None,
    severities=None,
    npis=None,
    payer_ids=None,
    code: str | None = None,
    limit: int | None = None,
    order: str = "severity",
) -> pd.DataFrame:
    """The month's current findings with provider and payer names and the rule's category, title and
    action; filtered; ordered by `order` ('severity' for pages, 'rule' for exports, 'amount')."""
    where, params = _filters(current_run(con, month), rule_ids, severities, npis, payer_ids, code)
    columns = (
        ", ".join(f"f.{c}" for c in (*FINDING_COLUMNS, "finding_id")) + ", f.provider_name, f.payer_name"
    )
    sql = f"SELECT {columns} {_NAMED} WHERE {where} ORDER BY {_ORDERS[order]} LIMIT ?"  # noqa: S608 - placeholders only
    frame = con.execute(sql, [*params, limit if limit is not None else 2**62]).df()
    frame = frame.merge(_registry(con), on="rule_id", how="left")
    frame["line_no"] = frame["line_no"].astype("Int64")
    return frame


def findings_total(
    con: duckdb.DuckDBPyConnection,
    month: str | dt.date,
    *,
    rule_ids=None,
    severities=None,
    npis=None,
    payer_ids=None,
    code: str | None = None,
) -> tuple[int, float]:
    """(count, dollars at risk) of the filtered findings, for the caption over a truncated table."""
    where, params = _filters(current_run(con, month), rule_ids, severities, npis, payer_ids, code)
    sql = f"SELECT count(*), coalesce(sum(f.amount_at_risk), 0) {_NAMED} WHERE {where}"  # noqa: S608
    count, dollars = con.execute(sql, params).fetchall()[0]
    return int(count), float(dollars)


def findings_by_rule(con: duckdb.DuckDBPyConnection, month: str | dt.date) -> pd.DataFrame:
    """rule_id, severity, findings, amount_at_risk of the month's current run."""
    run = current_run(con, month)
    return con.execute(
        "SELECT f.rule_id, f.severity, count(*) AS findings, coalesce(sum(f.amount_at_risk), 0) AS amount_at_risk"
        f" {_NAMED} WHERE f.run_id = ? GROUP BY f.rule_id, f.severity ORDER BY findings DESC, f.rule_id",
        [run.run_id if run else -1],
    ).df()


def misalignment_matrix(con: duckdb.DuckDBPyConnection, month: str | dt.date) -> pd.DataFrame:
    """Provider x payer: findings and dollars at risk of the month's current findings that name both."""
    run = current_run(con, month)
    return con.execute(
        f"""
        SELECT f.rendering_npi AS npi, coalesce(any_value(f.provider_name), f.rendering_npi) AS provider_name,
               f.payer_id, count(*) AS findings, coalesce(sum(f.amount_at_risk), 0) AS amount_at_risk
        {_NAMED}
        WHERE f.run_id = ? AND f.rendering_npi IS NOT NULL AND f.payer_id IS NOT NULL
        GROUP BY f.rendering_npi, f.payer_id
        """,  # noqa: S608 - constant
        [run.run_id if run else -1],
    ).df()


def rule_action(rule_id: str) -> str:
    """What the user should do about a finding: the `action` of the rule's header."""
    from audits.rules import get_rule

    try:
        return get_rule(rule_id).action
    except KeyError:
        return "Review the finding's detail and correct the claim or the roster."


def finding_record(con: duckdb.DuckDBPyConnection, finding_id: str, month: str | dt.date) -> dict:
    """The records behind one finding of the month's current run: the finding, its claim line (no
    patient data), the remittances, and the provider's enrollments with that payer, credentials and
    approved scope. {} when the current run has no such finding."""
    from audits import explore

    run = current_run(con, month)
    columns = (
        ", ".join(f"f.{c}" for c in (*FINDING_COLUMNS, "finding_id")) + ", f.provider_name, f.payer_name"
    )
    found = con.execute(
        f"SELECT {columns} {_NAMED} WHERE f.run_id = ? AND f.finding_id = ? LIMIT 1",  # noqa: S608 - constant
        [run.run_id if run else -1, finding_id],
    ).df()
    if found.empty:
        return {}
    finding = found.iloc[0].to_dict()
    npi, payer_id = finding["rendering_npi"], finding["payer_id"]
    claim_id, line_no = finding["claim_id"], finding["line_no"]
    has_line = claim_id is not None and not pd.isna(claim_id)
    key = [claim_id if has_line else "", int(line_no) if has_line and not pd.isna(line_no) else -1]
    record: dict = {"finding": finding, "action": rule_action(finding["rule_id"])}
    record["claim_line"] = con.execute(
        """
        SELECT claim_id, line_no, rendering_npi, billing_npi, payer_id, date_of_service, submitted_date,
               procedure_code, modifier_1, modifier_2, modifier_3, modifier_4,
               diagnosis_1, diagnosis_2, diagnosis_3, diagnosis_4, pos, units, billed_amount, service_state
        FROM claim_lines WHERE claim_id = ? AND line_no = ?
        """,
        key,
    ).df()
    record["remits"] = con.execute(
        """
        SELECT r.payer_id, r.claim_status, r.adjudication_date, r.billed_amount, r.paid_amount, r.source,
               a.level, a.group_code, a.carc, c.description AS carc_description, a.amount
        FROM remit_lines r
        LEFT JOIN remit_adjustments a ON a.remit_line_id = r.remit_line_id
        LEFT JOIN ref_carc c ON c.code = a.carc
        WHERE r.claim_id = ? AND (r.line_no = ? OR r.line_no IS NULL)
        ORDER BY r.adjudication_date, r.remit_line_id, a.position
        """,
        key,
    ).df()
    record["enrollments"] = explore.provider_enrollments(con, npi or "", payer_id=payer_id)
    record["credentials"] = explore.provider_credentials(con, npi or "", month_end(month))
    record["scope"] = explore.provider_scope(con, npi or "")
    return record
