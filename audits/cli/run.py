"""`run --month YYYY-MM`: audit one service month and print the findings per rule."""

from __future__ import annotations

import argparse

from audits.rules import get_rule
from audits.runner import run_audit
from audits.store import connect

HELP = "Audit one service month: findings per rule and dollars at risk."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--month", required=True, metavar="YYYY-MM", help="service month to audit, e.g. 2026-10"
    )


def run(args: argparse.Namespace) -> int:
    with connect(args.db) as con:
        result = run_audit(con, args.month)
    print(
        f"Audit of {result.month}: {result.lines_audited:,} claim lines, run {result.run_id} "
        f"(roster snapshot {result.snapshot_id if result.snapshot_id is not None else 'none'}, "
        f"rules {result.rules_version})."
    )
    print(f"{'RULE':<26}{'SEVERITY':<10}{'FINDINGS':>10}{'AT RISK':>16}")
    for rule_id, count in result.counts.items():
        if count:
            print(
                f"{rule_id:<26}{get_rule(rule_id).severity:<10}{count:>10,}{float(result.amounts[rule_id]):>16,.2f}"
            )
    print(
        f"{result.findings:,} findings; ${float(result.amount_at_risk):,.2f} at risk "
        "(summed over findings: a line with two findings counts twice)."
    )
    return 0
