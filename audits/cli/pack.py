"""`pack --month YYYY-MM --out F.xlsx`: the monthly audit pack (audits.pack)."""

from __future__ import annotations

import argparse

HELP = "Write the monthly audit pack: the audit workbook plus changes since last month, repeat offenders, the work queue, exclusion screening and a sign-off sheet."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the audited service month")
    parser.add_argument("--out", required=True, metavar="F.xlsx", help="the workbook to write")


def run(args: argparse.Namespace) -> int:
    from audits.lifecycle import sync_reopened
    from audits.months import month_label
    from audits.pack import write_pack
    from audits.store import connect

    with connect(args.db) as con:
        sync_reopened(con)
        result = write_pack(con, args.month, args.out)
    counts = result.summary.counts
    print(
        f"Wrote the {month_label(args.month)} audit pack to {result.path}: {result.findings:,} findings; "
        f"{counts['new']:,} new, {counts['recurring']:,} recurring, {counts['resolved']:,} resolved issues; "
        f"{result.queue_issues:,} in the work queue."
    )
    return 0
