"""`payers`: the payer names rows are held for, with their row counts per kind and close matches.
`payers confirm NAME --as PAYER_ID`: NAME means that payer; every row held for it loads again."""

from __future__ import annotations

import argparse

from audits.errors import InputError

HELP = (
    "List the payer names rows are held for (rows per kind, close matches); "
    "`payers confirm NAME --as PAYER_ID` confirms one and loads its held rows."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "verb", nargs="?", choices=("list", "confirm"), default="list", help="list (default) or confirm"
    )
    parser.add_argument(
        "name", nargs="?", metavar="NAME", help="with confirm: the payer name as the file writes it"
    )
    parser.add_argument("--as", dest="payer_id", metavar="PAYER_ID", help="with confirm: the payer it means")


def run(args: argparse.Namespace) -> int:
    from audits.config import db_path
    from audits.store import connect

    if args.verb == "confirm":
        if not args.name or not args.payer_id:
            raise InputError(
                'payers confirm needs the name and the payer - e.g. payers confirm "Aetna Choice" --as AET.'
            )
        from audits.cli.ingest import print_result
        from audits.ingest.reload import confirm_payer

        with connect(db_path(args.db)) as con:
            confirmed = confirm_payer(con, args.name, args.payer_id)
        print(confirmed.summary())
        for result in confirmed.uploads:
            print_result(result, "  ")
        if confirmed.still_held:
            print(
                f"  {confirmed.still_held} rows of {args.name!r} are still held - python -m audits payers shows why."
            )
        return 0
    from audits.ingest.reload import held_payers

    with connect(db_path(args.db)) as con:
        held = held_payers(con)
    if not held:
        print("No rows are held for an unknown payer.")
        return 0
    print(f"{'PAYER AS WRITTEN':<32}{'ROWS':>7}  BY KIND                  CLOSE MATCHES")
    for entry in held:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(entry.rows.items()))
        if entry.resolves_to:
            close = f"resolves to {entry.resolves_to} now (load again: payers confirm NAME --as {entry.resolves_to})"
        else:
            close = ", ".join(f"{name} ({pid}) {score:.2f}" for pid, name, score in entry.close) or "none"
        print(f"{entry.name:<32}{entry.total:>7}  {kinds:<24} {close}")
    print("Confirm a name with: python -m audits payers confirm NAME --as PAYER_ID")
    return 0
