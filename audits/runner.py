"""run_audit(): audit one service month with every rule of the registry.

In one transaction: the month's claim lines become the TEMP table `audit_lines`, the line tables are
built from it (audits.views.prepare_lines), every rule's SELECT runs with $month_start/$month_end bound,
and its rows become findings with an amount at risk and a stable finding_id computed here (the rules
only say which rows violate). The month's earlier findings are replaced; earlier audit_runs rows stay,
marked 'superseded'.

amount_at_risk (SPEC 4), by the rule header's `amount`: billed - the line's billed amount; paid - its
paid amount (PAID_DESPITE_FINDING); provider_billed_90d - the provider's billed amount over the 90 days up
to month_end, i.e. dates of service in (month_end - 90 days, month_end], with that payer when the finding
names one; provider_billed_since - the provider's billed amount from the row's amount_since to month_end
(PROVIDER_EXCLUDED: from EXCLDATE).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from audits import audit_log
from audits.errors import InputError
from audits.months import month_bounds, month_label
from audits.rules import Rule, all_rules, rules_version
from audits.store import transaction
from audits.views import drop_lines, ensure_views, is_read_only, prepare_lines

Progress = Callable[[float, str], None]
_PARAMETER = re.compile(r"\$([a-z_]+)\b")

# Each rule's rows land in the TEMP table run_findings; one statement then turns them all into
# findings, with the amount at risk and the stable finding_id, in the write transaction.
_RUN_FINDINGS = """
CREATE OR REPLACE TEMP TABLE run_findings (
    rule_id VARCHAR, severity VARCHAR, level VARCHAR, amount_kind VARCHAR,
    claim_id VARCHAR, line_no INTEGER, rendering_npi VARCHAR, payer_id VARCHAR, procedure_code VARCHAR,
    date_of_service DATE, subject VARCHAR, detail VARCHAR, amount_since DATE
)
"""
FINDINGS_INSERT = """
INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no, rendering_npi,
                      payer_id, procedure_code, date_of_service, amount_at_risk, detail)
SELECT
    $run_id,
    CASE
        WHEN f.level = 'line' THEN sha256(concat_ws('|', f.rule_id, f.claim_id, CAST(f.line_no AS VARCHAR)))
        ELSE sha256(concat_ws('|', f.rule_id, f.rendering_npi, coalesce(f.payer_id, ''), coalesce(f.subject, '')))
    END,
    $audit_month, f.rule_id, f.severity, f.claim_id, f.line_no, f.rendering_npi, f.payer_id, f.procedure_code,
    f.date_of_service,
    CASE f.amount_kind
        WHEN 'billed' THEN b.billed_amount
        WHEN 'paid' THEN p.paid_amount
        WHEN 'provider_billed_since' THEN coalesce(s.billed, 0)
        ELSE coalesce(v.billed, 0)
    END,
    f.detail
FROM run_findings AS f
LEFT JOIN line_base AS b
    ON f.amount_kind = 'billed' AND b.claim_id = f.claim_id AND b.line_no = f.line_no
LEFT JOIN line_remit_facts AS p
    ON f.amount_kind = 'paid' AND p.claim_id = f.claim_id AND p.line_no = f.line_no
LEFT JOIN provider_billed_90d AS v
    ON f.amount_kind = 'provider_billed_90d' AND v.npi = f.rendering_npi AND v.payer_id = coalesce(f.payer_id, '*')
LEFT JOIN (
    SELECT k.rendering_npi AS npi, k.amount_since, sum(c.billed_amount) AS billed
    FROM (
        SELECT DISTINCT rendering_npi, amount_since FROM run_findings WHERE amount_kind = 'provider_billed_since'
    ) AS k
    INNER JOIN claim_lines AS c
        ON trim(c.rendering_npi) = k.rendering_npi AND c.date_of_service >= k.amount_since
        AND c.date_of_service <= $month_end
    GROUP BY k.rendering_npi, k.amount_since
) AS s
    ON f.amount_kind = 'provider_billed_since' AND s.npi = f.rendering_npi AND s.amount_since = f.amount_since
"""
# The lines the `-- lines:` sections block (not findings of their own), kept for the measures.
FINDING_LINES_INSERT = """
INSERT INTO finding_lines (run_id, month, rule_id, claim_id, line_no, detail)
SELECT $run_id, $audit_month, rule_id, claim_id, line_no, detail FROM line_findings WHERE from_lines
"""
_PROVIDER_BILLED_90D = """
CREATE OR REPLACE TEMP TABLE provider_billed_90d AS
WITH window_lines AS (
    SELECT trim(rendering_npi) AS npi, trim(payer_id) AS payer_id, billed_amount
    FROM claim_lines
    WHERE date_of_service > CAST($month_end - INTERVAL 90 DAY AS DATE) AND date_of_service <= $month_end
)
SELECT npi, payer_id, sum(billed_amount) AS billed FROM window_lines GROUP BY npi, payer_id
UNION ALL
SELECT npi, '*' AS payer_id, sum(billed_amount) AS billed FROM window_lines GROUP BY npi
"""


@dataclass
class RunResult:
    run_id: int
    month: str  # 'YYYY-MM'
    month_start: dt.date
    month_end: dt.date
    snapshot_id: int | None
    rules_version: str
    lines_audited: int
    findings: int
    amount_at_risk: Decimal  # sum over findings (a line with several findings counts once per finding)
    counts: dict[str, int] = field(default_factory=dict)  # rule_id -> findings (every rule, 0 included)
    amounts: dict[str, Decimal] = field(default_factory=dict)  # rule_id -> amount at risk
    seconds: float = 0.0


def bind(sql: str, values: dict) -> dict:
    """The subset of values the SQL names as $parameters (DuckDB refuses unused ones)."""
    used = set(_PARAMETER.findall(sql))
    missing = used - values.keys()
    if missing:
        raise KeyError(f"no value for SQL parameter(s) {sorted(missing)}")
    return {name: values[name] for name in used}


def rule_rows_sql(rule: Rule) -> str:
    """The rule's violating rows as a subquery: a rule whose lines are already in the line table
    line_findings is read from there (binds $rule_id), any other runs its own SQL."""
    if rule.marks_lines and rule.lines_sql is None:
        return "(SELECT * FROM line_findings WHERE rule_id = $rule_id AND NOT from_lines)"
    return f"(\n{rule.sql}\n)"


def rule_select_sql(rule: Rule) -> str:
    """The rule's violating rows, tagged with its id, severity, level and amount kind, into run_findings.
    A rule whose lines are already in the line table line_findings is read from there (not run twice)."""
    since = "r.amount_since" if rule.amount == "provider_billed_since" else "CAST(NULL AS DATE)"
    source = rule_rows_sql(rule)
    return f"""
INSERT INTO run_findings
SELECT $rule_id, $severity, $level, $amount_kind, r.claim_id, r.line_no, r.rendering_npi, r.payer_id,
       r.procedure_code, r.date_of_service, r.subject, r.detail, {since}
FROM {source} AS r
"""  # noqa: S608 - the rule body is our own file; values are bound


# The claim-line columns the line tables read (audit_lines carries only these: less to copy).
AUDIT_LINE_COLUMNS = ", ".join(
    [
        "claim_id",
        "line_no",
        "rendering_npi",
        "payer_id",
        "date_of_service",
        "procedure_code",
        *(f"modifier_{i}" for i in range(1, 5)),
        *(f"diagnosis_{i}" for i in range(1, 13)),
        "pos",
        "billed_amount",
        "service_state",
    ]
)


def create_month_lines(con: duckdb.DuckDBPyConnection, month_start: dt.date, month_end: dt.date) -> int:
    """The month's claim lines as TEMP `audit_lines`, then the line tables. Returns the line count."""
    values = {"month_start": month_start, "month_end": month_end}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE audit_lines AS SELECT {AUDIT_LINE_COLUMNS} FROM claim_lines "  # noqa: S608
        "WHERE date_of_service BETWEEN $month_start AND $month_end",
        values,
    )
    prepare_lines(con, values)
    return con.execute("SELECT count(*) FROM audit_lines").fetchall()[0][0]


def _ensure_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Load the reference code sets if a table is empty (an empty ICD-10-CM table would flag every code)."""
    empty = con.execute(
        "SELECT (SELECT count(*) FROM ref_carc) = 0 OR (SELECT count(*) FROM ref_pos) = 0 "
        "OR (SELECT count(*) FROM ref_icd10cm) = 0"
    ).fetchall()[0][0]
    if empty:
        from audits.reference import ensure_reference

        ensure_reference(con)


def run_audit(
    con: duckdb.DuckDBPyConnection, month: str | dt.date, progress: Progress | None = None
) -> RunResult:
    """Audit the claim lines whose date of service falls in `month`; replace that month's findings."""
    month_start, month_end = month_bounds(month)
    if is_read_only(con):
        raise InputError("An audit cannot run on a read-only connection - open the database for writing.")
    report = progress or (lambda fraction, message: None)
    rules = all_rules()
    version = rules_version()
    began = time.perf_counter()
    values = {"month_start": month_start, "month_end": month_end, "audit_month": month_start}
    label = month_label(month_start)
    try:
        report(0.0, f"Preparing the lines of {label}")
        _ensure_reference(con)
        ensure_views(con)
        # The TEMP line tables belong to this connection only, so they are built before the write
        # transaction, which then holds just the audit_runs row and the findings.
        lines = create_month_lines(con, month_start, month_end)
        con.execute(_PROVIDER_BILLED_90D, bind(_PROVIDER_BILLED_90D, values))
        con.execute(_RUN_FINDINGS)
        report(0.2, f"{lines:,} lines prepared")
        for i, rule in enumerate(rules):
            sql = rule_select_sql(rule)
            params = {
                **values,
                "rule_id": rule.rule_id,
                "severity": rule.severity,
                "level": rule.level,
                "amount_kind": rule.amount,
            }
            con.execute(sql, bind(sql, params))
            report(0.2 + 0.6 * (i + 1) / len(rules), f"Rule {rule.rule_id} done")
        with transaction(con):
            run_id = con.execute("SELECT nextval('run_id_seq')").fetchall()[0][0]
            snapshot = con.execute("SELECT max(snapshot_id) FROM roster_current").fetchall()[0][0]
            con.execute(
                "INSERT INTO audit_runs (run_id, month, started_at, snapshot_id, rules_version, status) "
                "VALUES (?, ?, current_timestamp, ?, ?, 'running')",
                [run_id, month_start, snapshot, version],
            )
            con.execute("DELETE FROM findings WHERE month = ?", [month_start])
            con.execute(FINDINGS_INSERT, bind(FINDINGS_INSERT, {**values, "run_id": run_id}))
            con.execute("DELETE FROM finding_lines WHERE month = ?", [month_start])
            con.execute(FINDING_LINES_INSERT, bind(FINDING_LINES_INSERT, {**values, "run_id": run_id}))
            report(0.95, "Findings written")
            totals = con.execute(
                "SELECT rule_id, count(*), coalesce(sum(amount_at_risk), 0) FROM findings "
                "WHERE run_id = ? GROUP BY rule_id",
                [run_id],
            ).fetchall()
            counts = {rule.rule_id: 0 for rule in rules}
            amounts = {rule.rule_id: Decimal("0.00") for rule in rules}
            for rule_id, count, amount in totals:
                counts[rule_id] = count
                amounts[rule_id] = Decimal(amount)
            total_findings = sum(counts.values())
            total_amount = sum(amounts.values(), Decimal("0.00"))
            con.execute(
                "UPDATE audit_runs SET status = 'superseded' WHERE month = ? AND run_id <> ? AND status = 'done'",
                [month_start, run_id],
            )
            con.execute(
                "UPDATE audit_runs SET status = 'done', finished_at = current_timestamp, lines_audited = ?, "
                "findings = ?, amount_at_risk = ? WHERE run_id = ?",
                [lines, total_findings, total_amount, run_id],
            )
            audit_log.record(con, "audit run", f"{label} (run {run_id})", rows=lines)
    finally:
        try:
            drop_lines(con)
            con.execute("DROP TABLE IF EXISTS temp.provider_billed_90d")
            con.execute("DROP TABLE IF EXISTS temp.run_findings")
        except duckdb.Error:  # pragma: no cover - the connection is already unusable
            pass
    report(1.0, f"Audit of {label} done")
    return RunResult(
        run_id=run_id,
        month=label,
        month_start=month_start,
        month_end=month_end,
        snapshot_id=snapshot,
        rules_version=version,
        lines_audited=lines,
        findings=total_findings,
        amount_at_risk=total_amount,
        counts=counts,
        amounts=amounts,
        seconds=time.perf_counter() - began,
    )
