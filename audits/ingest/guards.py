"""Plausibility guards (issue 9): before the analyst trusts a result, say in one sentence what is
unusual about it and what to check. Nothing is blocked: each guard returns sentences, the upload
result carries them (`UploadResult.checks`, also in `warnings`), the audit's come from `audit_month`.

- a credentialing upload that removes more than half of a table's current rows (by natural key);
- an upload with more than a fifth of its rows held or rejected;
- an audit month in which more than a third of the lines carry an enrollment finding, or whose lines
  are all held (none loaded, some held for an unknown payer): an empty audit is never silent.
"""

from __future__ import annotations

import datetime as dt

import duckdb

REMOVED_SHARE = 0.5  # more than this share of a roster table's current rows removed by one upload
HELD_SHARE = 0.2  # more than this share of an upload's rows held or rejected
ENROLLMENT_SHARE = 1 / 3  # more than this share of a month's lines with an enrollment finding

_TABLE_WORDS = {"providers": "providers", "credentials": "credentials", "payers": "payers",
                "enrollments": "enrollments", "service_scope": "service scope rows"}  # fmt: skip


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%"


# --------------------------------------------------------------------------------------------
# credentialing uploads


def roster_keys(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, set[tuple]]:
    """The natural keys of the current rows of roster tables (before and after an upload)."""
    from audits.ingest.roster.model import NATURAL_KEYS, TABLES
    from audits.ingest.roster.snapshots import _cell_key, _sql

    out = {}
    for table in tables:
        if table not in TABLES:
            continue
        keys = ", ".join(NATURAL_KEYS[table])
        rows = con.execute(_sql(f"SELECT {keys} FROM {{table}}", table)).fetchall()  # noqa: S608 - our names
        out[table] = {tuple(_cell_key(v) for v in row) for row in rows}
    return out


def roster_removals(before: dict[str, set[tuple]], after: dict[str, set[tuple]]) -> list[str]:
    """One sentence per table the upload emptied by more than half (rows whose key is gone)."""
    out = []
    for table, old in before.items():
        if not old or table not in after:
            continue
        removed = len(old - after[table])
        if removed > REMOVED_SHARE * len(old):
            words = _TABLE_WORDS.get(table, table)
            out.append(
                f"This upload removes {removed} of the {len(old)} current {words} ({_percent(removed, len(old))}) - "
                f"check that the file lists all of them, not an extract or another practice's list."
            )
    return out


# --------------------------------------------------------------------------------------------
# any upload


def held_share(rows_read: int, rows_rejected: int, unknown_payer_rows: int = 0) -> list[str]:
    """A sentence when more than a fifth of an upload's rows were held or rejected."""
    if rows_read <= 0 or rows_rejected <= HELD_SHARE * rows_read:
        return []
    share = _percent(rows_rejected, rows_read)
    if unknown_payer_rows * 2 > rows_rejected:
        what = "most for a payer the roster does not know - check the payer names held and the payers sheet"
    else:
        what = "check the reasons of the rejected rows and the column mapping"
    return [f"{rows_rejected} of the {rows_read} rows ({share}) were held or rejected, {what}."]


# --------------------------------------------------------------------------------------------
# an audit month


def audit_month(con: duckdb.DuckDBPyConnection, month: str | dt.date) -> list[str]:
    """Sentences about the month's audit (the latest finished run) and its lines: all held, or too
    many enrollment findings. [] when nothing is unusual."""
    from audits.findings import current_run
    from audits.ingest.reload import held_rows
    from audits.months import month_bounds, month_label
    from audits.rules import all_rules

    start, end = month_bounds(month)
    label = month_label(start)
    out = []
    loaded = con.execute(
        "SELECT count(*) FROM claim_lines WHERE date_of_service BETWEEN ? AND ?", [start, end]
    ).fetchall()[0][0]
    held = held_rows(
        con, "count(*)", "kind IN ('claims', '837') AND service_date BETWEEN ? AND ?", [start, end]
    )[0][0]
    if held and not loaded:
        out.append(
            f"No claim line of {label} is loaded, while {held} are held for a payer the roster does not know - "
            "check the payer names held, confirm them or load the credentialing file that defines them, "
            "then audit the month again."
        )
    run = current_run(con, start)
    if run and run.lines_audited:
        run_id, lines = run.run_id, int(run.lines_audited)
        # the line rules that say the provider was not enrolled for the line: the registry's category
        enrollment_rules = [r.rule_id for r in all_rules() if r.category == "enrollment" and r.kind == "line"]
        marks = ", ".join("?" for _ in enrollment_rules)
        flagged = con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT claim_id, line_no FROM findings WHERE run_id = ? "  # noqa: S608
            f"AND rule_id IN ({marks}))",
            [run_id, *enrollment_rules],
        ).fetchall()[0][0]
        if flagged > ENROLLMENT_SHARE * lines:
            out.append(
                f"{flagged} of the {lines} lines of {label} ({_percent(flagged, lines)}) carry an enrollment finding - "
                "check that the roster's enrollments loaded whole (payer names resolved, effective and "
                "termination dates read) before trusting this audit."
            )
    return out
