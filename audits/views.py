"""Creates the SQL views the rules and measures read, from the .sql files.

Two kinds (see docs/ARCHITECTURE.md):
- persistent views over the stored tables: audits/sql/staging/stg_*.sql and audits/sql/measures/*.sql,
  created by `ensure_views(con)` with CREATE OR REPLACE VIEW (the runner and write paths call it).
  On a read-only connection (the dashboard) the views stored at the last write are used when they
  are current; when they are missing or older than the files, the same SQL is created as TEMP views
  for that connection (DuckDB allows TEMP objects on a read-only connection, and they shadow main).
- line tables over `audit_lines` (the lines under audit): audits/sql/staging/line_*.sql, created as
  TEMP tables by `prepare_lines(con, values)`, in LINE_TABLES order, once `audit_lines` exists. The runner
  fills `audit_lines` with the month's claim lines, the pre-check with candidate lines. One line table is
  written from the registry instead of a file: `line_findings` (line_findings_sql), the lines each rule
  that marks lines fires on (a blocking or credentialing line rule, or a rule's `-- lines:` section);
  and line_remits / line_earlier_remits are stg_remit_line_facts.sql judging only the lines of
  line_remit_candidates / line_earlier_lines (remit_facts_sql), not the view over every stored line.
- the table `rule_registry`: every rule's header (audits.rules.write_registry), rewritten with the views.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from audits import rules as rules_module

SQL_DIR = Path(__file__).resolve().parent / "sql"
STAGING_DIR = SQL_DIR / "staging"
MEASURES_DIR = SQL_DIR / "measures"
LINE_TABLES = (
    "line_base",
    "line_enrollment",
    "line_scope",
    "line_credentials",
    "line_exclusions",
    "line_facts",
    "line_findings",
    "line_remit_candidates",
    "line_remits",
    "line_remit_facts",
    "line_earlier_lines",
    "line_earlier_remits",
    "line_paid_before",
)
# Line tables written from other SQL than their own file: line_findings from the registry; line_remits
# and line_earlier_remits are stg_remit_line_facts.sql judging only the lines of line_remit_candidates
# (the lines a remit rule can fire on) and of line_earlier_lines (FIRST_TIME_COMBINATION's earlier
# lines): the view's facts for those lines alone (remit_facts_sql).
REMIT_FACTS_VIEW = "stg_remit_line_facts"
REMIT_FACTS_LINES = {"line_remits": "line_remit_candidates", "line_earlier_remits": "line_earlier_lines"}
GENERATED_LINE_TABLES = ("line_findings", *REMIT_FACTS_LINES)
_JUDGED_LINES = "judged_lines AS (\n    SELECT claim_id, line_no, payer_id, billed_amount FROM claim_lines\n)"
_META_NAME = "views"


def view_files() -> list[Path]:
    """Persistent view files: staging (stg_*) first, then measures, each sorted by name."""
    return sorted(STAGING_DIR.glob("stg_*.sql")) + sorted(MEASURES_DIR.glob("*.sql"))


def line_findings_sql(rules=None) -> str:
    """line_findings: claim_id, line_no, rendering_npi, payer_id, procedure_code, date_of_service, subject,
    detail, rule_id, from_lines - the rows of every rule that marks lines (rules.Rule.marks_lines): a
    line rule's own findings (from_lines false, the runner writes them as that rule's findings), a
    `-- lines:` section's blocked lines (from_lines true: not findings of their own)."""
    parts = []
    for rule in rules if rules is not None else rules_module.all_rules():
        if not rule.marks_lines:
            continue
        if rule.lines_sql is None:
            columns = (
                "claim_id, line_no, rendering_npi, payer_id, procedure_code, date_of_service, subject, detail"
            )
            select = f"SELECT {columns}, '{rule.rule_id}' AS rule_id, false AS from_lines"  # noqa: S608
            parts.append(f"{select} FROM (\n{rule.sql}\n) AS r")
        if rule.lines_sql is not None:
            columns = (
                "b.claim_id, b.line_no, b.rendering_npi, b.payer_id, b.procedure_code, b.date_of_service"
            )
            join = "INNER JOIN line_base AS b ON b.claim_id = r.claim_id AND b.line_no = r.line_no"
            parts.append(
                f"SELECT {columns}, CAST(NULL AS VARCHAR) AS subject, r.detail, '{rule.rule_id}' AS rule_id, "  # noqa: S608
                f"true AS from_lines FROM (\n{rule.lines_sql}\n) AS r {join}"
            )
    if not parts:
        parts.append(
            "SELECT CAST(NULL AS VARCHAR) AS claim_id, CAST(NULL AS INTEGER) AS line_no, CAST(NULL AS VARCHAR) "
            "AS rendering_npi, CAST(NULL AS VARCHAR) AS payer_id, CAST(NULL AS VARCHAR) AS procedure_code, "
            "CAST(NULL AS DATE) AS date_of_service, CAST(NULL AS VARCHAR) AS subject, CAST(NULL AS VARCHAR) "
            "AS detail, CAST(NULL AS VARCHAR) AS rule_id, false AS from_lines WHERE false"
        )
    return "\nUNION ALL\n".join(parts)


def remit_facts_sql(lines_table: str) -> str:
    """stg_remit_line_facts with its judged lines read from `lines_table` (the claim_lines columns
    claim_id, line_no, payer_id, billed_amount): the remittance facts of just those lines. Shares of a
    claim payment still divide over all the claim's stored lines, so a line's facts are the view's."""
    body = _body(STAGING_DIR / f"{REMIT_FACTS_VIEW}.sql")
    if body.count(_JUDGED_LINES) != 1:
        raise RuntimeError(f"{REMIT_FACTS_VIEW}.sql no longer has its judged_lines CTE as views.py expects")
    return body.replace(_JUDGED_LINES, _JUDGED_LINES.replace("FROM claim_lines", f"FROM {lines_table}"))


def line_statements() -> list[tuple[str, str]]:
    """(name, SQL) of every line table, in LINE_TABLES order."""
    out = []
    for name in LINE_TABLES:
        if name == "line_findings":
            out.append((name, line_findings_sql()))
        elif name in REMIT_FACTS_LINES:
            out.append((name, remit_facts_sql(REMIT_FACTS_LINES[name])))
        else:
            out.append((name, _body(STAGING_DIR / f"{name}.sql")))
    return out


def _body(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip().rstrip(";")


def views_version() -> str:
    """Hash of the view files and the rule files (the views read rule_registry)."""
    digest = hashlib.sha256()
    digest.update(rules_module.rules_version().encode())
    for path in view_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT current_setting('access_mode')").fetchall()[0][0] == "read_only"


def _stored_version(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("SELECT sha256 FROM ref_meta WHERE name = ?", [_META_NAME]).fetchall()
    return rows[0][0] if rows else None


def _existing_views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    rows += con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name = 'rule_registry'"
    ).fetchall()
    return {r[0] for r in rows}


def _create_all(con: duckdb.DuckDBPyConnection, temp: bool) -> None:
    """CREATE OR REPLACE each view; a view whose dependency comes later is retried in a later pass."""
    kind = "TEMP VIEW" if temp else "VIEW"
    pending = view_files()
    while pending:
        failed: list[tuple[Path, Exception]] = []
        for path in pending:
            try:
                con.execute(f"CREATE OR REPLACE {kind} {path.stem} AS {_body(path)}")  # noqa: S608 - our own file
            except duckdb.CatalogException as exc:
                failed.append((path, exc))
        if len(failed) == len(pending):
            raise failed[0][1]
        pending = [path for path, _exc in failed]


def ensure_views(con: duckdb.DuckDBPyConnection) -> None:
    """Make the staging and measure views current on this connection (cheap when they are)."""
    # DuckDB draws a progress bar on the terminal for long queries: not from a library call.
    # (In a notebook DuckDB refuses to change the setting without ipywidgets: then leave it.)
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    version = views_version()
    names = {path.stem for path in view_files()} | {"rule_registry"}
    if is_read_only(con):
        if _stored_version(con) == version and names <= _existing_views(con):
            return
        if con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rule_registry' AND temporary"
        ).fetchall()[0][0] and names <= _existing_views(con):
            return  # this connection already made its TEMP copies
        rules_module.write_registry(con, temp=True)
        _create_all(con, temp=True)
        return
    if _stored_version(con) == version and names <= _existing_views(con):
        return
    rules_module.write_registry(con)
    _create_all(con, temp=False)
    con.execute("DELETE FROM ref_meta WHERE name = ?", [_META_NAME])
    con.execute("INSERT INTO ref_meta (name, sha256) VALUES (?, ?)", [_META_NAME, version])


def prepare_lines(con: duckdb.DuckDBPyConnection, values: dict, upto: str = LINE_TABLES[-1]) -> None:
    """Build the TEMP line tables from `audit_lines` (which the caller created), in order, up to and
    including `upto` (the pre-check stops at line_findings: it needs no remittances). `values` holds
    $month_start and $month_end for the rule SQL of line_findings."""
    from audits.runner import bind

    for name, sql in line_statements()[: LINE_TABLES.index(upto) + 1]:
        statement = f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}"  # noqa: S608 - our own SQL
        con.execute(statement, bind(statement, values))


def drop_lines(con: duckdb.DuckDBPyConnection) -> None:
    for name in (*reversed(LINE_TABLES), "audit_lines"):
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")
