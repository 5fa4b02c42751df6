"""`run` (audit a month) and `check` (the coder's pre-check) commands."""

from __future__ import annotations

import argparse

from audits.cli import command
from audits.errors import InputError
from audits.precheck import check_file, check_line
from audits.runner import run_audit
from audits.store import connect


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--month", required=True, metavar="YYYY-MM", help="service month to audit, e.g. 2026-10"
    )


@command("run", "Audit one service month: findings per rule and dollars at risk.", _run_arguments)
def run_month(args: argparse.Namespace) -> int:
    with connect(args.db) as con:
        result = run_audit(con, args.month)
    print(
        f"Audit of {result.month}: {result.lines_audited:,} claim lines, run {result.run_id} "
        f"(roster snapshot {result.snapshot_id if result.snapshot_id is not None else 'none'}, "
        f"rules {result.rules_version})."
    )
    print(f"{'RULE':<26}{'SEVERITY':<10}{'FINDINGS':>10}{'AT RISK':>16}")
    from audits.rules import get_rule

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


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--npi", help="rendering provider NPI")
    parser.add_argument("--payer", help="payer id or name")
    parser.add_argument("--code", help="procedure code (CPT/HCPCS)")
    parser.add_argument("--dos", metavar="YYYY-MM-DD", help="date of service")
    parser.add_argument("--pos", metavar="NN", help="place of service (judged only when given)")
    parser.add_argument(
        "--state", metavar="ST", help="service state (without it, a licence in force in any state clears)"
    )
    parser.add_argument("--file", metavar="F", help="claims CSV/xlsx to check line by line")
    parser.add_argument("--out", metavar="G", help="where to write the checked copy (.csv or .xlsx)")


@command(
    "check",
    "Pre-check whether a provider is cleared to bill a code with a payer on a date, or a whole file with --file F --out G.",
    _check_arguments,
)
def run_check(args: argparse.Namespace) -> int:
    if args.file or args.out:
        if not (args.file and args.out):
            raise InputError("check --file needs --out too - e.g. check --file claims.csv --out checked.csv.")
        with connect(args.db, read_only=True) as con:
            out = check_file(con, args.file, args.out)
        cleared = int((out.verdict == "CLEARED").sum())
        print(
            f"{len(out):,} lines checked: {cleared:,} CLEARED, {len(out) - cleared:,} NOT CLEARED; written to {args.out}."
        )
        return 0
    missing = [f"--{name}" for name in ("npi", "payer", "code", "dos") if not getattr(args, name)]
    if missing:
        raise InputError(
            f"check needs {', '.join(missing)} - e.g. check --npi 1234567893 --payer AET --code 99213 --dos 2026-10-15."
        )
    with connect(args.db, read_only=True) as con:
        result = check_line(con, args.npi, args.payer, args.code, args.dos, pos=args.pos, state=args.state)
    print(result.verdict)
    for reason in result.reasons:
        print(f"- {reason}")
    return 0
