"""`assign ISSUE... --to X [--status S] [--note T]`: assign issues, set their status, add a note."""

from __future__ import annotations

import argparse

HELP = "Assign issues of the work queue to a person or team, set their status, add a note (kept with who and when)."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("issues", nargs="+", metavar="ISSUE", help="issue id(s) as the queue lists them")
    parser.add_argument(
        "--to", metavar="X", help="the person or team (credentialing, coding, billing); '' unassigns"
    )
    parser.add_argument("--status", metavar="S", help="open, in progress, fixed or accepted risk")
    parser.add_argument("--note", metavar="T", help="a note kept with the change")
    parser.add_argument("--by", metavar="NAME", help="who is doing it (default: your login)")


def run(args: argparse.Namespace) -> int:
    from audits.errors import InputError
    from audits.held_claims import who
    from audits.lifecycle import STATUS_LABELS, assign, issue_states
    from audits.store import connect

    if args.to is None and args.status is None and args.note is None:
        raise InputError("assign needs --to, --status or --note - e.g. assign ISSUE --to credentialing.")
    with connect(args.db) as con:
        result = assign(
            con, args.issues, by=who(args.by), assignee=args.to, status=args.status, note=args.note
        )
        states = issue_states(con)
    states = states[states["issue_id"].isin(result.issue_ids)].sort_values("issue_id")
    for row in states.itertuples(index=False):
        print(
            f"{row.issue_id}: {STATUS_LABELS[row.status]}, assigned to {row.assignee if isinstance(row.assignee, str) and row.assignee else '-'}."
        )
    print(f"{result.changed:,} changes recorded.")
    return 0
