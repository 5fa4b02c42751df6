"""Findings that live across months: issues, their changes month over month, and the work queue.

An **issue** is a finding's identity across months (issue 11):
- a line finding (claim_id filled) is the issue (rule, rendering NPI, payer): every line of that
  provider with that payer and that rule, in a month, is the same issue;
- a provider-level finding (claim_id empty) is the issue (rule, NPI, credential or payer): its
  finding_id, which the runner hashes from rule, NPI, payer and the credential it is about.
issue_id is the first 12 hex digits of a sha256 of that identity (ISSUE_ID_SQL), so the same issue
has the same id in every month and after every re-run of an audit.

Each audited month an issue is **new** (open this month, not in the month before), **recurring** (open
this month and the month before) or **resolved** (open the month before, gone this month). The
dollars of a new or recurring issue are this month's amount at risk of its findings; of a resolved
one, last month's. When the month before was never audited, every open issue counts as new and
`ChangeSummary.previous_audited` says so.

**Repeat offenders**: the same (provider, payer) pair with findings in each of three consecutive
audited months up to the month (info findings - first-time combinations, explained denials - are
notes for review, not offences, and do not count; credential findings name no payer and do not count).

The state of an issue (status, assignee, note) lives in issue_state and every change in issue_events
(who and when), never in findings: re-running an audit replaces the month's findings and keeps the
state. An issue marked **fixed** is fixed as of the latest month it was open in (fixed_month); when
a later month's audit finds it again, it is **reopened**: its status reads open and `reopened` says in
which month it came back, after whose fix. Readers derive that from the findings (a read-only
connection shows it too); `sync_reopened()` records it in the state and the history.

The findings come from the engine's findings read model (audits.findings: CURRENT_FINDINGS_SQL, names
one way), through one function here, `_findings_sql()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from audits import audit_log
from audits.errors import InputError, NotFound
from audits.findings import CURRENT_FINDINGS_SQL, PAYER_NAMES_SQL, PROVIDER_NAMES_SQL
from audits.months import add_months, month_label, month_start

STATUSES = ("open", "in_progress", "fixed", "accepted_risk")
STATUS_LABELS = {
    "open": "open",
    "in_progress": "in progress",
    "fixed": "fixed",
    "accepted_risk": "accepted risk",
}
TEAMS = ("credentialing", "coding", "billing")
CHANGES = ("new", "recurring", "resolved")
REPEAT_MONTHS = 3
SYSTEM_USER = "ClearToBill"

# The identity of the finding a row of `findings` is (see the module docstring).
ISSUE_ID_SQL = """substr(sha256(CASE
    WHEN f.claim_id IS NOT NULL
        THEN concat_ws('|', 'line', f.rule_id, coalesce(trim(f.rendering_npi), ''), coalesce(trim(f.payer_id), ''))
    ELSE concat_ws('|', 'provider', f.finding_id)
END), 1, 12)"""

QUEUE_COLUMNS = (
    "issue_id",
    "change",
    "rule_id",
    "severity",
    "rendering_npi",
    "provider_name",
    "payer_id",
    "payer_name",
    "findings",
    "dollars",
    "status",
    "assignee",
    "note",
    "reopened",
    "updated_by",
    "updated_at",
    "detail",
)
CHANGE_COLUMNS = (
    "issue_id",
    "change",
    "rule_id",
    "severity",
    "rendering_npi",
    "provider_name",
    "payer_id",
    "payer_name",
    "findings",
    "dollars",
    "detail",
)
OFFENDER_COLUMNS = (
    "rendering_npi",
    "provider_name",
    "payer_id",
    "payer_name",
    "months_running",
    "findings",
    "dollars",
    "dollars_3_months",
)


def status_value(text: str) -> str:
    """A status as the user wrote it ('In progress', 'accepted-risk', 'fixed') -> its stored value."""
    value = "_".join(str(text).strip().lower().replace("-", " ").split())
    if value not in STATUSES:
        words = ", ".join(STATUS_LABELS[s] for s in STATUSES)
        raise InputError(f"'{text}' is not an issue status - use one of: {words}.")
    return value


# --------------------------------------------------------------------------- findings, read once here


def _findings_sql() -> str:
    """The current findings of every audited month (the findings read model's CURRENT_FINDINGS_SQL),
    each with its issue_id."""
    return f"""
SELECT f.month, f.rule_id, f.severity, f.claim_id, f.line_no, trim(f.rendering_npi) AS rendering_npi,
       trim(f.payer_id) AS payer_id, f.amount_at_risk, f.detail, {ISSUE_ID_SQL} AS issue_id
FROM ({CURRENT_FINDINGS_SQL}) AS f
"""  # noqa: S608 - fixed text


def _issue_months_sql() -> str:
    """One row per (month, issue): its findings and dollars that month."""
    return f"""
SELECT month, issue_id, min(rule_id) AS rule_id, min(severity) AS severity,
       min(rendering_npi) AS rendering_npi, min(payer_id) AS payer_id, count(*) AS findings,
       CAST(coalesce(sum(amount_at_risk), 0) AS DECIMAL(14, 2)) AS dollars, min(detail) AS detail
FROM ({_findings_sql()}) AS x
GROUP BY month, issue_id
"""  # noqa: S608 - fixed text


def audited_months(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """First days of the months with a finished audit run, oldest first."""
    from audits import findings

    return [month_start(m) for m in reversed(findings.audited_months(con))]


def _names(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """Provider and payer names beside their ids."""
    providers = con.execute(f"SELECT npi AS rendering_npi, provider_name FROM ({PROVIDER_NAMES_SQL})").df()  # noqa: S608
    payers = con.execute(PAYER_NAMES_SQL).df()
    out = frame.merge(providers, on="rendering_npi", how="left").merge(payers, on="payer_id", how="left")
    return out


def month_issues(con: duckdb.DuckDBPyConnection, month) -> pd.DataFrame:
    """The issues open in a month: issue_id, rule_id, severity, rendering_npi, payer_id, findings,
    dollars, detail (one finding's detail, as an example)."""
    frame = con.execute(
        f"SELECT * EXCLUDE (month) FROM ({_issue_months_sql()}) WHERE month = ? ORDER BY dollars DESC, issue_id",  # noqa: S608
        [month_start(month)],
    ).df()
    frame["dollars"] = frame["dollars"].astype(float)
    return frame


# --------------------------------------------------------------------------- month over month


@dataclass
class ChangeSummary:
    """New, recurring and resolved issues of a month, with their counts and dollars."""

    month: str
    previous_month: str
    previous_audited: bool
    counts: dict[str, int] = field(default_factory=dict)
    dollars: dict[str, float] = field(default_factory=dict)
    issues: pd.DataFrame | None = None  # CHANGE_COLUMNS

    def frame(self) -> pd.DataFrame:
        """The summary as a small table: change, issues, dollars (the page and the pack show it)."""
        return pd.DataFrame(
            {
                "change": list(CHANGES),
                "issues": [self.counts[c] for c in CHANGES],
                "dollars": [round(self.dollars[c], 2) for c in CHANGES],
            }
        )


def changes(con: duckdb.DuckDBPyConnection, month) -> ChangeSummary:
    """What changed in a month against the month before: every issue that is new, recurring or resolved."""
    first = month_start(month)
    previous = add_months(first, -1)
    months = set(audited_months(con))
    if first not in months:
        from audits.errors import NotAudited

        raise NotAudited(month_label(first))
    current = month_issues(con, first)
    before = month_issues(con, previous) if previous in months else month_issues(con, previous).iloc[0:0]
    was_open = set(before["issue_id"])
    is_open = set(current["issue_id"])
    current["change"] = ["recurring" if i in was_open else "new" for i in current["issue_id"]]
    resolved = before[~before["issue_id"].isin(is_open)].copy()
    resolved["change"] = "resolved"
    issues = pd.concat([current, resolved], ignore_index=True) if len(resolved) else current
    issues = _names(con, issues)
    order = {c: i for i, c in enumerate(CHANGES)}
    issues = issues.assign(_order=issues["change"].map(order))
    issues = issues.sort_values(
        ["_order", "dollars", "issue_id"], ascending=[True, False, True], kind="stable"
    )
    issues = issues[list(CHANGE_COLUMNS)].reset_index(drop=True)
    counts = {c: int((issues["change"] == c).sum()) for c in CHANGES}
    dollars = {c: round(float(issues.loc[issues["change"] == c, "dollars"].sum()), 2) for c in CHANGES}
    return ChangeSummary(
        month=month_label(first),
        previous_month=month_label(previous),
        previous_audited=previous in months,
        counts=counts,
        dollars=dollars,
        issues=issues,
    )


def monthly_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every audited month: new, recurring and resolved issues with their dollars (the trends page)."""
    rows = []
    for first in audited_months(con):
        summary = changes(con, first)
        row = {"month": summary.month, "previous_audited": summary.previous_audited}
        for change in CHANGES:
            row[f"{change}_issues"] = summary.counts[change]
            row[f"{change}_dollars"] = summary.dollars[change]
        rows.append(row)
    columns = ["month", "previous_audited", *(f"{c}_{k}" for c in CHANGES for k in ("issues", "dollars"))]
    return pd.DataFrame(rows, columns=columns)


def repeat_offenders(con: duckdb.DuckDBPyConnection, month, run_length: int = REPEAT_MONTHS) -> pd.DataFrame:
    """(provider, payer) pairs with findings in each of the `run_length` months up to `month` (all audited)."""
    first = month_start(month)
    window = [add_months(first, -k) for k in range(run_length)]
    frame = con.execute(
        f"""
        SELECT month, rendering_npi, payer_id, count(*) AS findings,
               CAST(coalesce(sum(amount_at_risk), 0) AS DECIMAL(14, 2)) AS dollars
        FROM ({_findings_sql()}) AS x
        WHERE severity <> 'info' AND payer_id IS NOT NULL AND payer_id <> '' AND rendering_npi IS NOT NULL
            AND month <= ?
        GROUP BY month, rendering_npi, payer_id
        """,  # noqa: S608 - fixed text
        [first],
    ).df()
    if frame.empty:
        return pd.DataFrame(columns=list(OFFENDER_COLUMNS))
    frame["dollars"] = frame["dollars"].astype(float)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    rows = []
    for (npi, payer), group in frame.groupby(["rendering_npi", "payer_id"], sort=True):
        present = set(group["month"])
        if not all(m in present for m in window):
            continue
        running = 0
        while add_months(first, -running) in present:
            running += 1
        this = group[group["month"] == first]
        in_window = group[group["month"].isin(window)]
        rows.append(
            {
                "rendering_npi": npi,
                "payer_id": payer,
                "months_running": running,
                "findings": int(this["findings"].sum()),
                "dollars": round(float(this["dollars"].sum()), 2),
                "dollars_3_months": round(float(in_window["dollars"].sum()), 2),
            }
        )
    out = pd.DataFrame(
        rows, columns=[c for c in OFFENDER_COLUMNS if c not in ("provider_name", "payer_name")]
    )
    out = _names(con, out)
    out = out.sort_values(["dollars_3_months", "rendering_npi"], ascending=[False, True], kind="stable")
    return out[list(OFFENDER_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------- issue state


def _state_sql() -> str:
    """issue_state with what the findings say about a fixed issue: the first month after fixed_month in
    which it is open again (recurred_month), else NULL."""
    return f"""
WITH issue_months AS (SELECT DISTINCT month, issue_id FROM ({_findings_sql()}) AS x)
SELECT s.*,
       (SELECT min(m.month) FROM issue_months AS m
        WHERE m.issue_id = s.issue_id AND s.status = 'fixed' AND m.month > s.fixed_month) AS recurred_month
FROM issue_state AS s
"""  # noqa: S608 - fixed text


def _fix_event(con: duckdb.DuckDBPyConnection, issue_id: str) -> tuple[str, dt.datetime] | None:
    row = con.execute(
        "SELECT by_user, changed_at FROM issue_events WHERE issue_id = ? AND action = 'status' AND new_value = 'fixed' "
        "ORDER BY event_id DESC LIMIT 1",
        [issue_id],
    ).fetchall()
    return (row[0][0], row[0][1]) if row else None


def _reopened_text(recurred: dt.date, fixed_by: str | None, fixed_at) -> str:
    who = f" by {fixed_by}" if fixed_by else ""
    when = (
        f" on {pd.Timestamp(fixed_at).date().isoformat()}"
        if fixed_at is not None and pd.notna(fixed_at)
        else ""
    )
    return f"Reopened: found again in {month_label(recurred)} after it was marked fixed{who}{when}."


def issue_states(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every issue with a state: issue_id, status (reopened issues read open), assignee, note,
    reopened (the sentence, or empty), updated_by, updated_at."""
    frame = con.execute(f"SELECT * FROM ({_state_sql()})").df()  # noqa: S608 - fixed text
    reopened = []
    statuses = []
    for row in frame.itertuples(index=False):
        recurred = row.recurred_month
        if recurred is not None and pd.notna(recurred):
            fixed = _fix_event(con, row.issue_id) or (None, None)
            reopened.append(_reopened_text(pd.Timestamp(recurred).date(), *fixed))
            statuses.append("open")
        elif row.reopened_month is not None and pd.notna(row.reopened_month):
            note = con.execute(
                "SELECT note FROM issue_events WHERE issue_id = ? AND action = 'reopened' ORDER BY event_id DESC LIMIT 1",
                [row.issue_id],
            ).fetchall()
            reopened.append(note[0][0] if note and row.status == "open" else "")
            statuses.append(row.status)
        else:
            reopened.append("")
            statuses.append(row.status)
    frame["status"] = statuses
    frame["reopened"] = reopened
    return frame[["issue_id", "status", "assignee", "note", "reopened", "updated_by", "updated_at"]]


def sync_reopened(con: duckdb.DuckDBPyConnection) -> int:
    """Record, in issue_state and the history, every fixed issue a later month found again. Returns how many."""
    frame = con.execute(
        f"SELECT issue_id, recurred_month FROM ({_state_sql()}) WHERE recurred_month IS NOT NULL"  # noqa: S608
    ).df()
    for row in frame.itertuples(index=False):
        recurred = pd.Timestamp(row.recurred_month).date()
        fixed = _fix_event(con, row.issue_id) or (None, None)
        text = _reopened_text(recurred, *fixed)
        con.execute(
            "UPDATE issue_state SET status = 'open', reopened_month = ?, updated_by = ?, updated_at = current_timestamp "
            "WHERE issue_id = ?",
            [recurred, SYSTEM_USER, row.issue_id],
        )
        _event(con, row.issue_id, SYSTEM_USER, "reopened", "fixed", "open", text)
    return len(frame)


def queue(
    con: duckdb.DuckDBPyConnection,
    month,
    *,
    assignee: str | None = None,
    status: str | None = None,
    rule_id: str | None = None,
    npi: str | None = None,
    payer_id: str | None = None,
    change: str | None = None,
) -> pd.DataFrame:
    """The work queue of a month: its open issues (new or recurring) with their state, QUEUE_COLUMNS.
    An issue nobody touched is open and unassigned. Filters compare case-insensitively; assignee '-'
    (or 'none') selects the unassigned."""
    summary = changes(con, month)
    issues = summary.issues[summary.issues["change"] != "resolved"]
    states = issue_states(con)
    frame = issues.merge(states, on="issue_id", how="left")
    for column in ("status", "assignee", "note", "reopened", "updated_by"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["status"] = frame["status"].where(frame["status"].notna(), "open")
    frame["reopened"] = frame["reopened"].where(frame["reopened"].notna(), "")
    frame = frame[list(QUEUE_COLUMNS)]
    if assignee is not None:
        wanted = assignee.strip().lower()
        held = frame["assignee"].fillna("").str.strip().str.lower()
        frame = frame[held == ("" if wanted in ("-", "none", "") else wanted)]
    if status is not None:
        frame = frame[frame["status"] == status_value(status)]
    for column, value in (
        ("rule_id", rule_id),
        ("rendering_npi", npi),
        ("payer_id", payer_id),
        ("change", change),
    ):
        if value is not None:
            frame = frame[frame[column].fillna("").str.lower() == str(value).strip().lower()]
    return frame.reset_index(drop=True)


def resolve_issue_id(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """An issue id as the user typed it (the full 12 hex digits, or a unique prefix of 6 or more)."""
    wanted = str(text).strip().lower()
    if len(wanted) < 6:
        raise InputError(
            f"'{text}' is not an issue id - give at least its first 6 characters, as the queue lists it."
        )
    rows = con.execute(
        f"SELECT DISTINCT issue_id FROM ({_findings_sql()}) WHERE starts_with(issue_id, ?) "  # noqa: S608
        "UNION SELECT issue_id FROM issue_state WHERE starts_with(issue_id, ?) ORDER BY 1",
        [wanted, wanted],
    ).fetchall()
    if not rows:
        raise NotFound(f"No issue {text} in any audited month - the work queue lists the issue ids.")
    if len(rows) > 1:
        raise InputError(f"'{text}' starts {len(rows)} issue ids - give more of it.")
    return rows[0][0]


def _event(con, issue_id, by, action, old, new, note=None) -> None:
    con.execute(
        "INSERT INTO issue_events (event_id, issue_id, changed_at, by_user, action, old_value, new_value, note) "
        "VALUES (nextval('issue_event_id_seq'), ?, current_timestamp, ?, ?, ?, ?, ?)",
        [issue_id, by, action, old, new, note],
    )


def _record_change(con, ids: list[str], *, assignee, status, note, events: int) -> None:
    """The assignment in the audit trail (issue 14): which issues, what kind of change, never the note's
    text (free text may quote a patient). Who may assign is checked at the edge (audits/access.py)."""
    what = []
    if assignee is not None:
        what.append(f"assignee {assignee.strip() or 'none'}")
    if status is not None:
        what.append(f"status {status}")
    if note is not None:
        what.append("note")
    shown = ", ".join(i[:12] for i in ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    audit_log.record(con, "issue changed", f"{len(ids)} issue(s) {shown}: {'; '.join(what)}", rows=events)


@dataclass
class AssignResult:
    issue_ids: list[str]
    changed: int  # events written


def assign(
    con: duckdb.DuckDBPyConnection,
    issue_ids,
    *,
    by: str,
    assignee: str | None = None,
    status: str | None = None,
    note: str | None = None,
) -> AssignResult:
    """Assign issues, set their status and/or a note, all or nothing; every change is an event with
    who and when. A status of fixed is fixed as of the latest month the issue is open in."""
    if assignee is None and status is None and note is None:
        raise InputError("Nothing to change - give an assignee, a status or a note.")
    by = str(by).strip() or "unknown"
    new_status = status_value(status) if status is not None else None
    ids = list(dict.fromkeys(resolve_issue_id(con, i) for i in issue_ids))  # each once, in order
    if not ids:
        raise InputError("No issue to change - the filter selects none.")
    sync_reopened(con)
    events = 0
    con.execute("BEGIN TRANSACTION")
    try:
        for issue_id in ids:
            facts = con.execute(
                f"SELECT min(rule_id), min(rendering_npi), min(payer_id), max(month) "  # noqa: S608
                f"FROM ({_findings_sql()}) WHERE issue_id = ?",
                [issue_id],
            ).fetchall()[0]
            state = con.execute(
                "SELECT status, assignee, note FROM issue_state WHERE issue_id = ?", [issue_id]
            ).fetchall()
            if not state:
                con.execute(
                    "INSERT INTO issue_state (issue_id, rule_id, rendering_npi, payer_id, status, updated_by, updated_at) "
                    "VALUES (?, ?, ?, ?, 'open', ?, current_timestamp)",
                    [issue_id, facts[0] or "", facts[1], facts[2], by],
                )
                old_status, old_assignee, old_note = "open", None, None
            else:
                old_status, old_assignee, old_note = state[0]
            if assignee is not None and (assignee.strip() or None) != old_assignee:
                value = assignee.strip() or None
                con.execute("UPDATE issue_state SET assignee = ? WHERE issue_id = ?", [value, issue_id])
                _event(con, issue_id, by, "assign", old_assignee, value)
                events += 1
            if new_status is not None and new_status != old_status:
                con.execute(
                    "UPDATE issue_state SET status = ?, fixed_month = ? WHERE issue_id = ?",
                    [new_status, facts[3] if new_status == "fixed" else None, issue_id],
                )
                _event(con, issue_id, by, "status", old_status, new_status)
                events += 1
            if note is not None and note != old_note:
                con.execute("UPDATE issue_state SET note = ? WHERE issue_id = ?", [note, issue_id])
                _event(con, issue_id, by, "note", old_note, note, note)
                events += 1
            con.execute(
                "UPDATE issue_state SET updated_by = ?, updated_at = current_timestamp WHERE issue_id = ?",
                [by, issue_id],
            )
        _record_change(con, ids, assignee=assignee, status=new_status, note=note, events=events)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return AssignResult(issue_ids=ids, changed=events)


def history(con: duckdb.DuckDBPyConnection, issue_id: str | None = None) -> pd.DataFrame:
    """The changes of one issue (or all), oldest first: changed_at, by_user, action, old_value, new_value, note."""
    sql = "SELECT issue_id, changed_at, by_user, action, old_value, new_value, note FROM issue_events"
    if issue_id is None:
        return con.execute(sql + " ORDER BY event_id").df()
    return con.execute(sql + " WHERE issue_id = ? ORDER BY event_id", [resolve_issue_id(con, issue_id)]).df()
