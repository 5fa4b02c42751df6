"""`check`: the coder's pre-check of one line (--npi --payer --code --dos) or of a file (--file --out)."""

from __future__ import annotations

import argparse

from audits.errors import InputError

HELP = "Pre-check whether a provider is cleared to bill a code with a payer on a date, or a whole file with --file F --out G."


def arguments(parser: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
    from audits.precheck import check_file, check_line
    from audits.store import connect

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
    for _rule_id, detail in result.warnings:
        print(f"warning: {detail}")
    return 0
