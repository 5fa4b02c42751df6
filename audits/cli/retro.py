"""`retro [--payer P]`: lines an enrollment correction made billable again, with filing deadlines."""

from __future__ import annotations

import argparse

HELP = "List claim lines denied for credentialing that a roster correction now covers, with each payer's filing limit and the days left."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--payer", metavar="P", help="only this payer's lines (payer id)")
    parser.add_argument(
        "--set-days", type=int, metavar="N", help="with --payer: set its filing limit to N days"
    )
    parser.add_argument(
        "--basis",
        choices=("date_of_service", "correction"),
        help="with --set-days: count the days from the date of service (default) or from the correction",
    )
    parser.add_argument(
        "--limits", action="store_true", help="list every payer's filing limit and its source"
    )
    parser.add_argument("--by", metavar="NAME", help="who edits the limit (default: your login)")


def run(args: argparse.Namespace) -> int:
    from audits.errors import InputError
    from audits.held_claims import who
    from audits.retro import filing_limits, recoverable_lines, set_filing_limit
    from audits.store import connect

    with connect(args.db) as con:
        if args.set_days is not None:
            if not args.payer:
                raise InputError("--set-days needs --payer - e.g. retro --payer AETNA --set-days 120.")
            set_filing_limit(con, args.payer, args.set_days, basis=args.basis, by=who(args.by))
            row = filing_limits(con).set_index("payer_id").loc[args.payer.strip()]
            basis = "the date of service" if row["basis"] == "date_of_service" else "the correction"
            print(f"{args.payer.strip()}: {row['days']} days from {basis}.")
            return 0
        if args.limits:
            for row in filing_limits(con).itertuples(index=False):
                print(
                    f"{row.payer_id:<10}{row.days:>5} days from {row.basis:<16} ({row.set_by}) {row.source}"
                )
            return 0
        frame = recoverable_lines(con, payer_id=args.payer)
    if frame.empty:
        print("No recoverable line: no denied line is covered by a later roster correction.")
        return 0
    print(
        f"{'CLAIM':<14}{'LINE':>5}  {'NPI':<12}{'PAYER':<10}{'DOS':<12}{'BILLED':>10}  {'DEADLINE':<12}{'DAYS LEFT':>9}"
    )
    for row in frame.itertuples(index=False):
        print(
            f"{row.claim_id:<14}{row.line_no:>5}  {row.rendering_npi:<12}{row.payer_id:<10}"
            f"{row.date_of_service.isoformat():<12}{row.billed_amount:>10,.2f}  {row.deadline.isoformat():<12}"
            f"{row.days_left:>9}{'  past the filing limit' if row.state != 'open' else ''}"
        )
    print(f"{len(frame):,} recoverable lines, ${frame['billed_amount'].sum():,.2f}.")
    return 0
