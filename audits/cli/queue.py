"""`queue --month YYYY-MM [--assignee X] [--status S]`: the month's work queue (audits.lifecycle)."""

from __future__ import annotations

import argparse

HELP = "The month's work queue: open issues (new or recurring) with their owner, status and dollars."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the audited service month")
    parser.add_argument("--assignee", metavar="X", help="only issues assigned to X (- for the unassigned)")
    parser.add_argument(
        "--status", metavar="S", help="only issues with this status: open, in progress, fixed, accepted risk"
    )


def run(args: argparse.Namespace) -> int:
    from audits.lifecycle import STATUS_LABELS, changes, queue, status_value, sync_reopened
    from audits.months import month_label
    from audits.store import connect

    status = status_value(args.status) if args.status is not None else None
    with connect(args.db) as con:
        sync_reopened(con)
        summary = changes(con, args.month)
        frame = queue(con, args.month, assignee=args.assignee, status=status)
    label = month_label(args.month)
    since = (
        f"since {summary.previous_month}"
        if summary.previous_audited
        else f"({summary.previous_month} was not audited: every open issue counts as new)"
    )
    print(
        f"{label} {since}: "
        + "; ".join(
            f"{summary.counts[c]:,} {c} (${summary.dollars[c]:,.2f})"
            for c in ("new", "recurring", "resolved")
        )
        + "."
    )
    if frame.empty:
        print("No issue in the queue matches.")
        return 0
    print(
        f"{'ISSUE':<14}{'CHANGE':<11}{'RULE':<26}{'NPI':<12}{'PAYER':<10}{'DOLLARS':>12}  {'STATUS':<15}ASSIGNEE"
    )
    for row in frame.itertuples(index=False):
        print(
            f"{row.issue_id:<14}{row.change:<11}{row.rule_id:<26}{row.rendering_npi or '':<12}"
            f"{row.payer_id if isinstance(row.payer_id, str) else '':<10}{row.dollars:>12,.2f}  "
            f"{STATUS_LABELS[row.status]:<15}{row.assignee if isinstance(row.assignee, str) else '-'}"
        )
        if row.reopened:
            print(f"{'':<14}{row.reopened}")
    print(f"{len(frame):,} issues, ${frame['dollars'].sum():,.2f}.")
    return 0
